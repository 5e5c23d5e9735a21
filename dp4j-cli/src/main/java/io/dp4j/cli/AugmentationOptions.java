package io.dp4j.cli;

import io.dp4j.data.Augmentation;
import io.dp4j.privacy.AugmentationMultiplicity;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --augment-multiplicity K [--augment crop[:P],flip]}: augmentation multiplicity (De et al.
 * 2022). Each sampled example is trained on as K augmented copies whose mean gradient is clipped,
 * so epsilon is that of the same run without it.
 */
final class AugmentationOptions {
  /** The crop padding when {@code crop} is given without one (De et al.'s, for 32×32 images). */
  static final int DEFAULT_PADDING = 4;

  @Option(
      names = "--augment-multiplicity",
      paramLabel = "K",
      description =
          "Train on K augmented copies of every sampled example; the mean of their gradients is"
              + " clipped, so the sensitivity and epsilon are unchanged (De et al. 2022). Steps cost"
              + " about K times as much. Default: 1 (off).")
  Integer multiplicity;

  @Option(
      names = "--augment",
      paramLabel = "crop[:P],flip",
      description =
          "The augmentations of each copy, comma-separated: crop[:P] (random crop of the image"
              + " reflect-padded by P pixels, default "
              + DEFAULT_PADDING
              + "), flip (random horizontal flip; wrong for digits and text). Default with"
              + " --augment-multiplicity: crop,flip.")
  String augment;

  /**
   * The multiplicity the options ask for ({@link AugmentationMultiplicity#NONE} without them).
   *
   * @throws IllegalArgumentException naming the option and what it allows
   */
  AugmentationMultiplicity resolve() {
    int k = multiplicity == null ? 1 : multiplicity;
    if (k < 1) {
      throw new IllegalArgumentException("--augment-multiplicity must be >= 1, got " + k);
    }
    if (augment == null) {
      return k == 1
          ? AugmentationMultiplicity.NONE
          : new AugmentationMultiplicity(k, Augmentation.cropAndFlip(DEFAULT_PADDING));
    }
    return new AugmentationMultiplicity(k, parse(augment));
  }

  /** {@code crop[:P]} and/or {@code flip}, comma-separated. */
  static Augmentation parse(String text) {
    int padding = 0;
    boolean flip = false;
    for (String part : text.split(",", -1)) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.equals("flip")) {
        flip = true;
      } else if (p.equals("crop")) {
        padding = DEFAULT_PADDING;
      } else if (p.startsWith("crop:")) {
        try {
          padding = Integer.parseInt(p.substring(5));
        } catch (NumberFormatException e) {
          padding = -1;
        }
        if (padding < 1) {
          throw new IllegalArgumentException(
              "--augment crop:P needs a padding P >= 1 pixel, got \"" + part + "\"");
        }
      } else {
        throw new IllegalArgumentException(
            "--augment takes crop, crop:P (P pixels of reflect padding) and flip, comma-separated;"
                + " got \""
                + part
                + "\"");
      }
    }
    if (padding > 0) {
      return flip ? Augmentation.cropAndFlip(padding) : Augmentation.crop(padding);
    }
    return Augmentation.flip();
  }
}
