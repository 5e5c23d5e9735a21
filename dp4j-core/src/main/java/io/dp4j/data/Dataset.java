package io.dp4j.data;

import java.util.Arrays;

/**
 * Examples held in memory: float features of one shape per example and float labels (class ids for
 * sparse labels, with an empty label shape).
 *
 * <p>Arrays are row-major, example after example; the dataset does not copy them.
 */
public final class Dataset {
  /**
   * The features, or null until first read for a dataset {@link #gather} made: its examples are
   * then rows of another dataset ({@link #gathered}), copied into an array of their own only when
   * someone reads it.
   */
  private volatile float[] features;

  /**
   * For a dataset {@link #gather} made whose features are not yet copied, where they are; else
   * null. Cleared once they are copied, so that the source is not kept reachable for them: written
   * after {@link #features}, so a reader that finds it null finds the features set.
   */
  private volatile Gathered gathered;

  /** Examples {@code rows} of {@code source}, a dataset with its own feature array. */
  private record Gathered(Dataset source, int[] rows) {}

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

  /** The examples {@code rows} of {@code source}, whose features are copied when first read. */
  private Dataset(Dataset source, int[] rows, float[] labels) {
    this.gathered = new Gathered(source, rows);
    this.exampleShape = source.exampleShape;
    this.labels = labels;
    this.labelShape = source.labelShape;
    this.size = rows.length;
    this.declaredNotPrivate = false;
  }

  private Dataset(Dataset of) {
    // the holder first: once it is null, the features are set
    this.gathered = of.gathered;
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

  /**
   * The backing feature array (not a copy); for a dataset {@link #gather} made, an array of its
   * own, copied from the source's on the first call.
   */
  public float[] features() {
    float[] f = features;
    if (f == null) {
      synchronized (this) {
        f = features;
        if (f == null) {
          float[] copy = new float[size * elements(exampleShape)];
          copyFeatures(
              (from, offset, length, to) -> System.arraycopy(from, offset, copy, (int) to, length));
          features = copy;
          gathered = null;
          f = copy;
        }
      }
    }
    return f;
  }

  /** Receives the features of a run of examples ({@link #copyFeatures}). */
  @FunctionalInterface
  public interface FeatureSink {
    /**
     * @param from an array holding the run's features at {@code [offset, offset + length)}
     * @param to where the run starts among this dataset's features, as an index into {@link
     *     #features()}
     */
    void accept(float[] from, int offset, int length, long to);
  }

  /**
   * Passes every example's features to {@code sink}, in order, without copying them into an array
   * of this dataset's own: a batch {@link #gather} made is copied from its source straight into
   * wherever the sink writes (a training step's input tensor). Allocating a fresh array per step
   * cost 1 to 2.5 ms of the tutorial CNN's 13 ms step on an AMD EPYC (new pages zeroed and faulted
   * in).
   */
  public void copyFeatures(FeatureSink sink) {
    Gathered g = gathered;
    if (g == null) {
      float[] f = features;
      sink.accept(f, 0, f.length, 0);
      return;
    }
    int exampleSize = elements(exampleShape);
    float[] from = g.source().features();
    for (int i = 0; i < g.rows().length; i++) {
      sink.accept(from, g.rows()[i] * exampleSize, exampleSize, (long) i * exampleSize);
    }
  }

  /** The backing label array (not a copy). */
  public float[] labels() {
    return labels;
  }

  /**
   * The examples at {@code indices}, in that order, as a new dataset. Their labels are copied now,
   * their features when first read ({@link #features()}) or passed on ({@link #copyFeatures}): this
   * dataset's feature array must not change before then, as it must not change under any dataset.
   */
  public Dataset gather(int[] indices) {
    int exampleSize = elements(exampleShape);
    int labelSize = elements(labelShape);
    float[] l;
    try {
      Math.multiplyExact(indices.length, exampleSize); // the features' copy must fit an array
      l = new float[Math.multiplyExact(indices.length, labelSize)];
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "gathering " + indices.length + " examples exceeds the 2^31 values an array can hold");
    }
    int[] rows = indices.clone();
    for (int i = 0; i < rows.length; i++) {
      int index = rows[i];
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("example index " + index + " of " + size);
      }
      System.arraycopy(labels, index * labelSize, l, i * labelSize, labelSize);
    }
    // a gathered dataset's source always has its own array: gathers never chain
    Gathered g = gathered;
    if (g != null) {
      for (int i = 0; i < rows.length; i++) {
        rows[i] = g.rows()[rows[i]];
      }
      return new Dataset(g.source(), rows, l);
    }
    return new Dataset(this, rows, l);
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
        Arrays.copyOfRange(features(), from * exampleSize, to * exampleSize),
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
