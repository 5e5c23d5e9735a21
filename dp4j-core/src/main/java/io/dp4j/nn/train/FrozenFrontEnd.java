package io.dp4j.nn.train;

import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.Layer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The first layers of a model when they are a fixed function of each example: no trainable
 * parameters, the same computation in training as at inference, no mixing of examples (a {@link
 * io.dp4j.nn.layers.Scattering2D} front end, and the Flatten or pooling after it). Training only
 * ever changes the layers after them, so their output for each example can be computed once ({@link
 * #transform}) and the rest of the model trained on it, instead of recomputing them at every step
 * of every epoch. The rest of the model, compiled on its own with the front end's {@link
 * #outputShape()} as input shape and the same seed, trains to the same weights as the whole model:
 * the front end holds none of them (FrozenFrontEndTest). Frozen layers ({@link Layer#setTrainable})
 * belong to the front end too: their weights do not change in training. {@link
 * io.dp4j.nn.Sequential#fit} finds a model's front end and trains on its cached output by itself.
 *
 * <p><b>Privacy.</b> Computing a fixed, data-independent function of each example is per-example
 * preprocessing: adding or removing one training example adds or removes exactly one row of the
 * transformed dataset and changes no other row, so DP-SGD on the transformed rows has the same
 * guarantee, with the same accounting, as DP-SGD on the raw rows. This holds because the front end
 * is fixed before training and never fitted to the data; a layer with parameters, or one whose
 * output for an example depends on other examples, ends the front end.
 */
public final class FrozenFrontEnd {
  private static final Logger LOG = LoggerFactory.getLogger(FrozenFrontEnd.class);

  private final List<Layer> layers;
  private final long[] inputShape;
  private final long[] outputShape;

  private FrozenFrontEnd(List<Layer> layers, long[] inputShape, long[] outputShape) {
    this.layers = List.copyOf(layers);
    this.inputShape = inputShape.clone();
    this.outputShape = outputShape.clone();
  }

  /**
   * The longest prefix of {@code layers} whose layers are fixed functions of each example, if it is
   * not empty and some layer with parameters follows it (a model that is all front end has nothing
   * to train).
   *
   * @param layers a model's layers, in order
   * @param inputShape the model's input shape per example
   */
  public static Optional<FrozenFrontEnd> of(List<Layer> layers, long[] inputShape) {
    Objects.requireNonNull(layers, "layers");
    long[] shape = Objects.requireNonNull(inputShape, "inputShape").clone();
    int fixed = 0;
    while (fixed < layers.size() && isFixed(layers.get(fixed), shape)) {
      shape = layers.get(fixed).outputShape(shape);
      fixed++;
    }
    boolean trainableAfter = false;
    long[] rest = shape;
    for (int l = fixed; l < layers.size(); l++) {
      trainableAfter |= !layers.get(l).trainableParameters(rest).isEmpty();
      rest = layers.get(l).outputShape(rest);
    }
    if (fixed == 0 || !trainableAfter) {
      return Optional.empty();
    }
    return Optional.of(new FrozenFrontEnd(layers.subList(0, fixed), inputShape, shape));
  }

  /**
   * Whether {@code layer} is a fixed function of each example for inputs of {@code shape}: no
   * parameters that train, the same computation in training as at inference, no mixing.
   */
  static boolean isFixed(Layer layer, long[] shape) {
    return layer.trainableParameters(shape).isEmpty()
        && layer.trainingMatchesInference()
        && !layer.mixesExamples();
  }

  /** The number of layers in the front end: the model's first {@code size()} layers. */
  public int size() {
    return layers.size();
  }

  /** The front end's layers. */
  public List<Layer> layers() {
    return layers;
  }

  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The shape per example of the transformed dataset: the input shape of the layers after. */
  public long[] outputShape() {
    return outputShape.clone();
  }

  /**
   * The front end's output for every example of {@code data}, computed {@code batchSize} examples
   * at a time, with {@code data}'s labels (the same array, not a copy). Data {@link
   * Dataset#declaredNotPrivate() declared not private} stays so declared.
   *
   * @throws IllegalArgumentException if {@code data}'s example shape is not the front end's input
   *     shape, or {@code batchSize} is below 1
   * @throws IllegalStateException if a front-end layer holds (frozen) weights, which this
   *     standalone transform does not have: the model computes such features itself
   */
  public Dataset transform(Dataset data, int batchSize) {
    long[] shape = inputShape;
    for (Layer layer : layers) {
      if (!layer.parameters(shape).isEmpty()) {
        throw new IllegalStateException(
            "the front end's layer "
                + layer.name().orElse(layer.typeName())
                + " holds frozen weights: compute its features with the model");
      }
      shape = layer.outputShape(shape);
    }
    if (!Arrays.equals(data.exampleShape(), inputShape)) {
      throw new IllegalArgumentException(
          "data: examples of shape "
              + Arrays.toString(data.exampleShape())
              + ", but the front end takes "
              + Arrays.toString(inputShape));
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    long start = System.nanoTime();
    int in = Math.toIntExact(elements(inputShape));
    int out = Math.toIntExact(elements(outputShape));
    float[] features = new float[Math.multiplyExact(data.size(), out)];
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      long[] batchShape = new long[inputShape.length + 1];
      batchShape[0] = -1;
      System.arraycopy(inputShape, 0, batchShape, 1, inputShape.length);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(batchShape)));
      Operand<TFloat32> h = x;
      for (Layer layer : layers) {
        // inference mode: equal to training mode for these layers; no parameters, no seed used
        h = layer.call(tf, h, List.of(), false, 0);
      }
      for (int from = 0; from < data.size(); from += batchSize) {
        int n = Math.min(batchSize, data.size() - from);
        batchShape[0] = n;
        try (TFloat32 batch =
                TFloat32.tensorOf(
                    Shape.of(batchShape),
                    DataBuffers.of(data.features(), true, false)
                        .slice((long) from * in, (long) n * in));
            Result result = session.runner().feed(x, batch).fetch(h).run()) {
          TFloat32 y = (TFloat32) result.get(0);
          y.copyTo(DataBuffers.of(features, false, false).slice((long) from * out, (long) n * out));
        }
      }
    }
    LOG.debug(
        "front end of {} layers: features of {} examples {} computed in {} ms",
        layers.size(),
        data.size(),
        Arrays.toString(outputShape),
        (System.nanoTime() - start) / 1_000_000);
    Dataset transformed = new Dataset(features, outputShape, data.labels(), data.labelShape());
    return data.isDeclaredNotPrivate() ? transformed.declaredNotPrivate() : transformed;
  }

  private static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public String toString() {
    return "FrozenFrontEnd"
        + layers
        + " "
        + Arrays.toString(inputShape)
        + " -> "
        + Arrays.toString(outputShape);
  }
}
