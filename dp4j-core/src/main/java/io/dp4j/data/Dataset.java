package io.dp4j.data;

import java.util.Arrays;

/**
 * Examples held in memory: float features of one shape per example and float labels (class ids for
 * sparse labels, with an empty label shape).
 *
 * <p>Arrays are row-major, example after example; the dataset does not copy them.
 */
public final class Dataset {
  private final float[] features;
  private final long[] exampleShape;
  private final float[] labels;
  private final long[] labelShape;
  private final int size;
  private final boolean declaredNotPrivate;

  /**
   * @param features {@code size * prod(exampleShape)} values
   * @param exampleShape one example's shape, e.g. {@code [28, 28, 1]}
   * @param labels {@code size * prod(labelShape)} values
   * @param labelShape one label's shape: {@code []} for a class id, {@code [k]} for one-hot or
   *     multi-output labels
   */
  public Dataset(float[] features, long[] exampleShape, float[] labels, long[] labelShape) {
    this.exampleShape = exampleShape.clone();
    this.labelShape = labelShape.clone();
    int exampleSize = elements(exampleShape);
    int labelSize = elements(labelShape);
    if (exampleSize == 0 || features.length % exampleSize != 0) {
      throw new IllegalArgumentException(
          "features has "
              + features.length
              + " values, not a multiple of the example shape "
              + Arrays.toString(exampleShape));
    }
    this.size = features.length / exampleSize;
    if (labels.length != (long) size * labelSize) {
      throw new IllegalArgumentException(
          "labels has "
              + labels.length
              + " values, expected "
              + size
              + " examples x label shape "
              + Arrays.toString(labelShape));
    }
    this.features = features;
    this.labels = labels;
    this.declaredNotPrivate = false;
  }

  private Dataset(Dataset of) {
    this.features = of.features;
    this.exampleShape = of.exampleShape;
    this.labels = of.labels;
    this.labelShape = of.labelShape;
    this.size = of.size;
    this.declaredNotPrivate = true;
  }

  /**
   * The same examples, declared by the caller to be not private: data whose statistics may steer DP
   * training (early stopping on its validation loss) because no one it describes needs DP's
   * protection, e.g. public data or data already released. Only such validation data may be
   * monitored by {@link io.dp4j.nn.train.EarlyStopping} under DP training. The declaration belongs
   * to the returned instance only: {@link #gather} and {@link #slice} do not carry it.
   */
  public Dataset declaredNotPrivate() {
    return new Dataset(this);
  }

  /** Whether this instance came from {@link #declaredNotPrivate()}. */
  public boolean isDeclaredNotPrivate() {
    return declaredNotPrivate;
  }

  /** Number of examples. */
  public int size() {
    return size;
  }

  public long[] exampleShape() {
    return exampleShape.clone();
  }

  public long[] labelShape() {
    return labelShape.clone();
  }

  /** The backing feature array (not a copy). */
  public float[] features() {
    return features;
  }

  /** The backing label array (not a copy). */
  public float[] labels() {
    return labels;
  }

  /** The examples at {@code indices}, in that order, copied into a new dataset. */
  public Dataset gather(int[] indices) {
    int exampleSize = elements(exampleShape);
    int labelSize = elements(labelShape);
    float[] f;
    float[] l;
    try {
      f = new float[Math.multiplyExact(indices.length, exampleSize)];
      l = new float[Math.multiplyExact(indices.length, labelSize)];
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "gathering " + indices.length + " examples exceeds the 2^31 values an array can hold");
    }
    for (int i = 0; i < indices.length; i++) {
      int index = indices[i];
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("example index " + index + " of " + size);
      }
      System.arraycopy(features, index * exampleSize, f, i * exampleSize, exampleSize);
      System.arraycopy(labels, index * labelSize, l, i * labelSize, labelSize);
    }
    return new Dataset(f, exampleShape, l, labelShape);
  }

  /** The examples {@code from} (inclusive) to {@code to} (exclusive), copied into a new dataset. */
  public Dataset slice(int from, int to) {
    if (from < 0 || to > size || from > to) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") must lie within [0, " + size + "]");
    }
    int exampleSize = elements(exampleShape);
    int labelSize = elements(labelShape);
    return new Dataset(
        Arrays.copyOfRange(features, from * exampleSize, to * exampleSize),
        exampleShape,
        Arrays.copyOfRange(labels, from * labelSize, to * labelSize),
        labelShape);
  }

  @Override
  public String toString() {
    return "Dataset["
        + size
        + " examples of shape "
        + Arrays.toString(exampleShape)
        + ", labels of shape "
        + Arrays.toString(labelShape)
        + "]";
  }

  static int elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape dimensions must be >= 0: " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("shape too large: " + Arrays.toString(shape));
    }
    return (int) n;
  }
}
