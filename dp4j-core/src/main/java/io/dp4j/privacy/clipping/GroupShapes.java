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
   * The largest block of a unit's values whose norm is taken in float32 by {@link
   * #squaredNormPerUnit}: its worst-case relative error on the squared norm is about 1.7·10^-5.
   */
  public static final int NORM_BLOCK = 256;

  /**
   * The relative error assumed of a float32 square root: 2^-20, 16 times that of a correctly
   * rounded one, and 4 times the "1–2 bits" Eigen documents for its fast-math vector square root (a
   * reciprocal square root estimate and one Newton step). GroupShapesTest measures it.
   */
  static final double SQRT_ERROR = 0x1p-20;

  /** Below this block size the float32 pass saves too little: all squares are summed in float64. */
  private static final int MIN_NORM_BLOCK = 8;

  /**
   * An upper bound on each unit's sum of squares over all axes but the first: {@code [n, ...]} to
   * {@code [n]}, in float64, at most about 1.7·10^-5 relative above the exact sum of squares of x's
   * float32 values ({@link #normInflation}).
   *
   * <p>A float32 sum of squares can come out low by up to γ_K = K·u/(1 − K·u) relative (u = 2^-24,
   * K terms, any summation order; Higham, <i>Accuracy and Stability of Numerical Algorithms</i>,
   * §3.1), enough for a clipped gradient to exceed C. Casting all of x to float64 avoids that but
   * costs a float64 copy of every per-unit gradient (about 1 ms of the tutorial CNN's 17 ms DP
   * step; this takes a sixth of that). So each unit's K values are cut into blocks of b ≤ {@link
   * #NORM_BLOCK} (b the largest divisor of K up to it). Each block's norm is taken in float32
   * ({@code EuclideanNorm}: a float32 sum of b squares, then a square root), squared exactly in
   * float64 (a product of two float32 values fits in 53 bits), and the K/b blocks are summed in
   * float64. A block's computed square is then at least (1 − γ_b)(1 − {@link #SQRT_ERROR})² times
   * its exact value, and multiplying by the inverse of that factor gives an upper bound, up to the
   * float64 steps' own round-off (K/b + 2 roundings of 2^-53), which DpStep's clip margin covers,
   * and up to what flushing subnormal squares and sums to zero loses: below 2^-126 per operation,
   * 2K operations, so at most 2^-50 on the norm for K < 2^24, which the 10^-6 DpStep adds to each
   * norm before dividing absorbs. A block whose sum of squares overflows float32 makes the bound
   * infinite, as the unit's norm rounded to float32 would be: the unit gets clip factor 0. Shapes
   * with an unknown axis, or whose K has no divisor in [8, 256], are summed in float64 throughout.
   */
  public static Operand<TFloat64> squaredNormPerUnit(Ops tf, Operand<TFloat32> x) {
    long terms = termsPerUnit(x);
    int block = terms > 0 ? normBlock(terms) : 0;
    if (block < MIN_NORM_BLOCK) {
      return tf.math.square(
          tf.linalg.euclideanNorm(tf.dtypes.cast(x, TFloat64.class), tf.constant(allButFirst(x))));
    }
    Operand<TFloat32> blocks = tf.reshape(x, tf.constant(new long[] {-1, terms / block, block}));
    Operand<TFloat64> blockNorms =
        tf.dtypes.cast(tf.linalg.euclideanNorm(blocks, tf.constant(2)), TFloat64.class);
    Operand<TFloat64> sum = tf.sum(tf.math.square(blockNorms), tf.constant(1));
    return tf.math.mul(sum, tf.constant(normInflation(block)));
  }

  /**
   * The factor 1/((1 − γ_b)(1 − 2^-20)²) by which a float32 block norm of b values, squared, is
   * raised to a bound on the block's exact sum of squares.
   */
  public static double normInflation(int block) {
    double gamma = block * 0x1p-24 / (1 - block * 0x1p-24);
    return 1 / ((1 - gamma) * (1 - SQRT_ERROR) * (1 - SQRT_ERROR));
  }

  /** The block size {@link #squaredNormPerUnit} uses for a unit of {@code terms} values. */
  static int normBlock(long terms) {
    for (int b = (int) Math.min(NORM_BLOCK, terms); b > 1; b--) {
      if (terms % b == 0) {
        return b;
      }
    }
    return 1;
  }

  /** The number of values per unit (the product of the axes after the first), or -1 if unknown. */
  private static long termsPerUnit(Operand<?> x) {
    long terms = 1;
    for (int i = 1; i < x.shape().numDimensions(); i++) {
      long size = x.shape().size(i);
      if (size < 0) {
        return -1;
      }
      terms *= size;
    }
    return terms;
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
