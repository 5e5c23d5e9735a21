package io.dp4j.privacy;

import io.dp4j.nn.train.StepFeed;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * FOR PRIVACY AUDITS ({@code io.dp4j.audit.CanaryAudit}, {@code dp4j audit canaries}): white-box
 * gradient canaries, the Dirac canaries of Nasr et al. 2023 used by Steinke, Nasr and Jagielski
 * 2023's one-run audit. Each canary is a fake clipping unit whose gradient is one coordinate of a
 * Dense-like kernel; the included ones are Poisson-sampled at the step's rate and go through the
 * real DP step: clipping, noise, normalization and the optimizer.
 *
 * <p>A canary enters the step as a fed row whose layer input and output gradient are replaced in
 * the graph (after the step's own finite check) by a = A·e_j and G = ±(10C/A)·e_k, so that the
 * layer's clipping rule sees the per-unit gradient a ⊗ G, ±10C on kernel entry (j, k), and ±10C/A
 * on bias entry k (A = 1000): ten times the clip norm, so that only the step's clipping brings it
 * to norm C. Its rows in every other layer are zero. Canaries do not weaken the guarantee for the
 * real examples (each is one more unit of norm at most C); they need clipping per example (no
 * microbatches) and are set before the model is compiled ({@link
 * ModelPrivacy#insertGradientCanariesForAudit}).
 */
public final class GradientCanaries {
  /** The unclipped canary gradient's kernel entry, in clip norms C. */
  public static final double RAW_NORM_IN_CLIPS = 10;

  /** The canary's layer input A: its bias entry is 1/A of its kernel entry. */
  static final float INPUT_SCALE = 1000f;

  private final int[] weight;
  private final int[] coordinate;
  private final boolean[] positive;
  private final boolean[] included;
  private final long seed;

  private GradientCanaries(
      int[] weight, int[] coordinate, boolean[] positive, boolean[] included, long seed) {
    this.weight = weight;
    this.coordinate = coordinate;
    this.positive = positive;
    this.included = included;
    this.seed = seed;
  }

  /**
   * Canary i contributes {@code ±C} (sign {@code positive[i]}) to entry {@code coordinate[i]} of
   * weight {@code weight[i]} (an index into {@code getWeights()}: the kernel {@code [in, out]},
   * flattened row-major, of a layer with one-dimensional input and output), in every step that
   * samples it, if {@code included[i]}.
   *
   * @param seed the seed of the canaries' Poisson sampling (each step draws from {@code (seed,
   *     step)}); canaries are not private data, so their sampling need not be secure
   */
  public static GradientCanaries dirac(
      int[] weight, int[] coordinate, boolean[] positive, boolean[] included, long seed) {
    int m = weight.length;
    if (coordinate.length != m || positive.length != m || included.length != m) {
      throw new IllegalArgumentException(
          "weight, coordinate, positive and included must have one entry per canary, got "
              + m
              + ", "
              + coordinate.length
              + ", "
              + positive.length
              + ", "
              + included.length);
    }
    return new GradientCanaries(
        weight.clone(), coordinate.clone(), positive.clone(), included.clone(), seed);
  }

  public int count() {
    return weight.length;
  }

  /**
   * Refuses canaries whose weight is not a kernel in {@code kernels} (weight index to its shape
   * {@code [in, out]}) or whose coordinate lies outside it.
   */
  private void validate(Map<Integer, long[]> kernels) {
    for (int i = 0; i < weight.length; i++) {
      long[] shape = kernels.get(weight[i]);
      if (shape == null) {
        throw new IllegalArgumentException(
            "canary "
                + i
                + ": weight "
                + weight[i]
                + " is not the kernel of a layer with one-dimensional input and output (Dense);"
                + " kernels: "
                + kernels.keySet());
      }
      if (coordinate[i] < 0 || coordinate[i] >= shape[0] * shape[1]) {
        throw new IllegalArgumentException(
            "canary " + i + ": coordinate " + coordinate[i] + " outside weight " + weight[i]);
      }
    }
  }

  /** The included canaries that step {@code step} samples, each with probability {@code q}. */
  int[] sample(double q, long step) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
    int[] drawn = new int[weight.length];
    int n = 0;
    for (int i = 0; i < weight.length; i++) {
      if (random.nextDouble() < q && included[i]) {
        drawn[n++] = i;
      }
    }
    return Arrays.copyOf(drawn, n);
  }

  /** The canaries' inputs in one compiled step: per fed row, the canary it holds. */
  final class InGraph {
    private final Ops tf;
    private final PlaceholderWithDefault<TInt32> rowWeight;
    private final PlaceholderWithDefault<TInt32> rowIn;
    private final PlaceholderWithDefault<TInt32> rowOut;
    private final PlaceholderWithDefault<TFloat32> rowValue;
    private final Operand<TBool> isCanary;
    private final Map<Integer, long[]> kernels;

    /**
     * @param b the number of fed rows, shape [1]
     * @param kernels the kernels canaries may use: weight index to shape {@code [in, out]}
     */
    InGraph(Ops tf, Operand<TInt32> b, Map<Integer, long[]> kernels) {
      validate(kernels);
      this.tf = tf;
      this.kernels = Map.copyOf(kernels);
      rowWeight =
          tf.withName("canary_weight")
              .placeholderWithDefault(tf.fill(b, tf.constant(-1)), Shape.of(-1));
      rowIn =
          tf.withName("canary_in").placeholderWithDefault(tf.fill(b, tf.constant(0)), Shape.of(-1));
      rowOut =
          tf.withName("canary_out")
              .placeholderWithDefault(tf.fill(b, tf.constant(0)), Shape.of(-1));
      rowValue =
          tf.withName("canary_value")
              .placeholderWithDefault(tf.fill(b, tf.constant(0f)), Shape.of(-1));
      isCanary = column(tf.math.greaterEqual(rowWeight, tf.constant(0)));
    }

    /**
     * A layer's input {@code [b, in]} with the canary rows replaced: A·e_j for the canaries in the
     * kernel {@code kernel} (its weight index, or -1 for a layer canaries cannot use), 0 for the
     * others.
     */
    Operand<TFloat32> input(int kernel, Operand<TFloat32> a, long[] shape) {
      return replace(kernel, a, shape, rowIn, tf.constant(INPUT_SCALE));
    }

    /** A layer's output gradient {@code [b, out]}, canary rows replaced by ±(10C/A)·e_k or 0. */
    Operand<TFloat32> outputGradient(int kernel, Operand<TFloat32> g, long[] shape) {
      return replace(kernel, g, shape, rowOut, tf.expandDims(rowValue, tf.constant(1)));
    }

    private Operand<TFloat32> replace(
        int kernel,
        Operand<TFloat32> x,
        long[] shape,
        Operand<TInt32> index,
        Operand<TFloat32> scale) {
      Operand<TFloat32> zero = tf.constant(0f);
      if (kernel < 0) {
        return tf.select(isCanary(x), zero, x);
      }
      Operand<TFloat32> dirac =
          tf.math.mul(
              tf.oneHot(
                  index, tf.constant(Math.toIntExact(shape[0])), tf.constant(1f), tf.constant(0f)),
              scale);
      Operand<TFloat32> canary =
          tf.select(column(tf.math.equal(rowWeight, tf.constant(kernel))), dirac, zero);
      return tf.select(isCanary, canary, x);
    }

    private Operand<TBool> isCanary(Operand<TFloat32> x) {
      int[] shape = new int[x.shape().numDimensions()];
      Arrays.fill(shape, 1);
      shape[0] = -1;
      return tf.reshape(isCanary, tf.constant(shape));
    }

    private Operand<TBool> column(Operand<TBool> rows) {
      return tf.expandDims(rows, tf.constant(1));
    }

    /**
     * Feeds rows {@code [first, first + sampled.length)} of a step of {@code rows} fed rows as the
     * canaries {@code sampled}.
     */
    void feed(StepFeed feed, int rows, int first, int[] sampled, double clip) {
      int[] w = new int[rows];
      int[] in = new int[rows];
      int[] out = new int[rows];
      float[] value = new float[rows];
      Arrays.fill(w, -1);
      float magnitude = (float) (RAW_NORM_IN_CLIPS * clip / INPUT_SCALE);
      for (int r = 0; r < sampled.length; r++) {
        int i = sampled[r];
        w[first + r] = weight[i];
        int outputs = Math.toIntExact(kernels.get(weight[i])[1]);
        in[first + r] = coordinate[i] / outputs;
        out[first + r] = coordinate[i] % outputs;
        value[first + r] = positive[i] ? magnitude : -magnitude;
      }
      feed.feed(rowWeight, TInt32.vectorOf(w));
      feed.feed(rowIn, TInt32.vectorOf(in));
      feed.feed(rowOut, TInt32.vectorOf(out));
      feed.feed(rowValue, TFloat32.vectorOf(value));
    }
  }
}
