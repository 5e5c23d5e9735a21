package io.dp4j.privacy.clipping;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Reshapes for grouped tensors with an explicit shape (no -1), so that empty batches reshape too.
 */
public final class GroupShapes {
  private GroupShapes() {}

  /** {@code [n, k, ..., d]} to {@code [n, m, d]} with m the product of the middle axes. */
  public static Operand<TFloat32> toUnitRows(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> shape = tf.shape(x);
    int rank = x.shape().numDimensions();
    Operand<TInt32> n = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> middle =
        tf.slice(shape, tf.constant(new int[] {1}), tf.constant(new int[] {rank - 2}));
    Operand<TInt32> m = tf.reshape(tf.prod(middle, tf.constant(0)), tf.constant(new int[] {1}));
    Operand<TInt32> last =
        tf.slice(shape, tf.constant(new int[] {rank - 1}), tf.constant(new int[] {1}));
    return tf.reshape(x, tf.concat(java.util.List.of(n, m, last), tf.constant(0)));
  }

  /** {@code [n, k, rest...]} to {@code [n * k, rest...]}; the rest must be statically known. */
  public static Operand<TFloat32> mergeUnits(Ops tf, Operand<TFloat32> x) {
    long[] shape = x.shape().asArray();
    long[] merged = new long[shape.length - 1];
    merged[0] = -1;
    for (int i = 2; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException("axis " + i + " of " + x.shape() + " must be known");
      }
      merged[i - 1] = shape[i];
    }
    return tf.reshape(x, tf.constant(merged));
  }

  /**
   * Rows per unit of a tensor computed on the merged batch ({@link #mergeUnits}): {@code [n·k, h,
   * w, d]} (with {@code grouped}'s first two axes {@code [n, k]}) to {@code [n, k·h·w, d]}.
   */
  public static Operand<TFloat32> unitRowsOfMerged(
      Ops tf, Operand<TFloat32> grouped, Operand<TFloat32> merged) {
    long[] shape = merged.shape().asArray();
    Operand<TInt32> unitsAndK =
        tf.slice(tf.shape(grouped), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TInt32> regrouped =
        tf.concat(
            java.util.List.of(
                unitsAndK, tf.constant(new int[] {(int) shape[1], (int) shape[2], (int) shape[3]})),
            tf.constant(0));
    return toUnitRows(tf, tf.reshape(merged, regrouped));
  }

  /**
   * {@code [n, ...]} with unit j's slice multiplied by {@code factors[j]} ({@code [n]}), and
   * exactly zero where the factor is 0 even if the slice holds a NaN or an infinity ({@code
   * MulNoNan}): a unit whose output gradient is not finite has factor 0 and must add nothing.
   */
  public static Operand<TFloat32> scaleUnits(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> factors) {
    int[] ones = new int[x.shape().numDimensions() - 1];
    java.util.Arrays.fill(ones, 1);
    Operand<TInt32> shape =
        tf.concat(java.util.List.of(tf.shape(factors), tf.constant(ones)), tf.constant(0));
    return tf.math.mulNoNan(x, tf.reshape(factors, shape));
  }

  /**
   * Sum of squares over all axes but the first, accumulated in float64: {@code [n, ...]} to {@code
   * [n]}. In float32 a sum of K squares can be low by K·2^-24 relative, enough for a clipped
   * gradient to exceed C; in float64 the error is at most K·2^-53, below 2^-27 for K ≤ 2^26, and
   * the result rounds to float32 once, in the rule (see DpStep's clip margin). As the square of
   * {@code EuclideanNorm}: one reduction kernel after the cast, where {@code Square} then {@code
   * Sum} writes the squares out.
   */
  public static Operand<TFloat64> squaredNormPerUnit(Ops tf, Operand<TFloat32> x) {
    return tf.math.square(
        tf.linalg.euclideanNorm(tf.dtypes.cast(x, TFloat64.class), tf.constant(allButFirst(x))));
  }

  /** The axes {@code 1 .. rank - 1} of {@code x}. */
  static int[] allButFirst(Operand<?> x) {
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return axes;
  }

  /** {@code [n]} squared norms summed in float64, rounded to float32 once. */
  public static Operand<TFloat32> toFloat32(Ops tf, Operand<TFloat64> norms) {
    return tf.dtypes.cast(norms, TFloat32.class);
  }

  /** Sum over all axes but the last: {@code [..., d]} to {@code [d]}. */
  public static Operand<TFloat32> sumToLastAxis(Ops tf, Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return tf.sum(x, tf.constant(axes));
  }
}
