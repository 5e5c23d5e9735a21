package io.dp4j.nn.optimizers;

import io.dp4j.nn.train.GradientTransform;
import java.util.Optional;
import org.tensorflow.Graph;

/**
 * Optimizer settings. A model turns them into a tensorflow-framework optimizer for its graph when
 * compiled; the optimizer then applies gradients inside the training step.
 */
public interface Optimizer {
  /** The tensorflow-framework optimizer for {@code graph}. */
  org.tensorflow.framework.optimizers.Optimizer create(Graph graph);

  /** The learning rate. */
  float learningRate();

  /**
   * The transform that computes the gradients this optimizer applies, in place of ordinary
   * backpropagation of the batch loss; none for a plain optimizer. A DP optimizer (TF Privacy's
   * {@code DPKeras*Optimizer}) returns its DP-SGD step here, so that compiling any model with it
   * trains with DP-SGD.
   */
  default Optional<GradientTransform> gradientTransform() {
    return Optional.empty();
  }
}
