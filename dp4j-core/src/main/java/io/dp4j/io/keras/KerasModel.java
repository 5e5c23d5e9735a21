package io.dp4j.io.keras;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A compiled {@link Sequential} with what Keras files carry besides the layers: the model and layer
 * names, the input shape and, for a DP-trained model, its {@link PrivacyRecord}. Imported models
 * are compiled for inference (SGD, mean squared error); compile the {@link #sequential()} again to
 * train it: weights are kept.
 *
 * <p>Closing it closes the model.
 */
public final class KerasModel implements AutoCloseable {
  private final String name;
  private final Sequential model;
  private final List<String> layerNames;
  private final long[] inputShape;
  private final PrivacyRecord privacy;

  KerasModel(
      String name,
      Sequential model,
      List<String> layerNames,
      long[] inputShape,
      PrivacyRecord privacy) {
    this.name = name;
    this.model = model;
    this.layerNames = List.copyOf(layerNames);
    this.inputShape = inputShape.clone();
    this.privacy = privacy;
    if (this.layerNames.size() != model.layers().size()) {
      throw new IllegalArgumentException(
          layerNames.size() + " layer names for " + model.layers().size() + " layers");
    }
  }

  /**
   * Wraps a compiled model for export; layers are named as Keras 3 names them ({@code dense},
   * {@code dense_1}, ...).
   *
   * @param inputShape the input shape per example (batch axis excluded)
   */
  public static KerasModel of(Sequential model, long... inputShape) {
    Objects.requireNonNull(model, "model");
    model.outputShape(); // fails unless compiled
    List<String> names = new ArrayList<>();
    Map<String, Integer> counts = new HashMap<>();
    for (Layer layer : model.layers()) {
      String base = KerasModelConfig.snakeCase(ModelIO.CODECS.kerasClassName(layer));
      int n = counts.merge(base, 1, Integer::sum);
      names.add(n == 1 ? base : base + "_" + (n - 1));
    }
    long[] shape = inputShape;
    if (shape.length == 0) {
      shape =
          model
              .layers()
              .get(0)
              .declaredInputShape()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "the first layer declares no input shape: pass it to KerasModel.of"));
    }
    return new KerasModel("sequential", model, names, shape, null);
  }

  /** This model with {@code record} as its privacy record. */
  public KerasModel withPrivacyRecord(PrivacyRecord record) {
    return new KerasModel(name, model, layerNames, inputShape, record);
  }

  /** The model's name. */
  public String name() {
    return name;
  }

  /** The compiled model. */
  public Sequential sequential() {
    return model;
  }

  /** One name per layer of {@link #sequential()}, in order. */
  public List<String> layerNames() {
    return layerNames;
  }

  /** The input shape per example (batch axis excluded). */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The privacy record read from or given to the model, if any. */
  public Optional<PrivacyRecord> privacyRecord() {
    return Optional.ofNullable(privacy);
  }

  /**
   * Predictions for {@code features.length / prod(inputShape)} examples given row-major.
   *
   * @throws IllegalArgumentException if the values do not divide into whole examples
   */
  public float[][] predict(float[] features) {
    long per = 1;
    for (long d : inputShape) {
      per *= d;
    }
    if (features.length == 0 || features.length % per != 0) {
      throw new IllegalArgumentException(
          features.length
              + " input values do not make whole examples of shape "
              + Arrays.toString(inputShape));
    }
    int n = (int) (features.length / per);
    return model.predict(new Dataset(features, inputShape, new float[n], new long[0]));
  }

  /** One line of {@link #summary()}. */
  public record LayerSummary(String name, String type, long[] outputShape, long params) {}

  /** Each layer's name, Keras class, output shape per example and parameter count. */
  public List<LayerSummary> layerSummaries() {
    List<LayerSummary> out = new ArrayList<>();
    long[] shape = inputShape.clone();
    List<Layer> layers = model.layers();
    for (int l = 0; l < layers.size(); l++) {
      Layer layer = layers.get(l);
      long params = 0;
      for (ParameterSpec spec : layer.parameters(shape)) {
        params += spec.size();
      }
      shape = layer.outputShape(shape);
      out.add(
          new LayerSummary(layerNames.get(l), ModelIO.CODECS.kerasClassName(layer), shape, params));
    }
    return out;
  }

  /** Keras' {@code model.summary()} text (returned, never printed). */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append("Model: \"").append(name).append('"').append(System.lineSeparator());
    out.append(String.format("%-34s %-24s %12s%n", "Layer (type)", "Output Shape", "Param #"));
    long total = 0;
    long frozen = 0;
    List<Layer> layers = model.layers();
    List<LayerSummary> summaries = layerSummaries();
    for (int l = 0; l < summaries.size(); l++) {
      LayerSummary s = summaries.get(l);
      total += s.params();
      frozen += layers.get(l).isTrainable() ? 0 : s.params();
      out.append(
          String.format(
              "%-34s %-24s %12d%n",
              s.name() + " (" + s.type() + ")", kerasShape(s.outputShape()), s.params()));
    }
    out.append("Total params: ").append(total).append(System.lineSeparator());
    out.append("Trainable params: ").append(total - frozen).append(System.lineSeparator());
    out.append("Non-trainable params: ").append(frozen);
    return out.toString();
  }

  /** A shape in Keras notation with the batch axis: {@code (None, 28, 28)}. */
  public static String kerasShape(long[] shape) {
    StringBuilder s = new StringBuilder("(None");
    for (long d : shape) {
      s.append(", ").append(d);
    }
    return s.append(')').toString();
  }

  @Override
  public void close() {
    model.close();
  }
}
