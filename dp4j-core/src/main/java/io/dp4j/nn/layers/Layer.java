package io.dp4j.nn.layers;

import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A layer of a {@link io.dp4j.nn.Sequential} model. A layer is a description: it holds its
 * configuration, and builds its part of the graph when the model is compiled. Shapes exclude the
 * batch axis.
 */
public abstract class Layer {
  /**
   * Why a layer that {@link #mixesExamples() mixes examples} (BatchNormalization) cannot be trained
   * with DP-SGD, and what to use instead; completes "layer NAME (TYPE) ...". DP compile and the
   * Keras importer both refuse such a layer with it.
   */
  public static final String MIXES_EXAMPLES =
      "mixes the examples of a batch: its output for one example depends on the other examples,"
          + " so a per-example gradient is not defined and DP-SGD cannot clip it; use"
          + " GroupNormalization instead (after convolutions: statistics over groups of channels),"
          + " or LayerNormalization, which normalize each example on its own";

  private final String name;
  private final long[] inputShape;
  private boolean trainable = true;

  /**
   * @param name the layer's name, or null for a name given by the model
   * @param inputShape the declared input shape (first layer only), or null
   */
  protected Layer(String name, long[] inputShape) {
    this.name = name;
    this.inputShape = inputShape == null ? null : inputShape.clone();
  }

  /** The name given at construction, if any. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /**
   * Freezes the layer ({@code false}) or lets it train (Keras' {@code layer.trainable}): a frozen
   * layer keeps its weights through training. They stay in the model's weights, in the same order,
   * and are saved and exported (Keras {@code "trainable": false}), but take no gradient and no
   * update, and under DP-SGD are not clipped and do not count in the per-example gradient norm
   * (only the trainable parameters are released by the noisy step). It takes effect at the next
   * {@code compile}. Freezing changes nothing else (a frozen Dropout still drops, as in Keras); a
   * frozen layer that is not random in training, at the front of a model, is part of its fixed
   * front end ({@link io.dp4j.nn.train.FrozenFrontEnd}).
   *
   * @return this layer
   */
  public Layer setTrainable(boolean trainable) {
    this.trainable = trainable;
    return this;
  }

  /** Whether the layer's parameters train (true unless {@link #setTrainable frozen}). */
  public boolean isTrainable() {
    return trainable;
  }

  /**
   * The parameters that train for an input of shape {@code inputShape}: {@link #parameters}, or
   * none for a frozen layer.
   */
  public final List<ParameterSpec> trainableParameters(long[] inputShape) {
    return trainable ? parameters(inputShape) : List.of();
  }

  /** The input shape this layer declares (Keras: the first layer's {@code input_shape}). */
  public Optional<long[]> declaredInputShape() {
    return Optional.ofNullable(inputShape).map(long[]::clone);
  }

  /**
   * The output shape for an input of shape {@code inputShape}.
   *
   * @throws IllegalArgumentException if the layer cannot take that input
   */
  public abstract long[] outputShape(long[] inputShape);

  /** The trainable parameters for an input of shape {@code inputShape}; none by default. */
  public List<ParameterSpec> parameters(long[] inputShape) {
    return List.of();
  }

  /**
   * True if the layer's output for one example depends on other examples of the batch (batch
   * normalization). Such layers cannot be trained with per-example clipping.
   */
  public boolean mixesExamples() {
    return false;
  }

  /**
   * True if the layer computes in training what it computes at inference; false for a layer that is
   * random in training (Dropout). A layer that also has no parameters and does not mix examples is
   * a fixed function of each example, whose outputs can be computed once before training ({@link
   * io.dp4j.nn.train.FrozenFrontEnd}).
   */
  public boolean trainingMatchesInference() {
    return true;
  }

  /**
   * Builds the layer's output.
   *
   * @param tf the graph's ops
   * @param input the batch, {@code [b, inputShape...]}
   * @param params the parameters, in the order of {@link #parameters}
   * @param training true for the training graph (dropout active)
   * @param seed a seed for the layer's randomness (dropout)
   */
  public abstract Operand<TFloat32> call(
      Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params, boolean training, long seed);

  /** The Keras class name, for messages. */
  public String typeName() {
    return getClass().getSimpleName();
  }

  static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static void requirePositive(String parameter, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(parameter + " must be > 0, got " + value);
    }
  }
}
