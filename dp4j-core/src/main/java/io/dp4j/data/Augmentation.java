package io.dp4j.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Random image augmentation on the host, as De et al. 2022 ("Unlocking high-accuracy differentially
 * private image classification through scale") use it: a random crop of the image padded by
 * reflection, and a random horizontal flip, each on by option. Images are laid out {@code [height,
 * width, channels]} (or {@code [height, width]}), row-major, as Keras' channels-last.
 *
 * <p>Crop with padding p: the image is padded by p pixels on every side by reflection (numpy's
 * {@code np.pad(mode="reflect")}: the edge pixel is not repeated, so {@code x[-1] = x[1]}), and an
 * image of the original size is cut at an offset drawn uniformly from {@code [0, 2p]} in each
 * direction (offset p is the original image). Flip: with probability 1/2 the columns are reversed.
 */
public final class Augmentation {
  private static final Augmentation NONE = new Augmentation(0, false);

  private final int cropPadding;
  private final boolean flip;

  private Augmentation(int cropPadding, boolean flip) {
    this.cropPadding = cropPadding;
    this.flip = flip;
  }

  /** No augmentation: every copy is the example itself. */
  public static Augmentation none() {
    return NONE;
  }

  /** A random crop of the image reflect-padded by {@code padding} pixels (&gt; 0). */
  public static Augmentation crop(int padding) {
    return new Augmentation(requirePadding(padding), false);
  }

  /** A random horizontal flip (probability 1/2). */
  public static Augmentation flip() {
    return new Augmentation(0, true);
  }

  /** A random crop with reflect padding {@code padding} (&gt; 0), then a random flip. */
  public static Augmentation cropAndFlip(int padding) {
    return new Augmentation(requirePadding(padding), true);
  }

  private static int requirePadding(int padding) {
    if (padding < 1) {
      throw new IllegalArgumentException("crop padding must be >= 1 pixel, got " + padding);
    }
    return padding;
  }

  /** The crop padding in pixels, 0 when not cropping. */
  public int cropPadding() {
    return cropPadding;
  }

  public boolean flips() {
    return flip;
  }

  /** Whether this changes anything. */
  public boolean isNone() {
    return cropPadding == 0 && !flip;
  }

  /**
   * Refuses examples this cannot augment: not images of rank 2 or 3, or (cropping) a side not
   * longer than the padding, which reflection cannot pad.
   *
   * @throws IllegalArgumentException naming the shape and what is allowed
   */
  public void validate(long[] exampleShape) {
    if (isNone()) {
      return;
    }
    if (exampleShape.length != 2 && exampleShape.length != 3) {
      throw new IllegalArgumentException(
          "augmentation "
              + this
              + " takes images of shape [height, width] or [height, width, channels], got examples"
              + " of shape "
              + Arrays.toString(exampleShape));
    }
    if (cropPadding > 0 && (exampleShape[0] <= cropPadding || exampleShape[1] <= cropPadding)) {
      throw new IllegalArgumentException(
          "crop padding "
              + cropPadding
              + " must be below the image's height and width (reflection padding), got images of"
              + " shape "
              + Arrays.toString(exampleShape));
    }
  }

  /**
   * {@code k} augmented copies of every example of {@code batch}, copy j of example i at row {@code
   * i·k + j}, labels copied; the draws are taken from {@code random} in that order (per copy: the
   * crop's row then column offset, then the flip).
   */
  public Dataset copies(Dataset batch, int k, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    if (k < 1) {
      throw new IllegalArgumentException("copies k must be >= 1, got " + k);
    }
    long[] shape = batch.exampleShape();
    validate(shape);
    int h = (int) shape[0];
    int w = (int) shape[1];
    int c = shape.length == 3 ? (int) shape[2] : 1;
    int per = h * w * c;
    long[] labelShape = batch.labelShape();
    int labelPer = 1;
    for (long d : labelShape) {
      labelPer *= (int) d;
    }
    int b = batch.size();
    float[] x = batch.features();
    float[] y = batch.labels();
    float[] ox = new float[Math.multiplyExact(Math.multiplyExact(b, k), per)];
    float[] oy = new float[b * k * labelPer];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < k; j++) {
        int row = i * k + j;
        augment(x, i * per, ox, row * per, h, w, c, random);
        System.arraycopy(y, i * labelPer, oy, row * labelPer, labelPer);
      }
    }
    return new Dataset(ox, shape, oy, labelShape);
  }

  /** Writes one augmented copy of the image at {@code src[from..]} to {@code dst[to..]}. */
  private void augment(
      float[] src, int from, float[] dst, int to, int h, int w, int c, RandomGenerator random) {
    int dy = 0;
    int dx = 0;
    if (cropPadding > 0) {
      dy = random.nextInt(2 * cropPadding + 1) - cropPadding;
      dx = random.nextInt(2 * cropPadding + 1) - cropPadding;
    }
    boolean mirror = flip && random.nextBoolean();
    for (int r = 0; r < h; r++) {
      int sr = reflect(r + dy, h);
      for (int col = 0; col < w; col++) {
        int sc = reflect((mirror ? w - 1 - col : col) + dx, w);
        System.arraycopy(src, from + (sr * w + sc) * c, dst, to + (r * w + col) * c, c);
      }
    }
  }

  /** Index {@code i} of an axis of length n padded by reflection (|i| within one length). */
  private static int reflect(int i, int n) {
    if (i < 0) {
      return -i;
    }
    if (i >= n) {
      return 2 * (n - 1) - i;
    }
    return i;
  }

  /** E.g. {@code crop(4)+flip}, {@code none}: the form reports and records show. */
  @Override
  public String toString() {
    if (isNone()) {
      return "none";
    }
    String crop = cropPadding > 0 ? String.format(Locale.ROOT, "crop(%d)", cropPadding) : "";
    return crop + (flip ? (crop.isEmpty() ? "flip" : "+flip") : "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Augmentation a && a.cropPadding == cropPadding && a.flip == flip;
  }

  @Override
  public int hashCode() {
    return Objects.hash(cropPadding, flip);
  }
}
