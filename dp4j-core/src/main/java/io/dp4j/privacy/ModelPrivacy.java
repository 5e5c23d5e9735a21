package io.dp4j.privacy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The privacy side of one model: its {@link PrivacyLog}, how ε is reported, the noise mode of its
 * DP steps, and what its compiled {@link DpStep} does. The model ({@code nn}) knows nothing of
 * this; it keeps the state for DP training across compiles ({@link Sequential#modelState}), so a
 * model compiled with a {@code DPKeras*Optimizer}, a {@link DPSequential}, and a model loaded with
 * its privacy record all answer here. A cheap view: {@link #of} it whenever needed.
 */
public final class ModelPrivacy {
  private final Sequential model;
  private final PrivacyState state;

  private ModelPrivacy(Sequential model) {
    this.model = model;
    this.state = model.modelState(PrivacyState.class, PrivacyState::new);
  }

  /** The privacy side of {@code model}. */
  public static ModelPrivacy of(Sequential model) {
    return new ModelPrivacy(Objects.requireNonNull(model, "model"));
  }

  /** The DP events of the steps the model's weights have taken (restored ones included). */
  public PrivacyLog privacyLog() {
    return state.log;
  }

  /** The accountant used by {@link #privacySpent} and epoch events; RDP by default. */
  public ModelPrivacy setAccountant(Supplier<? extends PrivacyAccountant> accountants) {
    state.accountants = Objects.requireNonNull(accountants, "accountants");
    return this;
  }

  /** When set, epoch events and the history of DP training carry ε at this δ. */
  public ModelPrivacy setTargetDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    state.targetDelta = delta;
    return this;
  }

  /** The δ set by {@link #setTargetDelta}, if any. */
  public OptionalDouble targetDelta() {
    Double delta = state.targetDelta;
    return delta == null ? OptionalDouble.empty() : OptionalDouble.of(delta);
  }

  /** The ε spent so far at {@code delta}, from a fresh accountant of the configured kind. */
  public PrivacySpent privacySpent(double delta) {
    return state.log.privacySpent(delta, state.accountants);
  }

  /** The randomness of the model's DP steps (noise mode, fixed test seed). */
  public NoiseSource noiseSource() {
    return state.noise;
  }

  /**
   * Whether the DP noise is drawn in Java on a CSPRNG ({@link NoiseSource#useSecureNoise()}) rather
   * than in-graph: the mode of the compiled DP step, or the requested one before a DP compile.
   */
  public boolean secureNoise() {
    if (!model.isCompiled()) {
      return state.noise.secureRequested();
    }
    return compiled().map(c -> c.secureNoise).orElseGet(state.noise::secureRequested);
  }

  /**
   * FOR PRIVACY AUDITS: the model's next compiled DP step inserts {@code canaries} (white-box
   * gradient canaries, see {@link GradientCanaries}) into every step, sampled at the step's rate.
   * This is how {@code io.dp4j.audit.CanaryAudit} checks the engine; training a model for use with
   * canaries in it makes no sense. Canaries do not weaken the guarantee for the real examples. Pass
   * null to train without canaries at the next compile.
   */
  public ModelPrivacy insertGradientCanariesForAudit(GradientCanaries canaries) {
    state.canaries = canaries;
    return this;
  }

  /** The fixed test noise seed, if one was set. */
  public OptionalLong fixedNoiseSeed() {
    return state.noise.fixedSeed();
  }

  /**
   * True when the model is compiled with a DP step.
   *
   * @throws IllegalStateException if the model is not compiled
   */
  public boolean isDifferentiallyPrivate() {
    return compiled().isPresent();
  }

  /**
   * The DP settings of the compiled step, if DP.
   *
   * @throws IllegalStateException if the model is not compiled
   */
  public Optional<DpSettings> dpSettings() {
    return compiled().map(c -> c.dp);
  }

  /**
   * The event every DP step of a {@code fit} with {@code sampler} will record: {@code
   * PoissonSampled(q, Gaussian(σ))}, or Gaussian(σ/2) when microbatches can hold more than one
   * example ({@link RunShape}'s microbatch rule). A ledger admits or refuses a run with it before
   * the run starts.
   *
   * @throws IllegalStateException if the model is not compiled for DP training
   */
  public DpEvent plannedStepEvent(BatchSampler sampler) {
    DpSettings dp = requireDp().dp;
    double microbatchSize =
        RunShape.microbatchSize(
            dp.numMicrobatches(),
            sampler.expectedBatchSize(),
            sampler.mode() == SamplingMode.POISSON);
    return RunShape.step(sampler.samplingRate(), dp.noiseMultiplier(), microbatchSize).stepEvent();
  }

  /**
   * The intermediate values of a DP step on {@code batch} as a fixed-size batch (clipping units as
   * for {@link SamplingMode#SHUFFLED}: per example, or M groups of b/M consecutive examples),
   * without updating the model or recording anything. An empty batch is computed as padding
   * examples of weight 0 (norms 0, clipped sums 0).
   *
   * @param normalizer the divisor of the noisy sum
   */
  public DpStepInspection inspectDpStep(Dataset batch, double normalizer) {
    DpStep.Compiled step = requireDp();
    ClippingUnits units =
        ClippingUnits.plan(
            step.dp.numMicrobatches(),
            batch.size(),
            batch.size(),
            SamplingMode.SHUFFLED,
            state.noise.microbatchDraws(model.steps()));
    return inspect(step, batch, units, normalizer);
  }

  /**
   * The intermediate values of a DP step on {@code batch} drawn by {@code sampler}, with the
   * clipping units, the random microbatch assignment and the normalizer {@code fit} would use,
   * without updating the model. The assignment is drawn afresh (from the fixed test seed and the
   * step count when one is set, so then reproducibly) and reported in {@link
   * DpStepInspection#microbatchOf()}.
   */
  public DpStepInspection inspectDpStep(Dataset batch, BatchSampler sampler) {
    DpStep.Compiled step = requireDp();
    int b = batch.size();
    ClippingUnits units = step.plan(b, sampler.expectedBatchSize(), sampler, model.steps());
    return inspect(
        step, batch, units, step.dp.normalizer(b, sampler.expectedBatchSize(), sampler.mode()));
  }

  /**
   * The sum of the clipped gradients of the examples of {@code batch}, per parameter in the order
   * of the model's weights: the compiled DP step's own clipped sum (the same graph and clipping
   * rules), without noise or normalization, and without updating the model or recording anything.
   * Every example is clipped on its own, so the clipped sums of disjoint parts of a batch add up to
   * the batch's: what one partition of a data-parallel step (dp4j-spark) contributes. An empty
   * batch gives zeros.
   *
   * @param expectedBatchSize the step's expected batch size q·N, against which a model compiled
   *     with microbatches is checked to clip per example
   * @throws IllegalStateException if the model is not compiled for DP training, or clips per
   *     microbatch of more than one example (which a partitioned batch cannot reproduce)
   */
  public List<float[]> clippedSum(Dataset batch, double expectedBatchSize) {
    DpStep.Compiled step = requirePerExample(expectedBatchSize);
    ClippingUnits units =
        ClippingUnits.plan(
            step.dp.numMicrobatches(),
            batch.size(),
            expectedBatchSize,
            SamplingMode.POISSON,
            state.noise.microbatchDraws(model.steps()));
    try (var feed = step.unitsFeed(batch, units)) {
      return model.evaluateStep(feed, step.clippedSums);
    }
  }

  /**
   * One DP step of the model from a clipped sum computed elsewhere (the sum of {@link #clippedSum}
   * over the partitions of a Poisson sample): the compiled step with its clipped sum replaced, so
   * the rest is the single-machine step itself: the step's event recorded in the {@link PrivacyLog}
   * before the update, noise N(0, σ²C²) from the model's {@link NoiseSource}, division by the
   * sampler's expected batch size (the realized batch size is not known here and never used), the
   * optimizer's update, the step counter.
   *
   * @param clippedSum per parameter, in the order of the model's weights
   * @param sampler the Poisson sampling the sum's examples were drawn with (its rate and expected
   *     batch size; its batches are not drawn)
   * @param shapedLike a dataset shaped like the training data; its examples are not used
   * @return whether the weights are finite after the step
   * @throws IllegalStateException if the model is not compiled for per-example DP training
   */
  public boolean stepFromClippedSum(
      List<float[]> clippedSum, BatchSampler sampler, Dataset shapedLike) {
    if (sampler.mode() != SamplingMode.POISSON) {
      throw new IllegalArgumentException(
          "sampler must be Poisson (the partitions sample every row independently), got "
              + sampler.mode());
    }
    DpStep.Compiled step = requirePerExample(sampler.expectedBatchSize());
    step.useExternalClippedSum(List.copyOf(clippedSum));
    try {
      return model
          .trainOnBatch(shapedLike.slice(0, 0), sampler, model.newEpochMetrics())
          .weightsFinite();
    } finally {
      step.useExternalClippedSum(null);
    }
  }

  private DpStep.Compiled requirePerExample(double expectedBatchSize) {
    DpStep.Compiled step = requireDp();
    int m = step.dp.numMicrobatches();
    if (m != 0 && !RunShape.clipsPerExample(m, expectedBatchSize)) {
      throw new IllegalStateException(
          "the model clips per microbatch (numMicrobatches "
              + m
              + ", expected batch size "
              + expectedBatchSize
              + "); a clipped sum over a partitioned batch needs per-example clipping:"
              + " numMicrobatches 0 or equal to the expected batch size");
    }
    if (!step.dp.augmentation().isNone()) {
      throw new IllegalStateException(
          "the model trains with augmentation multiplicity "
              + step.dp.augmentation().k()
              + "; a clipped sum over a partitioned batch does not make the augmented copies yet:"
              + " train it without augmentation multiplicity");
    }
    return step;
  }

  private DpStepInspection inspect(
      DpStep.Compiled step, Dataset batch, ClippingUnits units, double normalizer) {
    List<Operand<TFloat32>> fetches = new ArrayList<>();
    fetches.add(step.unitSquaredNorms);
    fetches.addAll(step.clippedSums);
    fetches.addAll(step.noisyGradients);
    List<float[]> values;
    try (var feed = step.feed(batch, units, normalizer, model.steps())) {
      values = model.evaluateStep(feed, fetches);
    }
    int p = step.clippedSums.size();
    return new DpStepInspection(
        values.get(0),
        List.copyOf(values.subList(1, 1 + p)),
        List.copyOf(values.subList(1 + p, 1 + 2 * p)),
        normalizer,
        units.microbatchOf().clone(),
        units.microbatchSize());
  }

  private Optional<DpStep.Compiled> compiled() {
    if (!model.isCompiled()) {
      throw new IllegalStateException("compile the model first");
    }
    return model
        .stepFeeder()
        .filter(DpStep.Compiled.class::isInstance)
        .map(DpStep.Compiled.class::cast);
  }

  private DpStep.Compiled requireDp() {
    return compiled()
        .orElseThrow(() -> new IllegalStateException("the model is not compiled for DP training"));
  }
}
