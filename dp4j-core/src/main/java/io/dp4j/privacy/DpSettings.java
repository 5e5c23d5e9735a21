package io.dp4j.privacy;

import io.dp4j.data.SamplingMode;
import io.dp4j.privacy.clipping.ClippingRegistry;
import java.util.Objects;

/**
 * The settings of a DP-SGD step (Abadi et al. 2016): per-unit gradients clipped to L2 norm C,
 * Gaussian noise of std σ·C added to their sum, the result divided by a normalizer.
 *
 * <p>The clipping units, for a batch of b examples and {@code numMicrobatches} M:
 *
 * <ul>
 *   <li>M = 0: every example is clipped on its own.
 *   <li>Fixed-size batches ({@link SamplingMode#SHUFFLED}), TF Privacy's semantics: b must be a
 *       multiple of M (else the step fails with a clear error); the batch is cut into M groups of k
 *       = b/M consecutive examples, each group's loss the mean of its examples' losses.
 *   <li>Poisson batches ({@link SamplingMode#POISSON}, varying b) with M equal to the sampler's
 *       expected batch size q·N (k = 1, e.g. TF Privacy's tutorial: batch 250 and 250
 *       microbatches): every example is clipped on its own, whatever b; the normalizer is M.
 *   <li>Poisson batches with M below the expected batch size (expected microbatch size k = q·N/M
 *       &gt; 1): each sampled example is assigned to one of the M microbatches independently and
 *       uniformly at random (from the model's {@code SecureRandom}, or its fixed test seed), so
 *       that adding or removing one example changes exactly one microbatch; each microbatch's loss
 *       is the mean of its examples' losses, an empty microbatch contributes a zero gradient; the
 *       normalizer is M. Consecutive grouping would be wrong here: removing one example would shift
 *       every later group. M above the expected batch size is refused.
 * </ul>
 *
 * <p>Accounting: when microbatches can hold more than one example (k &gt; 1), one example can
 * change a microbatch's clipped gradient by up to 2C (add-or-remove adjacency), so the step is
 * recorded as {@code PoissonSampled(q, Gaussian(σ/2))}, as TF Privacy's {@code
 * compute_dp_sgd_privacy_statement} does ("How to DP-fy ML", Sec. 5.6), and the model's {@link
 * PrivacyLog} and {@link PrivacySpent} report the microbatch size and the doubled sensitivity.
 * Clipping per example (k = 1) is recorded with Gaussian(σ).
 *
 * @param l2NormClip C, &gt; 0
 * @param noiseMultiplier σ, &gt;= 0 (0 only for tests: no privacy)
 * @param numMicrobatches M &gt; 0 to clip per microbatch (see above), 0 to clip per example
 * @param normalization what the noisy sum is divided by
 *     <p>With {@link AugmentationMultiplicity} K &gt; 1, every sampled example is fed as K
 *     augmented copies that together are the example: inside every unit above, an example's loss is
 *     the mean of its copies' losses, so its gradient is their mean gradient before clipping, and
 *     the accounting is unchanged.
 * @param registry the clipping rules per layer type
 * @param augmentation the augmented copies per example ({@link AugmentationMultiplicity#NONE}: the
 *     example as sampled)
 */
public record DpSettings(
    double l2NormClip,
    double noiseMultiplier,
    int numMicrobatches,
    Normalization normalization,
    ClippingRegistry registry,
    AugmentationMultiplicity augmentation) {

  /** Without augmentation. */
  public DpSettings(
      double l2NormClip,
      double noiseMultiplier,
      int numMicrobatches,
      Normalization normalization,
      ClippingRegistry registry) {
    this(
        l2NormClip,
        noiseMultiplier,
        numMicrobatches,
        normalization,
        registry,
        AugmentationMultiplicity.NONE);
  }

  /** What the noisy clipped sum is divided by. */
  public enum Normalization {
    /**
     * TF Privacy's optimizers: the number of microbatches, or, when clipping per example, the size
     * of a fixed-size batch (the expected batch size for Poisson batches).
     */
    MICROBATCHES_OR_BATCH_SIZE,
    /**
     * The sampler's expected batch size q·N (the unbiased choice under Poisson sampling), or the
     * number of microbatches when microbatching.
     */
    EXPECTED_BATCH_SIZE
  }

  public DpSettings {
    if (!(l2NormClip > 0) || Double.isInfinite(l2NormClip)) {
      throw new IllegalArgumentException("l2NormClip must be finite and > 0, got " + l2NormClip);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (numMicrobatches < 0) {
      throw new IllegalArgumentException(
          "numMicrobatches must be >= 0 (0: per example), got " + numMicrobatches);
    }
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(augmentation, "augmentation");
  }

  /** These settings with augmentation multiplicity {@code augmentation}. */
  public DpSettings withAugmentation(AugmentationMultiplicity augmentation) {
    return new DpSettings(
        l2NormClip, noiseMultiplier, numMicrobatches, normalization, registry, augmentation);
  }

  /**
   * The normalizer for a batch of {@code batchSize} examples drawn by a sampler with the given
   * expected batch size and mode. Under Poisson sampling the actual batch size is itself private,
   * so clipping per example with {@link Normalization#MICROBATCHES_OR_BATCH_SIZE} then divides by
   * the expected batch size too; for fixed-size batches the two agree.
   */
  public double normalizer(int batchSize, double expectedBatchSize, SamplingMode mode) {
    if (numMicrobatches > 0) {
      return numMicrobatches;
    }
    if (normalization == Normalization.EXPECTED_BATCH_SIZE || mode == SamplingMode.POISSON) {
      return expectedBatchSize;
    }
    return Math.max(1, batchSize);
  }
}
