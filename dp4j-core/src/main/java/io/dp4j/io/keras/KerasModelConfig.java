package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.codecs.ImportedLayers;
import io.dp4j.io.keras.codecs.InputLayerCodec;
import io.dp4j.io.keras.codecs.KerasCodecRegistry;
import io.dp4j.io.keras.codecs.KerasLayerCodec;
import io.dp4j.io.keras.codecs.KerasValues;
import io.dp4j.io.keras.codecs.LayerConfig;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Keras model config (Sequential, or Functional as a chain) to dp4j layers and back; each layer's
 * own config is read and written by its codec in a {@link KerasCodecRegistry}.
 */
final class KerasModelConfig {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private KerasModelConfig() {}

  /**
   * One Keras layer of an imported config: its class, name, and the dp4j layers that run it (more
   * than one when a {@code channels_first} layer is wrapped in {@link Permute}s).
   *
   * @param paramLayer index of the dp4j layer holding its weights, -1 if none
   */
  record KerasLayer(String className, String name, int firstLayer, int paramLayer) {}

  /** A parsed model config. */
  record Parsed(
      String name,
      long[] inputShape,
      List<Layer> layers,
      List<String> layerNames,
      List<KerasLayer> kerasLayers) {}

  // ---------------------------------------------------------------- import

  static Parsed parse(JsonNode root, KerasCodecRegistry codecs) {
    if (root == null || !root.isObject()) {
      throw new KerasFormatException("a Keras model config must be a JSON object");
    }
    String cls = text(root, "class_name", "model");
    JsonNode config = root.get("config");
    if (config == null) {
      throw new KerasFormatException("the model config has no 'config'");
    }
    String name = "sequential";
    JsonNode layerList;
    switch (cls) {
      case "Sequential" -> {
        if (config.isArray()) {
          layerList = config; // Keras <= 2.1
        } else {
          layerList = config.get("layers");
          if (config.hasNonNull("name")) {
            name = config.get("name").asText();
          }
        }
        if (layerList == null || !layerList.isArray()) {
          throw new KerasFormatException("the Sequential config has no 'layers' list");
        }
      }
      case "Model", "Functional" -> {
        layerList = chainLayers(config);
        if (config.hasNonNull("name")) {
          name = config.get("name").asText();
        }
      }
      default ->
          throw new KerasFormatException(
              "model class '"
                  + cls
                  + "' is not supported: dp4j imports Sequential models and Functional models"
                  + " whose layers form a single chain");
    }
    long[] inputShape = null;
    ImportedLayers layers = null;
    List<KerasLayer> kerasLayers = new ArrayList<>();
    int index = 0;
    for (JsonNode entry : layerList) {
      String layerClass = text(entry, "class_name", "layer " + index);
      JsonNode lc = entry.get("config");
      if (lc == null || !lc.isObject()) {
        throw new KerasFormatException("layer " + index + " (" + layerClass + ") has no config");
      }
      String layerName =
          lc.hasNonNull("name") ? lc.get("name").asText() : snakeCase(layerClass) + "_" + index;
      LayerConfig o = new LayerConfig(layerClass, layerName, lc);
      if (layerClass.equals(InputLayerCodec.CLASS_NAME)) {
        if (index != 0 || inputShape != null) {
          throw new KerasFormatException(
              "InputLayer " + layerName + " must be the first layer of the model");
        }
        inputShape = InputLayerCodec.read(o);
        index++;
        continue;
      }
      long[] declared = o.inputShape();
      if (inputShape == null) {
        if (declared == null && layerClass.equals("Embedding") && lc.hasNonNull("input_length")) {
          declared = new long[] {lc.get("input_length").asLong()};
        }
        if (declared == null) {
          declared = topLevelInputShape(root, config);
        }
        if (declared == null) {
          throw new KerasFormatException(
              "the model declares no input shape (no InputLayer, no batch_input_shape on layer "
                  + layerName
                  + ")");
        }
        inputShape = declared;
      }
      if (layers == null) {
        layers = new ImportedLayers(inputShape);
      }
      int first = layers.size();
      KerasLayerCodec<?> codec = codec(codecs, layerClass, layerName);
      int paramLayer;
      try {
        paramLayer = codec.read(o, layers);
      } catch (KerasFormatException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        // a layer constructor refusing a value (LayerNormalization epsilon 0, ...) is a bad config
        throw new KerasFormatException(
            "layer '" + layerName + "' (" + layerClass + "): " + e.getMessage(), e);
      }
      o.finish(codec.offValues());
      if (!o.trainable()) {
        for (int l = first; l < layers.size(); l++) {
          layers.layers().get(l).setTrainable(false);
        }
      }
      kerasLayers.add(new KerasLayer(layerClass, layerName, first, paramLayer));
      index++;
    }
    if (layers == null || layers.size() == 0) {
      throw new KerasFormatException("the model has no layers");
    }
    return new Parsed(
        name, inputShape, List.copyOf(layers.layers()), List.copyOf(layers.names()), kerasLayers);
  }

  private static KerasLayerCodec<?> codec(
      KerasCodecRegistry codecs, String layerClass, String layerName) {
    return codecs
        .forClassName(layerClass)
        .orElseThrow(
            () -> {
              String why =
                  codecs
                      .refusal(layerClass)
                      .orElse(
                          "is not supported by dp4j (supported: "
                              + String.join(", ", codecs.classNames())
                              + ", "
                              + InputLayerCodec.CLASS_NAME
                              + ")");
              return new KerasFormatException(
                  "layer " + layerName + ": Keras layer class '" + layerClass + "' " + why);
            });
  }

  private static long[] topLevelInputShape(JsonNode root, JsonNode config) {
    JsonNode shape = config.isObject() ? config.get("build_input_shape") : null;
    if ((shape == null || shape.isNull()) && root.has("build_config")) {
      shape = root.get("build_config").get("input_shape");
    }
    return shape == null || shape.isNull()
        ? null
        : KerasValues.batchShape(shape, "build_input_shape");
  }

  /** The layers of a Functional config, in order, if they form a single chain. */
  private static JsonNode chainLayers(JsonNode config) {
    JsonNode layers = config.get("layers");
    if (layers == null || !layers.isArray() || layers.isEmpty()) {
      throw new KerasFormatException("the Functional config has no 'layers' list");
    }
    String refusal =
        "only Functional models whose layers form a single chain (one input, one output, each"
            + " layer fed by the previous one) import as Sequential: ";
    if (!oneTensor(config.get("input_layers")) || !oneTensor(config.get("output_layers"))) {
      throw new KerasFormatException(refusal + "this model has several inputs or outputs");
    }
    String previous = null;
    ArrayNode ordered = JSON.arrayNode();
    for (JsonNode layer : layers) {
      String name =
          layer.hasNonNull("name")
              ? layer.get("name").asText()
              : layer.path("config").path("name").asText();
      List<String> inbound = inboundNames(layer.get("inbound_nodes"));
      if (previous == null) {
        if (!inbound.isEmpty() || !"InputLayer".equals(layer.path("class_name").asText())) {
          throw new KerasFormatException(refusal + "the first layer is not an InputLayer");
        }
      } else if (!inbound.equals(List.of(previous))) {
        throw new KerasFormatException(
            refusal + "layer " + name + " takes its input from " + inbound + ", not " + previous);
      }
      ordered.add(layer);
      previous = name;
    }
    String output = firstName(config.get("output_layers"));
    if (!previous.equals(output)) {
      throw new KerasFormatException(
          refusal + "the output is " + output + ", not the last layer " + previous);
    }
    return ordered;
  }

  private static boolean oneTensor(JsonNode list) {
    if (list == null || !list.isArray()) {
      return false;
    }
    // [["name", 0, 0]] (Keras 2) or ["name", 0, 0] (Keras 3, single)
    if (list.size() == 1 && list.get(0).isArray()) {
      return true;
    }
    return list.size() == 3 && list.get(0).isTextual();
  }

  private static String firstName(JsonNode list) {
    return list.get(0).isArray() ? list.get(0).get(0).asText() : list.get(0).asText();
  }

  private static List<String> inboundNames(JsonNode nodes) {
    List<String> names = new ArrayList<>();
    if (nodes == null || !nodes.isArray()) {
      return names;
    }
    if (nodes.size() > 1) {
      throw new KerasFormatException(
          "a layer called more than once (shared layer) cannot be imported as Sequential");
    }
    for (JsonNode node : nodes) {
      if (node.isArray()) { // Keras 2: [["prev", 0, 0, {}], ...]
        for (JsonNode t : node) {
          names.add(t.get(0).asText());
        }
      } else if (node.isObject()) { // Keras 3: {"args": [keras tensor...], "kwargs": {}}
        for (JsonNode arg : node.path("args")) {
          collectHistory(arg, names);
        }
      }
    }
    return names;
  }

  private static void collectHistory(JsonNode arg, List<String> names) {
    if (arg.isArray()) {
      arg.forEach(a -> collectHistory(a, names));
    } else if (arg.isObject() && arg.path("config").has("keras_history")) {
      names.add(arg.path("config").path("keras_history").get(0).asText());
    }
  }

  private static String text(JsonNode node, String key, String what) {
    JsonNode v = node == null ? null : node.get(key);
    if (v == null || !v.isTextual()) {
      throw new KerasFormatException(what + " has no '" + key + "'");
    }
    return v.asText();
  }

  // ---------------------------------------------------------------- export

  /** Keras 3's {@code naming.to_snake_case}. */
  static String snakeCase(String name) {
    String s = name.replaceAll("\\W+", "");
    s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
    return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  /** Keras 3 {@code config.json} of a model. */
  static ObjectNode toConfig(KerasModel model, KerasCodecRegistry codecs) {
    ObjectNode root = JSON.objectNode();
    root.put("module", "keras");
    root.put("class_name", "Sequential");
    ObjectNode config = root.putObject("config");
    config.put("name", model.name());
    config.put("trainable", true);
    config.put("dtype", "float32");
    ArrayNode layers = config.putArray("layers");
    layers.add(InputLayerCodec.write(model.inputShape()));
    long[] shape = model.inputShape();
    List<Layer> list = model.sequential().layers();
    for (int l = 0; l < list.size(); l++) {
      Layer layer = list.get(l);
      String name = model.layerNames().get(l);
      ObjectNode entry = layers.addObject();
      entry.put("module", "keras.layers");
      entry.put("class_name", codecs.kerasClassName(layer));
      ObjectNode c = entry.putObject("config");
      c.put("name", name);
      c.put("trainable", layer.isTrainable());
      c.put("dtype", "float32");
      write(codecs, layer, c, name);
      entry.putNull("registered_name");
      entry.putObject("build_config").set("input_shape", KerasValues.batchShapeJson(shape));
      shape = layer.outputShape(shape);
    }
    config.set("build_input_shape", KerasValues.batchShapeJson(model.inputShape()));
    root.putNull("registered_name");
    root.putObject("build_config")
        .set("input_shape", KerasValues.batchShapeJson(model.inputShape()));
    return root;
  }

  private static <L extends Layer> void write(
      KerasCodecRegistry codecs, L layer, ObjectNode config, String name) {
    codecs
        .exportRefusal(layer)
        .ifPresent(
            why -> {
              throw new KerasFormatException(
                  "layer "
                      + name
                      + " ("
                      + layer.typeName()
                      + ") cannot be exported to Keras: "
                      + why);
            });
    KerasLayerCodec<L> codec =
        codecs
            .forLayer(layer)
            .orElseThrow(
                () ->
                    new KerasFormatException(
                        "layer "
                            + name
                            + ": dp4j cannot export layers of type "
                            + layer.getClass().getName()));
    codec.write(layer, config);
  }

  /** The parameter specs of every layer for the model's input shape. */
  static List<List<ParameterSpec>> parameterSpecs(List<Layer> layers, long[] inputShape) {
    List<List<ParameterSpec>> out = new ArrayList<>();
    long[] shape = inputShape;
    for (Layer layer : layers) {
      out.add(layer.parameters(shape));
      shape = layer.outputShape(shape);
    }
    return out;
  }
}
