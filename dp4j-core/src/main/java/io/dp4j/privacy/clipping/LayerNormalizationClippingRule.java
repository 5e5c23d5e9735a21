package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.LayerNormalization;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Per-example clipping for {@link LayerNormalization}: with x̂ the normalized input (recomputed
 * from the layer input), a unit's gamma gradient is {@code sum over positions of g ⊙ x̂} and its
 * beta gradient {@code sum of g} (exact).
 */
public class LayerNormalizationClippingRule implements ClippingRule<LayerNormalization> {

  @Override
  public Operand<TFloat32> squaredNorms(
      Ops tf, LayerNormalization layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    Operand<TFloat32> gamma =
        tf.sum(GroupShapes.toUnitRows(tf, tf.math.mul(g, layer.normalize(tf, a))), tf.constant(1));
    Operand<TFloat32> beta = tf.sum(GroupShapes.toUnitRows(tf, g), tf.constant(1));
    return GroupShapes.toFloat32(
        tf,
        tf.math.add(
            GroupShapes.squaredNormPerUnit(tf, gamma), GroupShapes.squaredNormPerUnit(tf, beta)));
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(
      Ops tf, LayerNormalization layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    return List.of(
        // a unit with factor 0 contributes 0 even where its normalized input is not finite
        GroupShapes.sumToLastAxis(tf, tf.math.mulNoNan(layer.normalize(tf, a), scaledG)),
        GroupShapes.sumToLastAxis(tf, scaledG));
  }
}
