package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.Dense;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Per-example clipping for {@link Dense} on vectors, sequences and microbatches.
 *
 * <p>With A the unit's inputs {@code [m, d]} and G its output gradients {@code [m, u]}, the kernel
 * gradient is {@code AᵀG}, whose squared norm is computed without forming it as {@code sum((AAᵀ) ⊙
 * (GGᵀ))} (the "ghost norm" of Goodfellow 2015 / Li et al. 2022), or as {@code ||AᵀG||²} when the
 * unit's row count m is statically known and {@code m² > d·u}. The bias gradient is the column sum
 * of G. For m = 1 this is {@code ||a||²·||g||² + ||g||²}. The clipped sum is one matrix product
 * over the whole batch.
 */
public class DenseClippingRule implements ClippingRule<Dense> {

  @Override
  public Operand<TFloat32> squaredNorms(
      Ops tf, Dense layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    if (materializes(layer, a)) {
      return materialized(tf, layer, a, g).squaredNorms();
    }
    Operand<TFloat32> rowsA = GroupShapes.toUnitRows(tf, a);
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    Operand<TFloat64> kernelNorms;
    if (staticRows(a) == 1) {
      kernelNorms =
          tf.math.mul(
              GroupShapes.squaredNormPerUnit(tf, rowsA), GroupShapes.squaredNormPerUnit(tf, rowsG));
    } else {
      kernelNorms = gramNorms(tf, layer, a, rowsA, rowsG);
    }
    if (layer.useBias()) {
      kernelNorms =
          tf.math.add(
              kernelNorms, GroupShapes.squaredNormPerUnit(tf, tf.sum(rowsG, tf.constant(1))));
    }
    return GroupShapes.toFloat32(tf, kernelNorms);
  }

  /**
   * With m² &gt; d·u rows per unit, the per-unit gradients {@code AᵀG} ({@code [n, d, u]}) are
   * materialized: their norms and their clip-weighted sum then come from the same values, so the
   * clipped per-unit gradient is bounded by C as computed, and the sum is one product instead of a
   * second pass over the m rows.
   */
  @Override
  public LayerClipping clipping(Ops tf, Dense layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    return materializes(layer, a)
        ? materialized(tf, layer, a, g)
        : ClippingRule.super.clipping(tf, layer, a, g);
  }

  private static boolean materializes(Dense layer, Operand<TFloat32> a) {
    long m = staticRows(a);
    long d = a.shape().size(a.shape().numDimensions() - 1);
    return m > 1 && m * m > d * layer.units();
  }

  private static LayerClipping materialized(
      Ops tf, Dense layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    Operand<TFloat32> rowsA = GroupShapes.toUnitRows(tf, a);
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    long d = a.shape().size(a.shape().numDimensions() - 1);
    long u = layer.units();
    Operand<TFloat32> kernel =
        tf.reshape(
            tf.train.batchMatMul(rowsA, rowsG, TFloat32.class, BatchMatMul.adjX(true)),
            tf.constant(new long[] {-1, d * u}));
    UnaryOperator<Operand<TFloat32>> toKernel =
        sum -> tf.reshape(sum, tf.constant(new long[] {d, u}));
    if (!layer.useBias()) {
      return new MaterializedClipping(tf, List.of(kernel), List.of(toKernel));
    }
    return new MaterializedClipping(
        tf,
        List.of(kernel, tf.sum(rowsG, tf.constant(1))),
        List.of(toKernel, UnaryOperator.identity()));
  }

  /**
   * {@code sum((AAᵀ) ⊙ (GGᵀ))} per unit, in float64, plus a bound on its round-off, so that it is
   * at least the exact {@code ||AᵀG||²} of the float32 A and G. Products of float32 values are
   * exact in float64; a float64 Gram entry a_i·a_j is within γ_d·||a_i||·||a_j|| of the exact one
   * (γ_k = k·2^-53 / (1 - k·2^-53), Higham, Accuracy and Stability of Numerical Algorithms, 3.1), g
   * likewise, so the sum over (i, j), itself a float64 sum of m² ≤ d·u terms, is within (γ_d + γ_u
   * + γ_d·γ_u + γ_{m²})·S² of the exact value, S = Σ_i ||a_i||·||g_i||: about 10^-13·S².
   */
  private static Operand<TFloat64> gramNorms(
      Ops tf, Dense layer, Operand<TFloat32> a, Operand<TFloat32> rowsA, Operand<TFloat32> rowsG) {
    long d = a.shape().size(a.shape().numDimensions() - 1);
    long u = layer.units();
    Operand<TFloat64> a64 = tf.dtypes.cast(rowsA, TFloat64.class);
    Operand<TFloat64> g64 = tf.dtypes.cast(rowsG, TFloat64.class);
    Operand<TFloat64> gramA =
        tf.train.batchMatMul(a64, a64, TFloat64.class, BatchMatMul.adjY(true));
    Operand<TFloat64> gramG =
        tf.train.batchMatMul(g64, g64, TFloat64.class, BatchMatMul.adjY(true));
    Operand<TFloat64> s =
        tf.sum(
            tf.math.mul(
                tf.linalg.euclideanNorm(a64, tf.constant(2)),
                tf.linalg.euclideanNorm(g64, tf.constant(2))),
            tf.constant(1));
    double roundOff = gamma(d) + gamma(u) + gamma(d) * gamma(u) + gamma(d * u);
    return tf.math.add(
        tf.sum(tf.math.mul(gramA, gramG), tf.constant(new int[] {1, 2})),
        tf.math.mul(tf.constant(roundOff), tf.math.square(s)));
  }

  /** γ_k = k·v / (1 - k·v), v = 2^-53, with four more terms for the norms of S. */
  static double gamma(long k) {
    double kv = (k + 4) * 0x1p-53;
    return kv / (1 - kv);
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(
      Ops tf, Dense layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    long d = a.shape().size(a.shape().numDimensions() - 1);
    Operand<TFloat32> flatA = tf.reshape(a, tf.constant(new long[] {-1, d}));
    Operand<TFloat32> flatG = tf.reshape(scaledG, tf.constant(new long[] {-1, layer.units()}));
    Operand<TFloat32> kernel = tf.linalg.matMul(flatA, flatG, MatMul.transposeA(true));
    if (!layer.useBias()) {
      return List.of(kernel);
    }
    return List.of(kernel, tf.sum(flatG, tf.constant(0)));
  }

  /** Rows per unit if statically known, else -1. */
  static long staticRows(Operand<TFloat32> x) {
    long[] shape = x.shape().asArray();
    long m = 1;
    for (int i = 1; i < shape.length - 1; i++) {
      if (shape[i] < 0) {
        return -1;
      }
      m *= shape[i];
    }
    return m;
  }
}
