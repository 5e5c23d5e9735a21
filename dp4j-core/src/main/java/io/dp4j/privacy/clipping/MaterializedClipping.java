package io.dp4j.privacy.clipping;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Clipping from materialized per-unit gradients {@code [n, K]} of each parameter: the norms are
 * their row sums of squares, and the clipped sum is one {@code [1, n] × [n, K]} product with the
 * clip factors.
 */
final class MaterializedClipping implements LayerClipping {
  private final Ops tf;
  private final List<Operand<TFloat32>> perUnit;
  private final List<UnaryOperator<Operand<TFloat32>>> toParameter;
  private final List<Operand<TFloat64>> knownNorms;

  /**
   * @param perUnit per parameter, the {@code [n, K]} per-unit gradients
   * @param toParameter per parameter, from a {@code [K]} sum of rows to the parameter's shape
   */
  MaterializedClipping(
      Ops tf, List<Operand<TFloat32>> perUnit, List<UnaryOperator<Operand<TFloat32>>> toParameter) {
    this(tf, perUnit, toParameter, java.util.Collections.nCopies(perUnit.size(), null));
  }

  /**
   * @param knownNorms per parameter, its rows' squared norms ({@code [n]}, an upper bound as {@link
   *     GroupShapes#squaredNormPerUnit} gives) where the rows' producer computed them, else null
   */
  MaterializedClipping(
      Ops tf,
      List<Operand<TFloat32>> perUnit,
      List<UnaryOperator<Operand<TFloat32>>> toParameter,
      List<Operand<TFloat64>> knownNorms) {
    this.tf = tf;
    this.perUnit = perUnit;
    this.toParameter = toParameter;
    this.knownNorms = knownNorms;
  }

  @Override
  public Operand<TFloat32> squaredNorms() {
    Operand<TFloat64> norms = null;
    for (int i = 0; i < perUnit.size(); i++) {
      Operand<TFloat64> n =
          knownNorms.get(i) != null
              ? knownNorms.get(i)
              : GroupShapes.squaredNormPerUnit(tf, perUnit.get(i));
      norms = norms == null ? n : tf.math.add(norms, n);
    }
    return GroupShapes.toFloat32(tf, norms);
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(Operand<TFloat32> factors) {
    Operand<TFloat32> row = tf.expandDims(factors, tf.constant(0));
    // a unit whose materialized gradient overflowed has factor 0, and 0 times infinity is NaN: its
    // rows are dropped, when there is a unit of factor 0 at all
    Operand<TBool> positive = tf.math.greater(factors, tf.constant(0f));
    Operand<TBool> allPositive = tf.reduceAll(positive, tf.constant(0));
    Operand<TBool> kept = tf.expandDims(positive, tf.constant(1));
    List<Operand<TFloat32>> sums = new ArrayList<>();
    for (int i = 0; i < perUnit.size(); i++) {
      Operand<TFloat32> rows =
          RepairIfNeeded.apply(
              tf, allPositive, perUnit.get(i), x -> tf.select(kept, x, tf.constant(0f)));
      Operand<TFloat32> sum = tf.reshape(tf.linalg.matMul(row, rows), tf.constant(new long[] {-1}));
      sums.add(toParameter.get(i).apply(sum));
    }
    return sums;
  }
}
