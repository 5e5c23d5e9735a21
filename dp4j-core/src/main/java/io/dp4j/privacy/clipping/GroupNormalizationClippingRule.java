package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.GroupNormalization;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Per-example clipping for {@link GroupNormalization}, exact. x̂ depends on the example's own input
 * only, so with x̂ recomputed from the layer input a unit's gamma gradient is {@code sum over its
 * examples and positions of g ⊙ x̂} and its beta gradient {@code sum of g}, per channel: {@code [n,
 * channels]} each, materialized (they are small) so that the clipped sum is their clip-weighted sum
 * ({@link MaterializedClipping}) and x̂ is computed once per step.
 */
public class GroupNormalizationClippingRule implements ClippingRule<GroupNormalization> {

  @Override
  public Operand<TFloat32> squaredNorms(
      Ops tf, GroupNormalization layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    Operand<TFloat64> norms = null;
    for (Operand<TFloat32> rows : perUnit(tf, layer, a, g)) {
      Operand<TFloat64> n = GroupShapes.squaredNormPerUnit(tf, rows);
      norms = norms == null ? n : tf.math.add(norms, n);
    }
    return GroupShapes.toFloat32(tf, norms);
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(
      Ops tf, GroupNormalization layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    List<Operand<TFloat32>> sums = new ArrayList<>();
    for (Operand<TFloat32> rows : perUnit(tf, layer, a, scaledG)) {
      sums.add(tf.sum(rows, tf.constant(0)));
    }
    return sums;
  }

  @Override
  public LayerClipping clipping(
      Ops tf, GroupNormalization layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    List<Operand<TFloat32>> rows = perUnit(tf, layer, a, g);
    List<UnaryOperator<Operand<TFloat32>>> same = new ArrayList<>();
    rows.forEach(r -> same.add(UnaryOperator.identity()));
    return new MaterializedClipping(tf, rows, same);
  }

  /**
   * Each unit's gradients {@code [n, channels]}, in the order of the layer's parameters (gamma if
   * it scales, beta if it centers).
   *
   * @param a {@code [n, k, inputShape...]}
   * @param g {@code [n, k, inputShape...]}
   */
  private static List<Operand<TFloat32>> perUnit(
      Ops tf, GroupNormalization layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    List<Operand<TFloat32>> rows = new ArrayList<>();
    if (layer.scale()) {
      Operand<TFloat32> normalized =
          tf.reshape(layer.normalize(tf, GroupShapes.mergeUnits(tf, a)), tf.shape(a));
      // a unit scaled by 0 contributes 0 even where its normalized input is not finite
      rows.add(tf.sum(GroupShapes.toUnitRows(tf, tf.math.mulNoNan(normalized, g)), tf.constant(1)));
    }
    if (layer.center()) {
      rows.add(tf.sum(GroupShapes.toUnitRows(tf, g), tf.constant(1)));
    }
    return rows;
  }
}
