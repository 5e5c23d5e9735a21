package io.dp4j.privacy;

import io.dp4j.data.Augmentation;
import java.util.Objects;

/**
 * Augmentation multiplicity (De et al. 2022, "Unlocking high-accuracy differentially private image
 * classification through scale", Sec. 3.1): every sampled example is augmented K times, and its
 * gradient is the mean of the K copies' gradients <em>before</em> clipping. The K copies of an
 * example form one clipping unit whose loss is the mean of theirs, so the unit's gradient is still
 * clipped to C and one example still changes the summed clipped gradient by at most C: the
 * sensitivity, the noise, the normalizer (the expected batch size, counting examples, not copies)
 * and hence ε are those of the same run without augmentation. Only the cost of a step grows, about
 * K-fold.
 *
 * <p>The augmentations draw from the model's {@link NoiseSource}: fresh from {@code SecureRandom}
 * every step, or from the fixed test seed. The guarantee does not rely on them being secret (the
 * bound holds for every choice of crops and flips); they are unpredictable anyway.
 *
 * @param k copies per example K &gt;= 1; 1 with {@link Augmentation#none()} is plain DP-SGD
 * @param augmentation what each copy draws
 */
public record AugmentationMultiplicity(int k, Augmentation augmentation) {
  /** No augmentation: one copy, the example itself. */
  public static final AugmentationMultiplicity NONE =
      new AugmentationMultiplicity(1, Augmentation.none());

  public AugmentationMultiplicity {
    if (k < 1) {
      throw new IllegalArgumentException(
          "augmentation multiplicity K must be >= 1 (copies per example), got " + k);
    }
    Objects.requireNonNull(augmentation, "augmentation");
    if (k > 1 && augmentation.isNone()) {
      throw new IllegalArgumentException(
          "augmentation multiplicity K = "
              + k
              + " needs an augmentation (e.g. Augmentation.cropAndFlip(4)): K identical copies"
              + " give the gradient of one at K times the cost");
    }
  }

  /** Whether the step changes the sampled examples at all. */
  public boolean isNone() {
    return augmentation.isNone();
  }

  @Override
  public String toString() {
    return isNone() ? "none" : "K=" + k + " " + augmentation;
  }
}
