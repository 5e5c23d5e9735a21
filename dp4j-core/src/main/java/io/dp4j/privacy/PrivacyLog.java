package io.dp4j.privacy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.SamplingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The DP events of a model's training steps: one {@code PoissonSampled(q, Gaussian(σ))} per step,
 * consecutive identical steps folded into a {@link SelfComposedDpEvent}.
 *
 * <p>A step whose microbatches can hold more than one example (microbatch size k &gt; 1) is
 * recorded as {@code PoissonSampled(q, Gaussian(σ/2))}: under add-or-remove adjacency one example
 * changes a microbatch's clipped gradient by up to 2C, so the noise σ·C is worth σ/2 for
 * sensitivity 2C (TF Privacy's {@code compute_dp_sgd_privacy_statement}; Ponomareva et al. 2023,
 * "How to DP-fy ML", Sec. 5.6). Clipping per example (k = 1) keeps Gaussian(σ).
 */
public final class PrivacyLog {
  private final List<SelfComposedDpEvent> runs = new ArrayList<>();
  private final List<Double> runMicrobatchSizes = new ArrayList<>();
  private long steps;
  private boolean samplingAssumed;
  private double lastRate = Double.NaN;
  private double lastSigma = Double.NaN;
  private double lastMicrobatchSize = 1;
  private boolean sensitivityDoubled;
  private long noiselessSteps;
  private boolean predictable;

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
    if (!(microbatchSize >= 1) || Double.isInfinite(microbatchSize)) {
      throw new IllegalArgumentException(
          "microbatchSize must be finite and >= 1, got " + microbatchSize);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (noiseMultiplier == 0) {
      noiselessSteps++; // no DP event: the Gaussian mechanism needs σ > 0
    } else {
      boolean doubled = microbatchSize > 1;
      double effectiveSigma = doubled ? noiseMultiplier / 2 : noiseMultiplier;
      appendToRuns(
          new PoissonSampledDpEvent(samplingRate, new GaussianDpEvent(effectiveSigma)),
          microbatchSize);
      if (doubled) {
        sensitivityDoubled = true;
      }
    }
    steps++;
    lastRate = samplingRate;
    lastSigma = noiseMultiplier;
    lastMicrobatchSize = microbatchSize;
    if (mode == SamplingMode.SHUFFLED) {
      samplingAssumed = true;
    }
  }

  private void appendToRuns(DpEvent step, double microbatchSize) {
    int last = runs.size() - 1;
    if (last >= 0
        && runs.get(last).event().equals(step)
        && runMicrobatchSizes.get(last) == microbatchSize) {
      runs.set(last, new SelfComposedDpEvent(step, runs.get(last).count() + 1));
    } else {
      runs.add(new SelfComposedDpEvent(step, 1));
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
   * Composes the events into a fresh accountant and asks it for ε at {@code delta}: infinite, with
   * method {@code "none"}, if any step ran without noise.
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

  /** ε without an accountant ("none"): 0 before any step, infinite after a step without noise. */
  private PrivacySpent uncomposed(double epsilon, double delta) {
    return new PrivacySpent(
        epsilon,
        delta,
        steps,
        lastRate,
        lastSigma,
        "none",
        samplingAssumed,
        lastMicrobatchSize,
        sensitivityDoubled);
  }
}
