package io.dp4j.privacy.release;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.RunShape;
import io.dp4j.data.Dataset;
import io.dp4j.privacy.SecureGaussianNoise;
import java.util.Objects;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.SelfAdjointEig;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * A fixed linear map of each feature vector's channels that evens out their scales, fitted to the
 * training features under differential privacy: the channels' second-moment matrix is released once
 * with the Gaussian mechanism, and the map is computed from the release alone.
 *
 * <p><b>Why.</b> DP-SGD on a linear model takes the same clipped, noised step in every direction,
 * so it moves slowly along directions where the features vary little. ScatterNet features after
 * GroupNorm span eigenvalues of their channel second moments from about 4 to 10⁻⁴ (Fashion-MNIST,
 * 81 channels): the second-order channels barely train in the steps the noise allows. Multiplying
 * each position's channel vector by {@code P = U diag(sqrt(ē(1+λ) / (e + λē))) Uᵀ} (the
 * eigenvectors U and eigenvalues e of the released matrix, ē their mean, λ the ridge) gives
 * directions of eigenvalue ē a factor 1, shrinks the larger and enlarges the smaller up to {@code
 * sqrt(1 + 1/λ)}: a preconditioner of the linear model's gradient that is fixed before DP-SGD.
 *
 * <p><b>Privacy.</b> Each example's matrix {@code M = (1/p) Σ x xᵀ} (its p positions' channel
 * vectors x) is clipped to Frobenius norm {@code clipNorm}, the clipped matrices are summed, and
 * each entry on and above the diagonal gets independent Gaussian noise of standard deviation {@code
 * noiseMultiplier · clipNorm} (the entries below are their mirror). Adding or removing one example
 * changes the released upper triangle by at most {@code clipNorm} in L2 norm (its entries are a
 * subset of M's), so the release is the Gaussian mechanism with noise multiplier σ: {@link
 * #event()}, {@code PoissonSampled(1, Gaussian(σ))}, a step that samples every example. An example
 * whose matrix is not finite contributes nothing. The map, and every feature it transforms, are
 * post-processing of the release and of each example alone, so DP-SGD on the transformed features
 * composes with this one event.
 */
public final class ChannelWhitening {
  private static final int CHUNK = 2048;

  private final int channels;
  private final double noiseMultiplier;
  private final double[][] released;
  private final double[][] map;

  private ChannelWhitening(
      int channels, double noiseMultiplier, double[][] released, double[][] map) {
    this.channels = channels;
    this.noiseMultiplier = noiseMultiplier;
    this.released = released;
    this.map = map;
  }

  /**
   * Releases {@code features}' channel second moments and fits the map.
   *
   * @param features examples whose values are positions × channels, channels last (a flattened
   *     {@code [h, w, channels]} map)
   * @param channels the channels per position
   * @param clipNorm the Frobenius norm each example's moment matrix is clipped to, &gt; 0
   * @param noiseMultiplier σ of the Gaussian mechanism, &gt; 0 (the noise's standard deviation is σ
   *     · clipNorm)
   * @param ridge λ &gt; 0, relative to the mean eigenvalue: directions below λ·ē are enlarged no
   *     more than those at λ·ē
   * @param noise the noise's standard normals (secure, or seeded in tests)
   * @throws IllegalArgumentException naming the parameter, if one is out of range or the examples'
   *     size is not a multiple of {@code channels}
   */
  public static ChannelWhitening release(
      Dataset features,
      int channels,
      double clipNorm,
      double noiseMultiplier,
      double ridge,
      SecureGaussianNoise noise) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(noise, "noise");
    int positions = positions(features, channels);
    requirePositive("clipNorm", clipNorm);
    requirePositive("noiseMultiplier", noiseMultiplier);
    requirePositive("ridge", ridge);
    double[][] sum = clippedMomentSum(features, channels, positions, clipNorm);
    float[] normals = noise.next(channels * (channels + 1) / 2);
    int k = 0;
    for (int i = 0; i < channels; i++) {
      for (int j = i; j < channels; j++) {
        double z = noiseMultiplier * clipNorm * normals[k++];
        sum[i][j] += z;
        if (j != i) {
          sum[j][i] += z;
        }
      }
    }
    return new ChannelWhitening(channels, noiseMultiplier, sum, map(sum, ridge));
  }

  /** The release's DP event: the Gaussian mechanism on every example, once. */
  public DpEvent event() {
    return event(noiseMultiplier);
  }

  /**
   * The event of a release with noise multiplier σ, known before it is computed (a ledger admits it
   * first): a DP step of sampling rate 1.
   */
  public static DpEvent event(double noiseMultiplier) {
    return RunShape.step(1.0, noiseMultiplier, 1).stepEvent();
  }

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  /** The released (clipped, summed, noised) second-moment matrix. */
  public double[][] released() {
    return copy(released);
  }

  /** The symmetric map P applied to each position's channel vector. */
  public double[][] map() {
    return copy(map);
  }

  /** {@code data} with each position's channel vector x replaced by P x; labels unchanged. */
  public Dataset apply(Dataset data) {
    int positions = positions(data, channels);
    float[] out = new float[data.features().length];
    float[][] p = new float[channels][channels];
    for (int i = 0; i < channels; i++) {
      for (int j = 0; j < channels; j++) {
        p[i][j] = (float) map[i][j];
      }
    }
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, channels)));
      // P is symmetric: the rows times P are P times each vector
      Operand<TFloat32> y = tf.linalg.matMul(x, tf.constant(StdArrays.ndCopyOf(p)));
      long rows = (long) data.size() * positions;
      for (long from = 0; from < rows; from += (long) CHUNK * positions) {
        long n = Math.min((long) CHUNK * positions, rows - from);
        try (TFloat32 batch =
                TFloat32.tensorOf(
                    Shape.of(n, channels),
                    DataBuffers.of(data.features(), true, false)
                        .slice(from * channels, n * channels));
            Result r = session.runner().feed(x, batch).fetch(y).run()) {
          ((TFloat32) r.get(0))
              .copyTo(DataBuffers.of(out, false, false).slice(from * channels, n * channels));
        }
      }
    }
    Dataset transformed = new Dataset(out, data.exampleShape(), data.labels(), data.labelShape());
    return data.isDeclaredNotPrivate() ? transformed.declaredNotPrivate() : transformed;
  }

  /** Σ over examples of M clipped to Frobenius norm {@code clipNorm}, in float64. */
  private static double[][] clippedMomentSum(
      Dataset features, int channels, int positions, double clipNorm) {
    double[][] sum = new double[channels][channels];
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, positions, channels)));
      Operand<TFloat64> v = tf.dtypes.cast(x, TFloat64.class);
      Operand<TFloat64> m =
          tf.math.div(
              tf.train.batchMatMul(
                  v, v, TFloat64.class, org.tensorflow.op.train.BatchMatMul.adjX(true)),
              tf.constant((double) positions));
      Operand<TFloat64> frobenius =
          tf.math.sqrt(tf.reduceSum(tf.math.square(m), tf.constant(new int[] {1, 2})));
      // M·min(1, C/‖M‖), and 0 for a matrix that is not finite (its norm then is not either;
      // scaling it would keep its NaN or ∞)
      Operand<TFloat64> factor =
          tf.math.minimum(tf.constant(1.0), tf.math.div(tf.constant(clipNorm), frobenius));
      Operand<TFloat64> scaled =
          tf.select(
              tf.broadcastTo(
                  tf.reshape(tf.math.isFinite(frobenius), tf.constant(new long[] {-1, 1, 1})),
                  tf.shape(m)),
              tf.math.mul(m, tf.reshape(factor, tf.constant(new long[] {-1, 1, 1}))),
              tf.zerosLike(m));
      Operand<TFloat64> chunkSum = tf.reduceSum(scaled, tf.constant(0));
      int size = positions * channels;
      for (int from = 0; from < features.size(); from += CHUNK) {
        int n = Math.min(CHUNK, features.size() - from);
        try (TFloat32 batch =
                TFloat32.tensorOf(
                    Shape.of(n, positions, channels),
                    DataBuffers.of(features.features(), true, false)
                        .slice((long) from * size, (long) n * size));
            Result r = session.runner().feed(x, batch).fetch(chunkSum).run()) {
          TFloat64 s = (TFloat64) r.get(0);
          for (int i = 0; i < channels; i++) {
            for (int j = 0; j < channels; j++) {
              sum[i][j] += s.getDouble(i, j);
            }
          }
        }
      }
    }
    return sum;
  }

  /** P = U diag(sqrt(ē(1+λ) / (max(e, 0) + λē))) Uᵀ from the released matrix's eigensystem. */
  private static double[][] map(double[][] released, double ridge) {
    int c = released.length;
    double[] e = new double[c];
    double[][] u = new double[c][c];
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      SelfAdjointEig<TFloat64> eig =
          tf.linalg.selfAdjointEig(tf.constant(StdArrays.ndCopyOf(released)));
      try (Result r = session.runner().fetch(eig.e()).fetch(eig.v()).run()) {
        TFloat64 values = (TFloat64) r.get(0);
        TFloat64 vectors = (TFloat64) r.get(1);
        for (int i = 0; i < c; i++) {
          e[i] = Math.max(0, values.getDouble(i));
          for (int j = 0; j < c; j++) {
            u[i][j] = vectors.getDouble(i, j);
          }
        }
      }
    }
    double mean = 0;
    for (double value : e) {
      mean += value / c;
    }
    if (!(mean > 0)) {
      throw new IllegalStateException(
          "the released second moments have no positive eigenvalue: the noise swamps the"
              + " features (fewer channels, more examples or a smaller noiseMultiplier)");
    }
    double[] scale = new double[c];
    for (int k = 0; k < c; k++) {
      scale[k] = Math.sqrt(mean * (1 + ridge) / (e[k] + ridge * mean));
    }
    double[][] p = new double[c][c];
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < c; j++) {
        double s = 0;
        for (int k = 0; k < c; k++) {
          s += u[i][k] * scale[k] * u[j][k];
        }
        p[i][j] = s;
      }
    }
    return p;
  }

  private static int positions(Dataset data, int channels) {
    Objects.requireNonNull(data, "data");
    long size = 1;
    for (long d : data.exampleShape()) {
      size *= d;
    }
    if (channels < 1 || size % channels != 0) {
      throw new IllegalArgumentException(
          "channels must be >= 1 and divide the "
              + size
              + " values of each example, got "
              + channels);
    }
    return Math.toIntExact(size / channels);
  }

  private static void requirePositive(String name, double value) {
    if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
    }
  }

  private static double[][] copy(double[][] m) {
    double[][] c = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      c[i] = m[i].clone();
    }
    return c;
  }
}
