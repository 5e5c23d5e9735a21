package io.dp4j.privacy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.SamplingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The DP events of a model's training steps: one {@code PoissonSampled(q, Gaussian(σ))} per step,
 * consecutive identical steps folded into a {@link SelfComposedDpEvent}.
 *
 * <p>Each step's event is {@link RunShape#stepEvent()}: a step whose microbatches can hold more
 * than one example (microbatch size k &gt; 1) is recorded as {@code PoissonSampled(q,
 * Gaussian(σ/2))} (sensitivity 2C, {@link RunShape}'s microbatch rule); clipping per example (k =
 * 1) keeps Gaussian(σ).
 *
 * <p><b>Continued training.</b> A model loaded with its history ({@link #restore}: a checkpoint, or
 * a {@code .keras} file's privacy record) composes the restored steps with every later one, which
 * is right when the later steps train on the same data, or on data sharing individuals with it.
 * {@link #continueOnDisjointData()} declares that the later steps train on data sharing no
 * individual with the earlier: the history so far is then kept as a separate entry ({@link
 * #disjointDataEntries()}), never dropped, and ε composes the later steps only. Each individual's
 * loss is then that of the one entry whose data holds them: the other entries' training reaches
 * them only through the starting weights, which do not depend on them.
 */
public final class PrivacyLog {
  private final List<Snapshot> disjointEntries = new ArrayList<>();
  private final List<SelfComposedDpEvent> runs = new ArrayList<>();
  private final List<Double> runMicrobatchSizes = new ArrayList<>();
  private long restoredSteps;
  private long steps;
  private boolean samplingAssumed;
  private double lastRate = Double.NaN;
  private double lastSigma = Double.NaN;
  private double lastMicrobatchSize = 1;
  private boolean sensitivityDoubled;
  private long noiselessSteps;
  private double noiselessSamplingRate = Double.NaN;
  private boolean predictable;
  private final List<DpEvent> unchargedReleases = new ArrayList<>();

  /**
   * Records one DP step at sampling rate q with noise multiplier σ, clipped per example. A step
   * with σ = 0 (clipping without noise) has no privacy guarantee: it makes every later {@link
   * #privacySpent} ε infinite.
   */
  public synchronized void recordStep(
      double samplingRate, double noiseMultiplier, SamplingMode mode) {
    recordStep(samplingRate, noiseMultiplier, mode, 1);
  }

  /**
   * Records one DP step at sampling rate q with noise multiplier σ whose clipping units are
   * microbatches of {@code microbatchSize} examples (1 when clipping per example; the expected size
   * (q·N)/M for Poisson batches). Above 1 the step is recorded with Gaussian(σ/2). With σ = 0 the
   * step is counted but has no DP event: ε is infinite from then on.
   */
  public synchronized void recordStep(
      double samplingRate, double noiseMultiplier, SamplingMode mode, double microbatchSize) {
    RunShape step = RunShape.step(samplingRate, noiseMultiplier, microbatchSize);
    if (step.noisy()) {
      appendToRuns(step.stepEvent(), microbatchSize, 1);
      sensitivityDoubled |= step.sensitivityDoubled();
    } else {
      noiselessSteps++; // no DP event: the Gaussian mechanism needs σ > 0
      noiselessSamplingRate = samplingRate;
    }
    steps++;
    lastRate = samplingRate;
    lastSigma = noiseMultiplier;
    lastMicrobatchSize = microbatchSize;
    if (mode == SamplingMode.SHUFFLED) {
      samplingAssumed = true;
    }
  }

  /**
   * Records a Gaussian mechanism applied once to the whole training data with noise multiplier σ: a
   * statistic released before training (each example's contribution clipped, noise σ times the
   * clip), such as {@link io.dp4j.privacy.release.ChannelWhitening}'s. It is the event of a DP step
   * that samples every example, {@code PoissonSampled(1, Gaussian(σ))}, and is recorded, counted
   * and composed as one. Until {@link #markReleasesCharged()}, it is also among {@link
   * #unchargedReleases()}, which the next run charged to a privacy ledger charges first ({@code
   * LedgerFit}), each as its own one-step run.
   */
  public synchronized void recordFullDataRelease(double noiseMultiplier) {
    if (!(noiseMultiplier > 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "noiseMultiplier of a release must be finite and > 0, got " + noiseMultiplier);
    }
    recordStep(1.0, noiseMultiplier, SamplingMode.POISSON);
    unchargedReleases.add(runs.get(runs.size() - 1).event());
  }

  /** The events of the releases recorded since the last {@link #markReleasesCharged()}. */
  public synchronized List<DpEvent> unchargedReleases() {
    return List.copyOf(unchargedReleases);
  }

  /**
   * Declares every recorded release charged to the ledger of the data: a caller that charged them
   * itself (before computing them, as {@code train --recipe}) or a ledger run that just did.
   */
  public synchronized void markReleasesCharged() {
    unchargedReleases.clear();
  }

  private void appendToRuns(DpEvent step, double microbatchSize, long count) {
    int last = runs.size() - 1;
    if (last >= 0
        && runs.get(last).event().equals(step)
        && runMicrobatchSizes.get(last) == microbatchSize) {
      runs.set(last, new SelfComposedDpEvent(step, runs.get(last).count() + count));
    } else {
      runs.add(new SelfComposedDpEvent(step, count));
      runMicrobatchSizes.add(microbatchSize);
    }
  }

  /** The recorded runs of identical steps, in order. */
  public synchronized List<SelfComposedDpEvent> events() {
    return List.copyOf(runs);
  }

  /**
   * For each run of {@link #events()}, the microbatch size its steps were recorded with: above 1,
   * the run's event holds σ/2.
   */
  public synchronized List<Double> eventMicrobatchSizes() {
    return List.copyOf(runMicrobatchSizes);
  }

  public synchronized long steps() {
    return steps;
  }

  /**
   * Marks the log as holding steps whose batches or noise came from a predictable generator (a
   * fixed test seed, or a caller-supplied non-{@code SecureRandom} generator): such steps have no
   * DP guarantee, and reports must say so.
   */
  public synchronized void markPredictable() {
    predictable = true;
  }

  /** Whether some step's batches or noise came from a predictable generator. */
  public synchronized boolean predictable() {
    return predictable;
  }

  /** The sampling rate q of the latest step, NaN before any. */
  public synchronized double latestSamplingRate() {
    return lastRate;
  }

  /** Steps that ran with noise multiplier 0: if any, the model has no DP guarantee. */
  public synchronized long noiselessSteps() {
    return noiselessSteps;
  }

  /** True if some steps used shuffled fixed-size batches (the Poisson figure is then assumed). */
  public synchronized boolean samplingAssumed() {
    return samplingAssumed;
  }

  /** Examples per microbatch of the latest step: 1 when clipping per example. */
  public synchronized double microbatchSize() {
    return lastMicrobatchSize;
  }

  /**
   * True if some steps clipped microbatches that could hold more than one example: their
   * sensitivity is 2C and they were recorded with σ/2.
   */
  public synchronized boolean sensitivityDoubled() {
    return sensitivityDoubled;
  }

  /**
   * What a log holds about one body of data, to save it and restore it: the runs of identical steps
   * with each run's microbatch size, the steps without noise, and the marks.
   *
   * @param events runs of {@code PoissonSampled(q, Gaussian(σ))} steps, in order (σ/2 in a run
   *     whose microbatch size is above 1)
   * @param microbatchSizes one per run: the examples per microbatch its steps were recorded with
   * @param noiselessSteps steps that ran with noise multiplier 0 (ε infinite if any)
   * @param noiselessSamplingRate q of those steps, NaN if none
   * @param samplingAssumed some steps used shuffled fixed-size batches
   * @param predictable some step's batches or noise came from a predictable generator
   */
  public record Snapshot(
      List<SelfComposedDpEvent> events,
      List<Double> microbatchSizes,
      long noiselessSteps,
      double noiselessSamplingRate,
      boolean samplingAssumed,
      boolean predictable) {
    /** No step. */
    public static final Snapshot EMPTY =
        new Snapshot(List.of(), List.of(), 0, Double.NaN, false, false);

    public Snapshot {
      events = List.copyOf(events);
      microbatchSizes = List.copyOf(microbatchSizes);
      if (events.size() != microbatchSizes.size()) {
        throw new IllegalArgumentException(
            events.size() + " runs of steps but " + microbatchSizes.size() + " microbatch sizes");
      }
      for (int i = 0; i < events.size(); i++) {
        if (!(events.get(i).event() instanceof PoissonSampledDpEvent step
            && step.event() instanceof GaussianDpEvent)) {
          throw new IllegalArgumentException(
              "run " + i + " is not of Poisson-sampled Gaussian steps: " + events.get(i));
        }
        double size = microbatchSizes.get(i);
        if (!(size >= 1) || Double.isInfinite(size)) {
          throw new IllegalArgumentException(
              "microbatch size of run " + i + " must be finite and >= 1, got " + size);
        }
      }
      if (noiselessSteps < 0) {
        throw new IllegalArgumentException("noiselessSteps must be >= 0, got " + noiselessSteps);
      }
    }

    /** All steps: the runs' and the noiseless ones. */
    public long steps() {
      long steps = noiselessSteps;
      for (SelfComposedDpEvent run : events) {
        steps += run.count();
      }
      return steps;
    }

    /** ε at {@code delta} of these steps alone, as {@link PrivacyLog#privacySpent} computes it. */
    public PrivacySpent privacySpent(
        double delta, Supplier<? extends PrivacyAccountant> accountants) {
      PrivacyLog log = new PrivacyLog();
      log.restore(this);
      return log.privacySpent(delta, accountants);
    }
  }

  /** The steps since the log was created or last {@link #continueOnDisjointData() set aside}. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(
        runs,
        runMicrobatchSizes,
        noiselessSteps,
        noiselessSteps > 0 ? noiselessSamplingRate : Double.NaN,
        samplingAssumed,
        predictable);
  }

  /**
   * Puts {@code history} in this empty log, as if its steps had run here (a checkpoint, or a model
   * file's privacy record): later steps compose with them.
   *
   * @throws IllegalStateException if the log already holds steps or entries
   */
  public synchronized void restore(Snapshot history) {
    Objects.requireNonNull(history, "history");
    if (steps > 0 || !disjointEntries.isEmpty()) {
      throw new IllegalStateException(
          "the privacy log already holds " + steps + " steps: restore only into a fresh log");
    }
    // the runs as saved, events included: their σ is already the effective one (no inversion)
    for (int i = 0; i < history.events().size(); i++) {
      SelfComposedDpEvent run = history.events().get(i);
      if (run.count() == 0) {
        continue;
      }
      PoissonSampledDpEvent step = (PoissonSampledDpEvent) run.event();
      double size = history.microbatchSizes().get(i);
      appendToRuns(step, size, run.count());
      sensitivityDoubled |= RunShape.sensitivityDoubled(size);
      steps += run.count();
      lastRate = step.samplingProbability();
      lastSigma =
          RunShape.configuredNoiseMultiplier(
              ((GaussianDpEvent) step.event()).noiseMultiplier(),
              RunShape.sensitivityDoubled(size));
      lastMicrobatchSize = size;
    }
    for (long i = 0; i < history.noiselessSteps(); i++) {
      recordStep(history.noiselessSamplingRate(), 0, SamplingMode.POISSON);
    }
    samplingAssumed = history.samplingAssumed();
    predictable = history.predictable();
    restoredSteps = steps;
  }

  /**
   * Declares that the steps from now on train on data sharing no individual with the data of the
   * steps so far: those are kept as a separate entry of {@link #disjointDataEntries()} (never
   * dropped, and saved with the model), and {@link #privacySpent} composes the later steps only.
   * Does nothing when the log holds no step.
   *
   * <p>Only declare this when it is true of every individual: if anyone's data is in both, the
   * entries must be composed, which is what continuing without this call does.
   */
  public synchronized void continueOnDisjointData() {
    if (steps == 0) {
      return;
    }
    disjointEntries.add(snapshot());
    runs.clear();
    runMicrobatchSizes.clear();
    steps = 0;
    restoredSteps = 0;
    noiselessSteps = 0;
    noiselessSamplingRate = Double.NaN;
    samplingAssumed = false;
    predictable = false;
    lastRate = Double.NaN;
    lastSigma = Double.NaN;
    lastMicrobatchSize = 1;
    sensitivityDoubled = false;
  }

  /**
   * Restores entries set aside by {@link #continueOnDisjointData()} (read from a saved model), in
   * order, before the current entry's.
   */
  public synchronized void restoreDisjointDataEntries(List<Snapshot> entries) {
    if (!disjointEntries.isEmpty()) {
      throw new IllegalStateException("the log already holds disjoint-data entries");
    }
    entries.forEach(e -> disjointEntries.add(Objects.requireNonNull(e, "entry")));
  }

  /**
   * The histories set aside by {@link #continueOnDisjointData()}, oldest first: each one trained on
   * data sharing no individual with the later entries' data, and is not composed with them.
   */
  public synchronized List<Snapshot> disjointDataEntries() {
    return List.copyOf(disjointEntries);
  }

  /**
   * Steps restored by {@link #restore} (training before the model was loaded), composed with the
   * later ones: 0 for a log that started empty.
   */
  public synchronized long restoredSteps() {
    return restoredSteps;
  }

  /**
   * Composes the events into a fresh accountant and asks it for ε at {@code delta}: infinite, with
   * method {@link AccountantKind#NONE}, if any step ran without noise.
   */
  public synchronized PrivacySpent privacySpent(
      double delta, Supplier<? extends PrivacyAccountant> accountants) {
    if (noiselessSteps > 0) {
      return uncomposed(Double.POSITIVE_INFINITY, delta);
    }
    if (steps == 0) {
      return uncomposed(0, delta);
    }
    PrivacyAccountant accountant = accountants.get();
    for (SelfComposedDpEvent run : runs) {
      accountant.compose(run.event(), run.count());
    }
    return new PrivacySpent(
        accountant.epsilon(delta),
        delta,
        steps,
        lastRate,
        lastSigma,
        accountant.method(),
        samplingAssumed,
        lastMicrobatchSize,
        sensitivityDoubled);
  }

  /**
   * ε without an accountant ({@link AccountantKind#NONE}): 0 before any step, infinite after a step
   * without noise.
   */
  private PrivacySpent uncomposed(double epsilon, double delta) {
    return new PrivacySpent(
        epsilon,
        delta,
        steps,
        lastRate,
        lastSigma,
        AccountantKind.NONE.serializedName(),
        samplingAssumed,
        lastMicrobatchSize,
        sensitivityDoubled);
  }
}
