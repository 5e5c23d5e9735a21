package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.Layer;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How to clip the per-example gradients of one layer type without materializing them for the whole
 * model (the DP-SGD of Abadi et al. 2016, "Deep Learning with Differential Privacy").
 *
 * <p>Both functions receive the layer's input activations {@code a} and the gradient {@code g} of
 * the summed loss with respect to the layer's pre-activation output, grouped by clipping unit:
 * {@code a} is {@code [n, k, inputShape...]} and {@code g} is {@code [n, k, outputShape...]}, where
 * n is the number of clipping units (examples, or microbatches) and k the examples per unit (1
 * without microbatches). The gradient of unit j with respect to a parameter is the sum over its k
 * examples of the per-example parameter gradients computed from {@code a} and {@code g}.
 *
 * <p>Examples whose loss or inputs are not finite arrive as zero rows (in {@code a} and {@code g}).
 * An output gradient can still hold a NaN or an infinity on a finite forward pass (the backward
 * pass overflowed): the unit's squared norm must then not be finite (NaN and ∞ carry through a sum
 * of squares), which gives it clip factor 0, and the clipped sum must add exactly nothing for a
 * unit of factor 0 ({@link GroupShapes#scaleUnits} scales {@code g} so; materialized rows are
 * dropped). The step clips to C·(1 - 2^-21), which covers one float32 rounding of each unit's
 * squared norm and float64 round-off, not a float32 sum's: a rule's squared norm must be an upper
 * bound on the exact one ({@link GroupShapes#squaredNormPerUnit}), or the clipped norm may exceed
 * C.
 *
 * @param <L> the layer type
 */
public interface ClippingRule<L extends Layer> {

  /**
   * Each unit's squared gradient norm over all the layer's parameters.
   *
   * @return a {@code [n]} tensor
   */
  Operand<TFloat32> squaredNorms(Ops tf, L layer, Operand<TFloat32> a, Operand<TFloat32> g);

  /**
   * The sum over all units of the per-unit gradients, given gradients already scaled by the clip
   * factors.
   *
   * @return one tensor per parameter, in the order of {@link Layer#parameters}
   */
  List<Operand<TFloat32>> clippedSum(
      Ops tf, L layer, Operand<TFloat32> a, Operand<TFloat32> scaledG);

  /**
   * The layer's clipping in one step, given also the layer's parameters (in the order of {@link
   * Layer#parameters}), for a rule whose per-example gradients depend on the parameters' values (a
   * reparameterized weight, as {@link io.dp4j.nn.layers.Conv2D}'s weight standardization). The DP
   * step calls this one; by default it ignores the parameters and returns {@link #clipping(Ops,
   * Layer, Operand, Operand)}.
   */
  default LayerClipping clipping(
      Ops tf, L layer, List<Operand<TFloat32>> params, Operand<TFloat32> a, Operand<TFloat32> g) {
    return clipping(tf, layer, a, g);
  }

  /**
   * The layer's clipping in one step. By default {@link #squaredNorms}, and {@link #clippedSum} of
   * the output gradients scaled by the clip factors; a rule overrides this to share work between
   * the two.
   */
  default LayerClipping clipping(Ops tf, L layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    ClippingRule<L> rule = this;
    return new LayerClipping() {
      @Override
      public Operand<TFloat32> squaredNorms() {
        return rule.squaredNorms(tf, layer, a, g);
      }

      @Override
      public List<Operand<TFloat32>> clippedSum(Operand<TFloat32> factors) {
        return rule.clippedSum(tf, layer, a, GroupShapes.scaleUnits(tf, g, factors));
      }
    };
  }
}
