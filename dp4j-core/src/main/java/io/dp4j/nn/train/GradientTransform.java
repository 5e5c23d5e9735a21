package io.dp4j.nn.train;

import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.Loss;
import java.util.List;
import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The extension point of the training step, graph side: it replaces ordinary backpropagation of the
 * batch loss. {@link io.dp4j.nn.Sequential#compile} calls {@link #build} once, with the step's
 * {@link StepGraph} (each trainable layer's input a_l and pre-activation z_l, the per-example
 * losses), and hands the gradients it returns to the optimizer's update, inside the same graph; the
 * {@link StepFeeder} it returns feeds whatever the built graph needs at every step. An optimizer
 * offers one through {@link io.dp4j.nn.optimizers.Optimizer#gradientTransform()}; DP-SGD (the
 * privacy package's {@code DpStep}) is one.
 */
public interface GradientTransform {
  /**
   * Refuses, before any graph is built, a model this transform cannot train (naming the layer or
   * loss and what is allowed).
   *
   * @param layers every layer of the model, in order
   * @param loss the loss the model is compiled with
   */
  default void validate(List<ModelLayer> layers, Loss loss) {}

  /**
   * Builds the transform into the compiled step.
   *
   * @throws IllegalArgumentException if the model cannot be trained this way (naming the layer or
   *     loss and what is allowed)
   */
  Built build(StepGraph step);

  /**
   * Whether the step protects its training examples (differential privacy): then only the weights
   * are covered, the training loss and metrics are not, listeners must not steer on them, and
   * fixed-size batches drop an epoch's incomplete last batch (every step is accounted at one batch
   * size).
   */
  default boolean protectsTrainingData() {
    return false;
  }

  /**
   * Whether the step's feeder derives its input rows from the raw examples (e.g. augmented copies
   * of each image): then the model must feed the examples themselves, never features cached from a
   * fixed front end, since a transform of the features is not the same function.
   */
  default boolean needsRawExamples() {
    return false;
  }

  /**
   * A layer of the model being compiled.
   *
   * @param layer the layer
   * @param name its unique name in the model
   * @param inputShape its input shape per example
   */
  record ModelLayer(Layer layer, String name, long[] inputShape) {}

  /**
   * What {@link #build} returns.
   *
   * @param gradients one per parameter, in the order of {@link StepGraph#parameters()}: what the
   *     optimizer applies
   * @param feeder feeds the built graph at every step
   */
  record Built(List<Operand<TFloat32>> gradients, StepFeeder feeder) {
    public Built {
      gradients = List.copyOf(gradients);
      Objects.requireNonNull(feeder, "feeder");
    }
  }
}
