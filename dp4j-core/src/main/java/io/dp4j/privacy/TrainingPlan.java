package io.dp4j.privacy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.DeltaDefault;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.accounting.StepCount;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Trainer;
import io.dp4j.privacy.keras.LedgerCharge;
import io.dp4j.privacy.keras.LedgerFit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The plan of one DP-SGD run, checked before it starts: the examples n, the expected batch size b,
 * the sampling rate q = b/n, the steps ({@link StepCount}), the microbatches, δ (by default {@link
 * DeltaDefault#forExamples}), and the noise multiplier σ, given or calibrated to a target ε (what
 * Opacus's {@code make_private_with_epsilon} does). {@link #run} trains a model with it and returns
 * a {@link TrainingResult} holding ε under both accountants.
 *
 * <pre>{@code
 * TrainingPlan plan = TrainingPlan.builder()
 *     .setExamples(60_000).setExpectedBatchSize(250)
 *     .optEpochs(3).optTargetEpsilon(1.0)          // σ calibrated so that ε (RDP) <= 1.0
 *     .build();                                    // δ defaults to 1e-6 for 60,000 examples
 * model.compile(new DPKerasSGDOptimizer(1.5, plan.noiseMultiplier(), 0, 0.25f), loss);
 * TrainingResult result = plan.run(model, train);  // result.rdp(), result.pld()
 * }</pre>
 *
 * <p><b>The event.</b> The run's DP event is {@link #runShape()}'s ({@link RunShape}: σ/2 when
 * microbatches can hold more than one example). A target ε is met by that event: calibration
 * searches the effective σ and returns the configured one, and a given σ is checked against the
 * target before anything trains.
 *
 * <p><b>Continued training.</b> A model that carries a privacy history ({@link Builder#optHistory})
 * composes it with this run's steps: the target check counts them, and calibration searches this
 * run's σ with the history composed first, so that the whole composition meets the target (a
 * history that alone reaches the target is refused).
 *
 * <p>A plan is immutable and validated when built: each error names the parameter, its value and
 * the rule. A target it cannot meet is a {@link TargetEpsilonException}, not a bad argument.
 */
public final class TrainingPlan {
  private final int examples;
  private final int expectedBatchSize;
  private final int epochs;
  private final SamplingMode sampling;
  private final int microbatches;
  private final double delta;
  private final AccountantKind accountant;
  private final PrivacyLog.Snapshot history;
  private final OptionalDouble targetEpsilon;
  private final NoiseCalibration.Calibration calibration;
  private final RunShape shape;

  private TrainingPlan(
      Builder b, double noiseMultiplier, NoiseCalibration.Calibration calibration) {
    this.examples = b.examples;
    this.expectedBatchSize = b.expectedBatchSize;
    this.epochs = b.epochs;
    this.sampling = b.sampling;
    this.microbatches = b.microbatches;
    this.delta = b.delta;
    this.accountant = b.accountant;
    this.history = b.history;
    this.targetEpsilon = b.targetEpsilon;
    this.calibration = calibration;
    this.shape = shape(b, noiseMultiplier);
  }

  /** A builder: {@code setExamples} and {@code setExpectedBatchSize} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** n, the training examples. */
  public int examples() {
    return examples;
  }

  /** b, the expected (Poisson) or fixed (shuffled) batch size. */
  public int expectedBatchSize() {
    return expectedBatchSize;
  }

  /** Passes over the data. */
  public int epochs() {
    return epochs;
  }

  /** How batches are drawn; the ε assumes Poisson sampling either way. */
  public SamplingMode sampling() {
    return sampling;
  }

  /** q = b/n, the sampling rate the accountants use. */
  public double samplingRate() {
    return shape.samplingRate();
  }

  /**
   * Steps per epoch, {@code ceil(n / b)} ({@link StepCount#perEpoch}); the samplers take as many.
   */
  public int stepsPerEpoch() {
    return stepsPerEpoch(sampling, examples, expectedBatchSize);
  }

  /** This run's steps: {@code epochs · stepsPerEpoch}. */
  public long steps() {
    return shape.steps();
  }

  /** TF Privacy's num_microbatches M; 0 clips per example. */
  public int microbatches() {
    return microbatches;
  }

  /** δ of every reported ε. */
  public double delta() {
    return delta;
  }

  /**
   * The warning for a δ of at least 1/n ({@link DeltaDefault#warning}), which permits leaking a
   * whole record; empty for a smaller δ.
   */
  public Optional<String> deltaWarning() {
    return DeltaDefault.warning(delta, examples);
  }

  /** The accountant of the calibration and the target check. */
  public AccountantKind accountant() {
    return accountant;
  }

  /** The σ to configure the DP optimizer with: given, or calibrated to the target. */
  public double noiseMultiplier() {
    return shape.noiseMultiplier();
  }

  /** The target ε, if one was given. */
  public OptionalDouble targetEpsilon() {
    return targetEpsilon;
  }

  /**
   * The calibration, when σ was calibrated to the target: its σ is the effective one (before the
   * microbatch rule's doubling) and its ε what the {@link #accountant()} certifies for this run.
   */
  public Optional<NoiseCalibration.Calibration> calibration() {
    return Optional.ofNullable(calibration);
  }

  /** The privacy history this run continues (empty for a fresh model). */
  public PrivacyLog.Snapshot history() {
    return history;
  }

  /** This run's shape: q, σ, steps and examples per clipping unit; its event is the run's. */
  public RunShape runShape() {
    return shape;
  }

  /**
   * ε of the first {@code steps} steps of this run alone (no history), under {@code kind}: what a
   * progress bar shows, and each epoch's point of a report's ε curve.
   */
  public double epsilonAfter(AccountantKind kind, long steps) {
    if (steps == 0) {
      return 0;
    }
    return kind.newAccountant().compose(shape.stepEvent(), steps).epsilon(delta);
  }

  /** {@link #epsilonAfter} at the end of each epoch. */
  public List<Double> epsilonPerEpoch(AccountantKind kind) {
    List<Double> out = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      out.add(epsilonAfter(kind, (long) e * stepsPerEpoch()));
    }
    return out;
  }

  /**
   * ε at δ of the history composed with this run's steps, under {@code kind}: the figure the target
   * check compares.
   */
  public double plannedEpsilon(AccountantKind kind) {
    return plannedEpsilon(kind, history, shape, delta);
  }

  /** A sampler of this plan's batches, from {@link java.security.SecureRandom}. */
  public BatchSampler sampler() {
    return sampling == SamplingMode.POISSON
        ? PoissonSampler.withExpectedBatchSize(examples, expectedBatchSize)
        : new ShuffledSampler(examples, expectedBatchSize);
  }

  /** {@link #run(Sequential, Dataset, BatchSampler, LedgerCharge)} with {@link #sampler()}. */
  public TrainingResult run(Sequential model, Dataset data) {
    return run(model, data, sampler(), null);
  }

  /**
   * Trains {@code model} on {@code data} for {@link #epochs()} epochs of {@code sampler}'s batches,
   * charged to {@code charge} when given, and reports what the model's privacy log then holds under
   * both accountants.
   *
   * @param model compiled for DP training with this plan's σ and microbatches (its step event must
   *     be {@link #runShape()}'s), holding the plan's {@link #history()}
   * @param sampler this plan's batches: its sampling rate, steps per epoch and mode are the plan's
   *     (a seeded one only in tests)
   * @param charge the ledger dataset to charge, or null for none
   * @throws IllegalArgumentException if the model, the data or the sampler does not fit the plan
   * @throws BudgetExceededException if the ledger refuses the run (nothing is trained or charged)
   */
  public TrainingResult run(
      Sequential model, Dataset data, BatchSampler sampler, LedgerCharge charge) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    if (data.size() != examples) {
      throw new IllegalArgumentException(
          "data holds " + data.size() + " examples but the plan is for " + examples);
    }
    requirePlanned(sampler);
    return ModelRun.train(
        this,
        model,
        sampler,
        charge,
        (m, s, epochs, hook) ->
            hook == null
                ? m.fit(data, s, epochs)
                : new Trainer(m).beforeEachStep(hook).fit(data, s, epochs, null));
  }

  /**
   * Trains {@code model} with an engine of its own instead of on data in this JVM (a cluster's:
   * {@link PlanEngine}), for {@link #epochs()} epochs at {@code sampler}'s rate, charged to {@code
   * charge} when given as {@link #run(Sequential, Dataset, BatchSampler, LedgerCharge)} charges:
   * the ledger admits the run before the first step, and the engine runs the charging hook before
   * each step. The engine draws its batches itself; {@code sampler} gives the rate, the steps per
   * epoch and the expected batch size every step is normalized by.
   *
   * @param engine takes the steps; the data it trains on must hold {@link #examples()} examples
   * @throws IllegalArgumentException if the model or the sampler does not fit the plan
   * @throws BudgetExceededException if the ledger refuses the run (nothing is trained or charged)
   */
  public TrainingResult run(
      Sequential model, BatchSampler sampler, LedgerCharge charge, PlanEngine engine) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(engine, "engine");
    requirePlanned(sampler);
    return ModelRun.train(this, model, sampler, charge, engine);
  }

  /** Refuses a sampler whose rate, steps per epoch or mode are not the plan's. */
  private void requirePlanned(BatchSampler sampler) {
    Objects.requireNonNull(sampler, "sampler");
    if (sampler.samplingRate() != samplingRate()
        || sampler.stepsPerEpoch() != stepsPerEpoch()
        || sampler.mode() != sampling) {
      throw new IllegalArgumentException(
          "sampler draws "
              + sampler.mode()
              + " batches at q = "
              + sampler.samplingRate()
              + ", "
              + sampler.stepsPerEpoch()
              + " per epoch, but the plan's are "
              + sampling
              + " at q = "
              + samplingRate()
              + ", "
              + stepsPerEpoch()
              + " per epoch");
    }
  }

  /**
   * The one place that reads and wires a model's privacy state (its step event, privacy log, δ and
   * the ledger charging), through {@link ModelPrivacy}.
   */
  private static final class ModelRun {
    static TrainingResult train(
        TrainingPlan plan,
        Sequential model,
        BatchSampler sampler,
        LedgerCharge charge,
        PlanEngine engine) {
      var planned = plan.shape.stepEvent();
      ModelPrivacy privacy = ModelPrivacy.of(model);
      var compiled = privacy.plannedStepEvent(sampler);
      if (!compiled.equals(planned)) {
        throw new IllegalArgumentException(
            "model is compiled for steps of "
                + compiled
                + " but the plan's are "
                + planned
                + ": compile it with noiseMultiplier "
                + plan.noiseMultiplier()
                + " and "
                + plan.microbatches
                + " microbatches");
      }
      PrivacyLog log = privacy.privacyLog();
      if (!log.snapshot().equals(plan.history)) {
        throw new IllegalArgumentException(
            "model's privacy log holds "
                + log.steps()
                + " steps but the plan continues a history of "
                + plan.history.steps()
                + ": build the plan with the model's history (optHistory)");
      }
      long stepsBefore = log.steps();
      privacy.setTargetDelta(plan.delta);
      History history;
      OptionalLong ledgerRun;
      if (charge == null) {
        history = engine.fit(model, sampler, plan.epochs, null);
        ledgerRun = OptionalLong.empty();
      } else {
        LedgerFit.ChargedRun run = LedgerFit.fit(model, sampler, plan.epochs, charge, engine);
        history = run.history();
        ledgerRun = OptionalLong.of(run.runId());
      }
      return new TrainingResult(
          plan,
          history,
          log.privacySpent(plan.delta, AccountantKind.RDP::newAccountant),
          log.privacySpent(plan.delta, AccountantKind.PLD::newAccountant),
          stepsBefore,
          log.events(),
          ledgerRun);
    }

    /** The history a plan for {@code model} continues. */
    static PrivacyLog.Snapshot historyOf(Sequential model) {
      return ModelPrivacy.of(model).privacyLog().snapshot();
    }
  }

  /** The privacy history of {@code model}: what a plan to train it further continues. */
  public static PrivacyLog.Snapshot historyOf(Sequential model) {
    return ModelRun.historyOf(model);
  }

  private static int stepsPerEpoch(SamplingMode sampling, int n, int b) {
    // the samplers' own count: Poisson from q·n, shuffled from b
    return (int) StepCount.perEpoch(n, expectedBatchSizeOf(sampling, n, b));
  }

  /**
   * The expected batch size as the sampler reports it (q·n for Poisson, which may be off b by
   * ulps).
   */
  private static double expectedBatchSizeOf(SamplingMode sampling, int n, int b) {
    return sampling == SamplingMode.POISSON ? ((double) b / n) * n : b;
  }

  private static RunShape shape(Builder b, double noiseMultiplier) {
    double q = (double) b.expectedBatchSize / b.examples;
    double expected = expectedBatchSizeOf(b.sampling, b.examples, b.expectedBatchSize);
    return new RunShape(
        q,
        noiseMultiplier,
        StepCount.of(b.examples, expected, b.epochs),
        RunShape.microbatchSize(b.microbatches, expected, b.sampling == SamplingMode.POISSON));
  }

  private static double plannedEpsilon(
      AccountantKind kind, PrivacyLog.Snapshot history, RunShape shape, double delta) {
    PrivacyAccountant a = kind.newAccountant();
    for (SelfComposedDpEvent run : history.events()) {
      a.compose(run.event(), run.count());
    }
    a.compose(shape.stepEvent(), shape.steps());
    return a.epsilon(delta);
  }

  /**
   * Builds a {@link TrainingPlan} (DJL's convention: {@code setX} required, {@code optX} optional).
   * Give {@code optNoiseMultiplier}, {@code optTargetEpsilon}, or both (the given σ is then checked
   * against the target).
   */
  public static final class Builder {
    private int examples;
    private int expectedBatchSize;
    private int epochs = 1;
    private SamplingMode sampling = SamplingMode.POISSON;
    private int microbatches;
    private double delta = Double.NaN;
    private AccountantKind accountant = AccountantKind.RDP;
    private PrivacyLog.Snapshot history = PrivacyLog.Snapshot.EMPTY;
    private OptionalDouble targetEpsilon = OptionalDouble.empty();
    private OptionalDouble noiseMultiplier = OptionalDouble.empty();

    private Builder() {}

    /** n, the training examples, &gt;= 1. */
    public Builder setExamples(int examples) {
      this.examples = examples;
      return this;
    }

    /** b, the expected batch size, in [1, n]; q = b/n. */
    public Builder setExpectedBatchSize(int expectedBatchSize) {
      this.expectedBatchSize = expectedBatchSize;
      return this;
    }

    /** Passes over the data, &gt;= 1 (default 1). */
    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Poisson (default, what the accountants model) or shuffled fixed-size batches. */
    public Builder optSampling(SamplingMode sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /** TF Privacy's num_microbatches M, &gt;= 0 (default 0: clip per example). */
    public Builder optMicrobatches(int microbatches) {
      this.microbatches = microbatches;
      return this;
    }

    /** δ in (0, 1); default {@link DeltaDefault#forExamples}(n). */
    public Builder optDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /** The accountant of the calibration and the target check, RDP (default) or PLD. */
    public Builder optAccountant(AccountantKind accountant) {
      this.accountant = Objects.requireNonNull(accountant, "accountant");
      return this;
    }

    /** The privacy history the model carries ({@link TrainingPlan#historyOf}); default none. */
    public Builder optHistory(PrivacyLog.Snapshot history) {
      this.history = Objects.requireNonNull(history, "history");
      return this;
    }

    /** σ, finite and &gt; 0. */
    public Builder optNoiseMultiplier(double noiseMultiplier) {
      this.noiseMultiplier = OptionalDouble.of(noiseMultiplier);
      return this;
    }

    /** The ε the run must not exceed at δ, finite and &gt; 0. */
    public Builder optTargetEpsilon(double targetEpsilon) {
      this.targetEpsilon = OptionalDouble.of(targetEpsilon);
      return this;
    }

    /**
     * Validates, then calibrates σ to the target (no σ given) or checks the given σ against it.
     *
     * @throws IllegalArgumentException naming the parameter, its value and the rule, if one is out
     *     of range, neither σ nor a target is given, or a target is to be calibrated for a model
     *     with a history
     * @throws TargetEpsilonException if no σ meets the target, or the given σ exceeds it
     */
    public TrainingPlan build() {
      if (examples < 1) {
        throw new IllegalArgumentException("examples must be >= 1, got " + examples);
      }
      if (expectedBatchSize < 1 || expectedBatchSize > examples) {
        throw new IllegalArgumentException(
            "expectedBatchSize must be in [1, examples] = [1, "
                + examples
                + "], got "
                + expectedBatchSize);
      }
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
      }
      if (microbatches < 0) {
        throw new IllegalArgumentException(
            "microbatches must be >= 0 (0: per example), got " + microbatches);
      }
      if (Double.isNaN(delta)) {
        delta = DeltaDefault.forExamples(examples);
      } else if (!(delta > 0 && delta < 1)) {
        throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
      }
      if (accountant == AccountantKind.NONE) {
        throw new IllegalArgumentException("accountant must be RDP or PLD, got " + accountant);
      }
      if (noiseMultiplier.isPresent()) {
        double sigma = noiseMultiplier.getAsDouble();
        if (!(sigma > 0 && Double.isFinite(sigma))) {
          throw new IllegalArgumentException(
              "noiseMultiplier must be finite and > 0, got " + sigma);
        }
      }
      if (targetEpsilon.isPresent()) {
        double target = targetEpsilon.getAsDouble();
        if (!(target > 0 && Double.isFinite(target))) {
          throw new IllegalArgumentException("targetEpsilon must be finite and > 0, got " + target);
        }
      } else if (noiseMultiplier.isEmpty()) {
        throw new IllegalArgumentException(
            "give noiseMultiplier, or targetEpsilon to calibrate it; got neither");
      }
      return noiseMultiplier.isPresent() ? checked() : calibrated();
    }

    private TrainingPlan checked() {
      TrainingPlan plan = new TrainingPlan(this, noiseMultiplier.getAsDouble(), null);
      if (targetEpsilon.isPresent()) {
        double epsilon = plan.plannedEpsilon(accountant);
        if (!(epsilon <= targetEpsilon.getAsDouble())) {
          throw TargetEpsilonException.exceeded(plan, epsilon);
        }
      }
      return plan;
    }

    private TrainingPlan calibrated() {
      if (history.steps() > 0) {
        double before = plannedEpsilonOfHistory();
        if (!(before < targetEpsilon.getAsDouble())) {
          throw TargetEpsilonException.unreachable(
              "the model's history of "
                  + history.steps()
                  + " steps alone spends epsilon "
                  + before
                  + " at delta "
                  + delta
                  + ", not below targetEpsilon "
                  + targetEpsilon.getAsDouble()
                  + ": no noise multiplier for this run can meet it",
              null);
        }
      }
      // calibrate the effective σ of the run's event, then undo the microbatch rule's halving
      RunShape unit = shape(this, 1);
      NoiseCalibration.Calibration cal;
      try {
        cal =
            NoiseCalibration.noiseMultiplierFor(
                targetEpsilon.getAsDouble(),
                delta,
                unit.samplingRate(),
                unit.steps(),
                this::accountantWithHistory);
      } catch (IllegalArgumentException e) {
        throw TargetEpsilonException.unreachable(e.getMessage(), e);
      }
      double sigma =
          RunShape.configuredNoiseMultiplier(cal.noiseMultiplier(), unit.sensitivityDoubled());
      return new TrainingPlan(this, sigma, cal);
    }

    /** A fresh accountant that has composed the history: calibration searches on top of it. */
    private PrivacyAccountant accountantWithHistory() {
      PrivacyAccountant a = accountant.newAccountant();
      for (SelfComposedDpEvent run : history.events()) {
        a.compose(run.event(), run.count());
      }
      return a;
    }

    private double plannedEpsilonOfHistory() {
      return accountantWithHistory().epsilon(delta);
    }
  }
}
