package io.dp4j.nn.train;

import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.losses.Loss;
import java.util.List;
import java.util.function.Supplier;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link GradientTransform} sees of the training step being compiled: the graph, the fed
 * examples, the per-example losses (never reduced) and, for every layer with parameters, its input
 * a_l and pre-activation output z_l, from which per-example gradients follow (the gradient of the
 * summed loss with respect to z_l has one row per example).
 */
public interface StepGraph {
  Graph graph();

  Ops tf();

  /** The fed examples {@code [b, ...]}. */
  Operand<TFloat32> x();

  /** The loss of every fed example {@code [b]}, on the training forward pass. */
  Operand<TFloat32> perExampleLosses();

  /** The loss the model is compiled with. */
  Loss loss();

  /** The layers with parameters that train, in order (frozen layers are not among them). */
  List<TrainableLayer> trainableLayers();

  /**
   * Every parameter that trains, in the order of the model's weights (a frozen layer's left out)
   * and of the gradients to return.
   */
  List<ParameterSpec> parameters();

  /**
   * State a transform keeps with the model across compiles (e.g. DP-SGD's privacy log), created on
   * first use; an {@link AutoCloseable} state is closed with the model.
   */
  <T> T modelState(Class<T> type, Supplier<? extends T> create);

  /**
   * One layer with parameters on the training forward pass.
   *
   * @param layer the layer
   * @param name its unique name in the model
   * @param inputShape its input shape per example
   * @param input a_l {@code [b, inputShape...]}
   * @param preActivation z_l {@code [b, outputShape...]}, before the layer's activation
   * @param parameters its variables, in the layer's order
   */
  record TrainableLayer(
      Layer layer,
      String name,
      long[] inputShape,
      Operand<TFloat32> input,
      Operand<TFloat32> preActivation,
      List<Operand<TFloat32>> parameters) {}
}
