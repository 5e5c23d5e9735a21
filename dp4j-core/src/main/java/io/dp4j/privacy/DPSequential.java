package io.dp4j.privacy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.data.Augmentation;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.clipping.ClippingRegistry;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * TF Privacy's {@code DPSequential}: a {@link Sequential} whose training step is DP-SGD (Abadi et
 * al. 2016) with an ordinary optimizer and loss. It holds a {@link DpStep} and compiles it around
 * the optimizer it is given; its privacy queries are {@link ModelPrivacy}'s.
 *
 * <p>Per-example gradients (or per-microbatch, with {@code numMicrobatches} M &gt; 0) are clipped
 * to {@code l2NormClip}, summed, noised with N(0, (noiseMultiplier · l2NormClip)²) and divided by
 * the sampler's expected batch size q·N (by M when microbatching). The loss's reduction is ignored:
 * the step always uses the per-example losses.
 *
 * <p>Microbatches follow {@link DpSettings}' rule: fixed-size batches are cut into M groups of b/M
 * consecutive examples (b must be a multiple of M); Poisson batches are clipped per example when M
 * equals the expected batch size, and otherwise have each example assigned to one of the M
 * microbatches uniformly at random. Microbatches that can hold more than one example are accounted
 * with noise multiplier σ/2 (sensitivity 2C), and {@link #privacySpent} reports it.
 */
public class DPSequential extends Sequential {
  private DpStep step;

  /** Clipping per example, no XLA, the default clipping rules. */
  public DPSequential(double l2NormClip, double noiseMultiplier, Layer... layers) {
    this(l2NormClip, noiseMultiplier, 0, false, null, layers);
  }

  /**
   * @param l2NormClip C
   * @param noiseMultiplier σ
   * @param numMicrobatches M, or 0 to clip per example (see {@link DpSettings} for the rule)
   * @param useXla compile the step with XLA's JIT (global_jit_level ON_1). On CPU, TensorFlow
   *     applies it only when the process runs with {@code TF_XLA_FLAGS=--tf_xla_cpu_global_jit};
   *     measured there on the tutorial CNN, steps became about 1000 times slower, so leave it off
   *     on CPU
   * @param layerRegistry the clipping rules, or null for {@link ClippingRegistry#defaults()}
   * @param layers the layers; the first declares the input shape
   */
  public DPSequential(
      double l2NormClip,
      double noiseMultiplier,
      int numMicrobatches,
      boolean useXla,
      ClippingRegistry layerRegistry,
      Layer... layers) {
    super(layers);
    this.step =
        new DpStep(
            new DpSettings(
                l2NormClip,
                noiseMultiplier,
                numMicrobatches,
                DpSettings.Normalization.EXPECTED_BATCH_SIZE,
                layerRegistry == null ? ClippingRegistry.defaults() : layerRegistry.copy()),
            null);
    setUseXla(useXla);
  }

  /**
   * Builds the DP-SGD step around an ordinary optimizer.
   *
   * @throws IllegalArgumentException if {@code optimizer} is itself a DP optimizer (or otherwise
   *     transforms its gradients)
   */
  @Override
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    if (optimizer.gradientTransform().isPresent()) {
      throw new IllegalArgumentException(
          "DPSequential already clips and noises gradients; compile it with an ordinary optimizer"
              + " (e.g. new SGD(lr)), not "
              + optimizer.getClass().getSimpleName());
    }
    compile(optimizer, step, loss, metrics);
  }

  /**
   * Trains with augmentation multiplicity (De et al. 2022): every sampled example is fed as {@code
   * k} copies augmented by {@code augmentation}, and its gradient is the mean of theirs before
   * clipping, so ε is the same as without (see {@link AugmentationMultiplicity}). Takes effect at
   * the next {@link #compile}.
   *
   * @throws IllegalArgumentException if k &lt; 1, or k &gt; 1 with {@link Augmentation#none()}
   */
  public DPSequential augmentationMultiplicity(int k, Augmentation augmentation) {
    step =
        new DpStep(
            step.settings().withAugmentation(new AugmentationMultiplicity(k, augmentation)), null);
    return this;
  }

  /** This model's privacy side: log, accountant, noise, inspection. */
  public ModelPrivacy privacy() {
    return ModelPrivacy.of(this);
  }

  /** See {@link ModelPrivacy#privacyLog()}. */
  public PrivacyLog privacyLog() {
    return privacy().privacyLog();
  }

  /** See {@link ModelPrivacy#setAccountant}. */
  public DPSequential setAccountant(Supplier<? extends PrivacyAccountant> accountants) {
    privacy().setAccountant(accountants);
    return this;
  }

  /** See {@link ModelPrivacy#setTargetDelta}. */
  public DPSequential setTargetDelta(double delta) {
    privacy().setTargetDelta(delta);
    return this;
  }

  /** See {@link ModelPrivacy#targetDelta()}. */
  public OptionalDouble targetDelta() {
    return privacy().targetDelta();
  }

  /** See {@link ModelPrivacy#privacySpent}. */
  public PrivacySpent privacySpent(double delta) {
    return privacy().privacySpent(delta);
  }

  /** See {@link NoiseSource#useFixedNoiseSeedForTesting}. FOR TESTS ONLY: no privacy. */
  public DPSequential useFixedNoiseSeedForTesting(long seed) {
    privacy().noiseSource().useFixedNoiseSeedForTesting(seed);
    return this;
  }

  /** See {@link NoiseSource#useSecureNoise()}; takes effect at the next compile. */
  public DPSequential useSecureNoise() {
    privacy().noiseSource().useSecureNoise();
    return this;
  }

  /** See {@link ModelPrivacy#secureNoise()}. */
  public boolean secureNoise() {
    return privacy().secureNoise();
  }

  /** See {@link ModelPrivacy#fixedNoiseSeed()}. */
  public OptionalLong fixedNoiseSeed() {
    return privacy().fixedNoiseSeed();
  }

  /** See {@link ModelPrivacy#dpSettings()}. */
  public Optional<DpSettings> dpSettings() {
    return privacy().dpSettings();
  }

  /** See {@link ModelPrivacy#plannedStepEvent}. */
  public DpEvent plannedStepEvent(BatchSampler sampler) {
    return privacy().plannedStepEvent(sampler);
  }

  /** See {@link ModelPrivacy#inspectDpStep(Dataset, double)}. */
  public DpStepInspection inspectDpStep(Dataset batch, double normalizer) {
    return privacy().inspectDpStep(batch, normalizer);
  }

  /** See {@link ModelPrivacy#inspectDpStep(Dataset, BatchSampler)}. */
  public DpStepInspection inspectDpStep(Dataset batch, BatchSampler sampler) {
    return privacy().inspectDpStep(batch, sampler);
  }
}
