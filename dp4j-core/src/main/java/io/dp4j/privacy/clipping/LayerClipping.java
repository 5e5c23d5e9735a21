package io.dp4j.privacy.clipping;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The clipping computation of one layer in one DP step, built once so that a rule can share work
 * between the norms and the clipped sum (for instance per-unit gradients it materialized for the
 * norms, whose clipped sum is then a weighted sum instead of another backpropagation).
 */
public interface LayerClipping {

  /**
   * Each unit's squared gradient norm over all the layer's parameters.
   *
   * @return a {@code [n]} tensor
   */
  Operand<TFloat32> squaredNorms();

  /**
   * The sum over all units of the per-unit gradients, unit j's scaled by {@code factors[j]}.
   *
   * @param factors the {@code [n]} clip factors
   * @return one tensor per parameter, in the order of the layer's parameters
   */
  List<Operand<TFloat32>> clippedSum(Operand<TFloat32> factors);
}
