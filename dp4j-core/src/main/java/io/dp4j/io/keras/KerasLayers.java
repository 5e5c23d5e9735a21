package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GlobalAveragePooling2D;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.LeakyReLU;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.layers.Reshape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keras layer configs to dp4j layers and back. */
final class KerasLayers {
  private static final Logger LOG = LoggerFactory.getLogger(KerasLayers.class);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private KerasLayers() {}

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

  static Parsed parse(JsonNode root) {
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
    Builder b = new Builder();
    int index = 0;
    for (JsonNode entry : layerList) {
      String layerClass = text(entry, "class_name", "layer " + index);
      JsonNode lc = entry.get("config");
      if (lc == null || !lc.isObject()) {
        throw new KerasFormatException("layer " + index + " (" + layerClass + ") has no config");
      }
      String layerName =
          lc.hasNonNull("name") ? lc.get("name").asText() : snakeCase(layerClass) + "_" + index;
      Options o = new Options(layerClass, layerName, lc);
      if (layerClass.equals("InputLayer")) {
        if (index != 0 || inputShape != null) {
          throw new KerasFormatException(
              "InputLayer " + layerName + " must be the first layer of the model");
        }
        inputShape = o.inputShape(true);
        if (inputShape == null) {
          throw new KerasFormatException("InputLayer " + layerName + " declares no shape");
        }
        o.consume("input_tensor");
        o.finish();
        index++;
        continue;
      }
      long[] declared = o.inputShape(false);
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
        b.shape = declared.clone();
      } else if (b.shape == null) {
        b.shape = inputShape.clone();
      }
      b.add(layerClass, layerName, o);
      index++;
    }
    if (b.layers.isEmpty()) {
      throw new KerasFormatException("the model has no layers");
    }
    return new Parsed(name, inputShape, b.layers, b.names, b.kerasLayers);
  }

  private static long[] topLevelInputShape(JsonNode root, JsonNode config) {
    JsonNode shape = config.isObject() ? config.get("build_input_shape") : null;
    if ((shape == null || shape.isNull()) && root.has("build_config")) {
      shape = root.get("build_config").get("input_shape");
    }
    return shape == null || shape.isNull() ? null : batchShape(shape, "build_input_shape");
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

  /** Builds dp4j layers, tracking the shape. */
  private static final class Builder {
    final List<Layer> layers = new ArrayList<>();
    final List<String> names = new ArrayList<>();
    final List<KerasLayer> kerasLayers = new ArrayList<>();
    long[] shape;

    void add(String cls, String name, Options o) {
      int first = layers.size();
      int paramLayer = -1;
      switch (cls) {
        case "Dense" -> {
          o.initializers("kernel", "bias");
          paramLayer =
              push(
                  name,
                  Dense.builder()
                      .setUnits(o.positiveInt("units"))
                      .optActivation(o.activation())
                      .optUseBias(o.bool("use_bias", true))
                      .optName(name)
                      .build());
        }
        case "Conv2D", "Convolution2D" -> {
          o.initializers("kernel", "bias");
          int[] k = o.intTuple("kernel_size", 2, null);
          int[] s = o.intTuple("strides", 2, new int[] {1, 1});
          int[] dilation = o.intTuple("dilation_rate", 2, new int[] {1, 1});
          Padding padding = o.padding();
          ActivationFunction activation = o.activation();
          boolean useBias = o.bool("use_bias", true);
          int filters = o.positiveInt("filters");
          Layer conv =
              Conv2D.builder()
                  .setFilters(filters)
                  .setKernelSize(k[0], k[1])
                  .optStrides(s[0], s[1])
                  .optDilationRate(dilation[0], dilation[1])
                  .optPadding(padding)
                  .optActivation(activation)
                  .optUseBias(useBias)
                  .optName(name)
                  .build();
          paramLayer = channelsFirst(o, name) ? wrapped(name, conv, 3) : push(name, conv);
        }
        case "Conv1D", "Convolution1D" -> {
          o.initializers("kernel", "bias");
          int[] k = o.intTuple("kernel_size", 1, null);
          int[] s = o.intTuple("strides", 1, new int[] {1});
          Padding padding = o.padding();
          Layer conv =
              new Conv1D(null, o.positiveInt("filters"), k[0], s[0], padding, o.activation());
          paramLayer = channelsFirst(o, name) ? wrapped(name, conv, 2) : push(name, conv);
        }
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D" -> {
          int[] p = o.intTuple("pool_size", 2, new int[] {2, 2});
          int[] s = o.intTuple("strides", 2, p);
          if (p[0] != p[1] || s[0] != s[1]) {
            throw o.unsupported(
                "pool_size/strides",
                Arrays.toString(p) + "/" + Arrays.toString(s),
                "dp4j pools with square windows and equal strides only");
          }
          Padding padding = o.padding();
          Layer pool =
              cls.startsWith("Max")
                  ? new MaxPool2D(p[0], s[0], padding)
                  : new AveragePooling2D(p[0], s[0], padding);
          if (channelsFirst(o, name)) {
            wrapped(name, pool, 3);
          } else {
            push(name, pool);
          }
        }
        case "GlobalAveragePooling2D", "GlobalAvgPool2D" -> {
          if (channelsFirst(o, name)) {
            push(name + "_to_channels_last", new Permute(2, 3, 1));
          }
          push(name, new GlobalAveragePooling2D());
        }
        case "Flatten" -> {
          if (channelsFirst(o, name) && shape.length >= 2) {
            push(name + "_to_channels_last", new Permute(toLast(shape.length)));
          }
          push(name, new Flatten());
        }
        case "Reshape" -> {
          JsonNode t = o.consume("target_shape");
          if (t == null || !t.isArray()) {
            throw o.unsupported("target_shape", String.valueOf(t), "a list of sizes is required");
          }
          long[] target = new long[t.size()];
          for (int i = 0; i < target.length; i++) {
            target[i] = t.get(i).asLong();
            if (target[i] == -1) {
              long known = 1;
              for (int j = 0; j < t.size(); j++) {
                known *= j == i ? 1 : t.get(j).asLong();
              }
              target[i] = Layer2.size(shape) / known;
            }
          }
          push(name, new Reshape(target));
        }
        case "LeakyReLU" -> {
          // Keras 3: negative_slope; tf.keras 2: alpha; both default 0.3
          JsonNode slope = o.consume("negative_slope");
          JsonNode alpha = o.consume("alpha");
          JsonNode v = slope != null && !slope.isNull() ? slope : alpha;
          if (v != null && !v.isNull() && !v.isNumber()) {
            throw new KerasFormatException(
                "layer " + name + " (LeakyReLU) needs a number negative_slope, got " + v);
          }
          float s =
              v == null || v.isNull() ? LeakyReLU.DEFAULT_NEGATIVE_SLOPE : (float) v.asDouble();
          push(name, new LeakyReLU(s));
        }
        case "Dropout" -> {
          o.consume("seed"); // only the training-time mask depends on it
          double rate = o.number("rate");
          push(name, new Dropout(rate));
        }
        case "Embedding" -> {
          o.initializers("embeddings");
          JsonNode length = o.consume("input_length");
          if (length != null && !length.isNull() && length.asLong() != shape[shape.length - 1]) {
            throw o.unsupported(
                "input_length",
                length.asText(),
                "it contradicts the input shape " + Arrays.toString(shape));
          }
          paramLayer =
              push(name, new Embedding(o.positiveInt("input_dim"), o.positiveInt("output_dim")));
        }
        case "LayerNormalization" -> {
          o.initializers("gamma", "beta");
          JsonNode axis = o.consume("axis");
          boolean lastAxis =
              axis == null
                  || (axis.isInt() && (axis.asInt() == -1 || axis.asInt() == shape.length))
                  || (axis.isArray()
                      && axis.size() == 1
                      && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == shape.length));
          if (!lastAxis) {
            throw o.unsupported("axis", axis.toString(), "dp4j normalizes over the last axis");
          }
          JsonNode eps = o.consume("epsilon");
          float epsilon = eps == null ? 1e-3f : (float) eps.asDouble();
          paramLayer = push(name, new LayerNormalization(epsilon));
        }
        case "Activation" -> push(name, new Activation(o.activation()));
        case "Permute" -> {
          JsonNode d = o.consume("dims");
          if (d == null || !d.isArray()) {
            throw o.unsupported("dims", String.valueOf(d), "a list is required");
          }
          int[] dims = new int[d.size()];
          for (int i = 0; i < dims.length; i++) {
            dims[i] = d.get(i).asInt();
          }
          push(name, new Permute(dims));
        }
        default ->
            throw new KerasFormatException(
                "layer "
                    + name
                    + ": Keras layer class '"
                    + cls
                    + "' is not supported by dp4j (supported: Dense, Conv1D, Conv2D,"
                    + " MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape,"
                    + " Dropout, Embedding, LayerNormalization, LeakyReLU, Activation, Permute,"
                    + " InputLayer)");
      }
      o.finish();
      kerasLayers.add(new KerasLayer(cls, name, first, paramLayer));
    }

    private boolean channelsFirst(Options o, String name) {
      JsonNode f = o.consume("data_format");
      if (f == null || f.isNull() || f.asText().equals("channels_last")) {
        return false;
      }
      if (f.asText().equals("channels_first")) {
        LOG.debug("layer {} is channels_first: wrapped in Permute layers", name);
        return true;
      }
      throw o.unsupported("data_format", f.asText(), "channels_last or channels_first");
    }

    /** Runs a channels-last layer on channels-first data of the given rank; returns its index. */
    private int wrapped(String name, Layer layer, int rank) {
      push(name + "_to_channels_last", new Permute(toLast(rank)));
      int index = push(name, layer);
      push(name + "_to_channels_first", new Permute(toFirst(rank)));
      return index;
    }

    private int push(String name, Layer layer) {
      try {
        shape = layer.outputShape(shape);
      } catch (IllegalArgumentException e) {
        throw new KerasFormatException("layer " + name + ": " + e.getMessage(), e);
      }
      layers.add(layer);
      names.add(name);
      return layers.size() - 1;
    }
  }

  /** 1-based dims moving axis 1 last: (2, 3, ..., 1). */
  static int[] toLast(int rank) {
    int[] d = new int[rank];
    for (int i = 0; i < rank - 1; i++) {
      d[i] = i + 2;
    }
    d[rank - 1] = 1;
    return d;
  }

  /** 1-based dims moving the last axis first: (n, 1, 2, ...). */
  static int[] toFirst(int rank) {
    int[] d = new int[rank];
    d[0] = rank;
    for (int i = 1; i < rank; i++) {
      d[i] = i;
    }
    return d;
  }

  /** Shape arithmetic. */
  private static final class Layer2 {
    static long size(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /**
   * Keras options dp4j does not implement, with the values at which they do nothing: null, false,
   * or Keras' default (read from the layer sources of Keras 3.15.1 and tf.keras 2). An option at
   * one of these values is accepted and logged at debug level; at any other value, or if it is not
   * listed here, the import fails naming the layer, option and value. Regularizers and constraints
   * are listed because dp4j trains imported models: dropping one would change the training.
   */
  private static final class OffValues {
    private static final JsonNode NULL = JSON.nullNode();
    private static final JsonNode TRUE = JSON.booleanNode(true);
    private static final JsonNode ONE = JSON.numberNode(1);

    /** A flag Keras tests for truth: null is as false as false. */
    private static final List<JsonNode> UNSET = List.of(JSON.booleanNode(false), NULL);

    /** Options any layer may carry. */
    private static final Map<String, List<JsonNode>> ANY_LAYER =
        Map.ofEntries(
            Map.entry("quantization_config", List.of(NULL)), // Dense, Embedding (Keras 3.10+)
            Map.entry("lora_rank", List.of(NULL, JSON.numberNode(0))), // Keras 3 fine-tuning
            Map.entry("lora_alpha", List.of(NULL)), // written only beside a lora_rank
            Map.entry("activity_regularizer", List.of(NULL)),
            Map.entry("kernel_regularizer", List.of(NULL)),
            Map.entry("bias_regularizer", List.of(NULL)),
            Map.entry("embeddings_regularizer", List.of(NULL)),
            Map.entry("beta_regularizer", List.of(NULL)),
            Map.entry("gamma_regularizer", List.of(NULL)),
            Map.entry("kernel_constraint", List.of(NULL)),
            Map.entry("bias_constraint", List.of(NULL)),
            Map.entry("embeddings_constraint", List.of(NULL)),
            Map.entry("beta_constraint", List.of(NULL)),
            Map.entry("gamma_constraint", List.of(NULL)));

    private static final Map<String, List<JsonNode>> CONV = Map.of("groups", List.of(ONE));

    private static final Map<String, List<JsonNode>> CONV1D =
        Map.of(
            "groups", List.of(ONE),
            "use_bias", List.of(TRUE),
            "dilation_rate", List.of(ONE, JSON.arrayNode().add(1)));

    private static final Map<String, List<JsonNode>> GLOBAL_POOLING = Map.of("keepdims", UNSET);

    /** Options of one layer class, by Keras class name (aliases included). */
    private static final Map<String, Map<String, List<JsonNode>>> BY_LAYER =
        Map.of(
            "InputLayer",
                Map.of(
                    "sparse", UNSET,
                    "ragged", UNSET,
                    "optional", UNSET),
            "Conv2D", CONV,
            "Convolution2D", CONV,
            "Conv1D", CONV1D,
            "Convolution1D", CONV1D,
            "GlobalAveragePooling2D", GLOBAL_POOLING,
            "GlobalAvgPool2D", GLOBAL_POOLING,
            "Dropout", Map.of("noise_shape", List.of(NULL)),
            "Embedding", Map.of("mask_zero", UNSET, "sparse", UNSET),
            "LayerNormalization",
                Map.of(
                    "center", List.of(TRUE),
                    "scale", List.of(TRUE),
                    "rms_scaling", UNSET));

    private OffValues() {}

    /**
     * The values at which option {@code key} of a {@code cls} layer does nothing; empty if none.
     */
    static List<JsonNode> of(String cls, String key) {
      List<JsonNode> own = BY_LAYER.getOrDefault(cls, Map.of()).get(key);
      return own != null ? own : ANY_LAYER.getOrDefault(key, List.of());
    }

    /** JSON equality with numbers compared by value (1 and 1.0 are the same). */
    static boolean same(JsonNode a, JsonNode b) {
      if (a.isNumber() && b.isNumber()) {
        return a.doubleValue() == b.doubleValue();
      }
      if (a.isArray() && b.isArray()) {
        if (a.size() != b.size()) {
          return false;
        }
        for (int i = 0; i < a.size(); i++) {
          if (!same(a.get(i), b.get(i))) {
            return false;
          }
        }
        return true;
      }
      return a.equals(b);
    }
  }

  /**
   * A layer config's options: every key must be read by the layer's builder or be at one of its
   * {@link OffValues}, or the import fails naming it.
   */
  private static final class Options {
    private static final Set<String> COMMON = Set.of("name", "trainable", "dtype", "batch_size");
    final String cls;
    final String name;
    final JsonNode config;
    final Set<String> used = new HashSet<>();

    Options(String cls, String name, JsonNode config) {
      this.cls = cls;
      this.name = name;
      this.config = config;
      used.addAll(COMMON);
      requireTrainableAndFloat();
    }

    private void requireTrainableAndFloat() {
      JsonNode trainable = config.get("trainable");
      if (trainable != null && !trainable.isNull() && !trainable.asBoolean()) {
        throw unsupported("trainable", "false", "dp4j trains every layer");
      }
      JsonNode dtype = config.get("dtype");
      String d = null;
      if (dtype != null && dtype.isTextual()) {
        d = dtype.asText();
      } else if (dtype != null && dtype.isObject()) { // Keras 3 DTypePolicy
        d = dtype.path("config").path("name").asText(null);
      }
      if (d != null && !d.equals("float32") && !(cls.equals("InputLayer") && d.startsWith("int"))) {
        throw unsupported("dtype", d, "dp4j computes in float32");
      }
    }

    JsonNode consume(String key) {
      used.add(key);
      return config.get(key);
    }

    KerasFormatException unsupported(String option, String value, String why) {
      return new KerasFormatException(
          "layer "
              + name
              + " ("
              + cls
              + "): option "
              + option
              + "="
              + value
              + " is not supported: "
              + why);
    }

    int[] intTuple(String key, int rank, int[] defaultValue) {
      JsonNode v = consume(key);
      if (v == null || v.isNull()) {
        if (defaultValue == null) {
          throw new KerasFormatException("layer " + name + " (" + cls + ") needs " + key);
        }
        return defaultValue;
      }
      return tuple(key, v, rank);
    }

    private int[] tuple(String key, JsonNode v, int rank) {
      int[] t = new int[rank];
      if (v.isIntegralNumber()) {
        Arrays.fill(t, v.asInt());
      } else if (v.isArray() && v.size() == rank) {
        for (int i = 0; i < rank; i++) {
          t[i] = v.get(i).asInt();
        }
      } else {
        throw unsupported(key, v.toString(), "expected " + rank + " integers");
      }
      for (int x : t) {
        if (x <= 0) {
          throw unsupported(key, v.toString(), "values must be > 0");
        }
      }
      return t;
    }

    int positiveInt(String key) {
      JsonNode v = consume(key);
      if (v == null || !v.isIntegralNumber() || v.asInt() <= 0) {
        throw new KerasFormatException(
            "layer " + name + " (" + cls + ") needs a positive integer " + key + ", got " + v);
      }
      return v.asInt();
    }

    double number(String key) {
      JsonNode v = consume(key);
      if (v == null || !v.isNumber()) {
        throw new KerasFormatException(
            "layer " + name + " (" + cls + ") needs a number " + key + ", got " + v);
      }
      return v.asDouble();
    }

    /** A Keras flag: absent is its default; null is false, as Keras tests it for truth. */
    boolean bool(String key, boolean defaultValue) {
      JsonNode v = consume(key);
      return v == null ? defaultValue : v.asBoolean(false);
    }

    Padding padding() {
      JsonNode v = consume("padding");
      if (v == null) {
        return Padding.VALID;
      }
      return switch (v.asText()) {
        case "valid" -> Padding.VALID;
        case "same" -> Padding.SAME;
        default -> throw unsupported("padding", v.asText(), "valid or same only");
      };
    }

    ActivationFunction activation() {
      JsonNode v = consume("activation");
      if (v == null || v.isNull()) {
        return ActivationFunction.LINEAR;
      }
      String a =
          v.isObject()
              ? v.path("config").path("name").asText(v.path("class_name").asText())
              : v.asText();
      return switch (a) {
        case "relu" -> ActivationFunction.RELU;
        case "tanh" -> ActivationFunction.TANH;
        case "sigmoid" -> ActivationFunction.SIGMOID;
        case "softmax" -> ActivationFunction.SOFTMAX;
        case "linear" -> ActivationFunction.LINEAR;
        case "gelu" -> ActivationFunction.GELU;
        case "elu" -> ActivationFunction.ELU;
        case "leaky_relu" -> ActivationFunction.LEAKY_RELU;
        default ->
            throw unsupported(
                "activation",
                a,
                "dp4j has relu, tanh, sigmoid, softmax, linear, gelu, elu and leaky_relu");
      };
    }

    /**
     * The weights' initializers: one dp4j does not implement is logged, not refused, since it only
     * decides fresh weights and a file's weights are used as they are.
     */
    void initializers(String... weights) {
      for (String w : weights) {
        initializer(w + "_initializer");
      }
    }

    private void initializer(String key) {
      JsonNode v = consume(key);
      if (v == null || v.isNull()) {
        return;
      }
      String init = v.isObject() ? v.path("class_name").asText() : v.asText();
      String normalized = init.toLowerCase(Locale.ROOT).replace("_", "");
      JsonNode c = v.path("config");
      boolean glorot =
          normalized.equals("variancescaling") // how Keras 2.1 serializes glorot_uniform
              && c.path("scale").asDouble() == 1.0
              && c.path("mode").asText().equals("fan_avg")
              && c.path("distribution").asText().equals("uniform");
      if (!glorot
          && !Set.of("glorotuniform", "zeros", "ones", "randomuniform").contains(normalized)) {
        LOG.warn(
            "layer {} ({}): {} {} is not implemented by dp4j; fresh weights use dp4j's default,"
                + " weights loaded from a file are used as they are",
            name,
            cls,
            key,
            init);
      }
    }

    /** The batch shape declared on the layer, without the batch axis; null if none. */
    long[] inputShape(boolean input) {
      JsonNode s = consume("batch_input_shape");
      String key = "batch_input_shape";
      if (s == null || s.isNull()) {
        s = consume("batch_shape");
        key = "batch_shape";
      }
      if (s != null && !s.isNull()) {
        return batchShape(s, "layer " + name + " " + key);
      }
      JsonNode plain = consume("input_shape");
      if (plain != null && !plain.isNull()) {
        long[] out = new long[plain.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = dimension(plain.get(i), "layer " + name + " input_shape");
        }
        return out;
      }
      if (config.hasNonNull("input_dim") && !cls.equals("Embedding")) {
        used.add("input_dim");
        return new long[] {config.get("input_dim").asLong()};
      }
      return null;
    }

    /** Checks every option the layer's builder did not read against {@link OffValues}. */
    void finish() {
      Iterator<String> keys = config.fieldNames();
      while (keys.hasNext()) {
        String key = keys.next();
        if (used.contains(key)) {
          continue;
        }
        JsonNode value = config.get(key);
        List<JsonNode> off = OffValues.of(cls, key);
        if (off.isEmpty()) {
          throw unsupported(key, value.toString(), "dp4j does not implement it");
        }
        if (off.stream().noneMatch(o -> OffValues.same(o, value))) {
          throw unsupported(
              key, value.toString(), "dp4j does not implement it; it accepts only " + off);
        }
        LOG.debug(
            "layer {} ({}): option {}={} is off (dp4j does not implement it), accepted",
            name,
            cls,
            key,
            value);
      }
    }
  }

  static long[] batchShape(JsonNode s, String what) {
    if (!s.isArray() || s.size() < 2) {
      throw new KerasFormatException(what + " must list the batch axis and at least one more");
    }
    long[] out = new long[s.size() - 1];
    for (int i = 1; i < s.size(); i++) {
      out[i - 1] = dimension(s.get(i), what);
    }
    return out;
  }

  private static long dimension(JsonNode d, String what) {
    if (d == null || !d.isIntegralNumber() || d.asLong() <= 0) {
      throw new KerasFormatException(
          what + ": dimension " + d + " is not supported (dp4j needs fixed positive sizes)");
    }
    return d.asLong();
  }

  private static String text(JsonNode node, String key, String what) {
    JsonNode v = node == null ? null : node.get(key);
    if (v == null || !v.isTextual()) {
      throw new KerasFormatException(what + " has no '" + key + "'");
    }
    return v.asText();
  }

  // ---------------------------------------------------------------- export

  /** The Keras class name of a dp4j layer. */
  static String kerasClassName(Layer layer) {
    if (layer instanceof MaxPool2D) {
      return "MaxPooling2D";
    }
    return layer.getClass().getSimpleName();
  }

  /** Keras 3's {@code naming.to_snake_case}. */
  static String snakeCase(String name) {
    String s = name.replaceAll("\\W+", "");
    s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
    return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  /** Keras 3 {@code config.json} of a model. */
  static ObjectNode toConfig(KerasModel model) {
    ObjectNode root = JSON.objectNode();
    root.put("module", "keras");
    root.put("class_name", "Sequential");
    ObjectNode config = root.putObject("config");
    config.put("name", model.name());
    config.put("trainable", true);
    config.put("dtype", "float32");
    ArrayNode layers = config.putArray("layers");
    ObjectNode input = layers.addObject();
    input.put("module", "keras.layers");
    input.put("class_name", "InputLayer");
    ObjectNode ic = input.putObject("config");
    ic.set("batch_shape", batchShapeJson(model.inputShape()));
    ic.put("dtype", "float32");
    ic.put("sparse", false);
    ic.put("name", "input_layer");
    input.putNull("registered_name");
    long[] shape = model.inputShape();
    List<Layer> list = model.sequential().layers();
    for (int l = 0; l < list.size(); l++) {
      Layer layer = list.get(l);
      ObjectNode entry = layers.addObject();
      entry.put("module", "keras.layers");
      entry.put("class_name", kerasClassName(layer));
      ObjectNode c = entry.putObject("config");
      c.put("name", model.layerNames().get(l));
      c.put("trainable", true);
      c.put("dtype", "float32");
      layerConfig(layer, c, model.layerNames().get(l));
      entry.putNull("registered_name");
      entry.putObject("build_config").set("input_shape", batchShapeJson(shape));
      shape = layer.outputShape(shape);
    }
    config.set("build_input_shape", batchShapeJson(model.inputShape()));
    root.putNull("registered_name");
    root.putObject("build_config").set("input_shape", batchShapeJson(model.inputShape()));
    return root;
  }

  private static ArrayNode batchShapeJson(long[] shape) {
    ArrayNode a = JSON.arrayNode();
    a.addNull();
    for (long d : shape) {
      a.add(d);
    }
    return a;
  }

  private static ArrayNode ints(long... values) {
    ArrayNode a = JSON.arrayNode();
    for (long v : values) {
      a.add(v);
    }
    return a;
  }

  private static ObjectNode initializer(String cls) {
    ObjectNode i = JSON.objectNode();
    i.put("module", "keras.initializers");
    i.put("class_name", cls);
    ObjectNode c = i.putObject("config");
    if (cls.equals("GlorotUniform")) {
      c.putNull("seed");
    } else if (cls.equals("RandomUniform")) {
      c.put("minval", -0.05);
      c.put("maxval", 0.05);
      c.putNull("seed");
    }
    i.putNull("registered_name");
    return i;
  }

  private static void weightOptions(ObjectNode c, String weight, String init) {
    c.set(weight + "_initializer", initializer(init));
    c.putNull(weight + "_regularizer");
  }

  private static String activationName(ActivationFunction f) {
    return f.name().toLowerCase(Locale.ROOT);
  }

  private static String padding(Padding p) {
    return p.name().toLowerCase(Locale.ROOT);
  }

  private static void layerConfig(Layer layer, ObjectNode c, String name) {
    if (layer instanceof Dense d) {
      c.put("units", d.units());
      c.put("activation", activationName(d.activation()));
      c.put("use_bias", d.useBias());
      weightOptions(c, "kernel", "GlorotUniform");
      weightOptions(c, "bias", "Zeros");
      c.putNull("kernel_constraint");
      c.putNull("bias_constraint");
    } else if (layer instanceof Conv2D d) {
      c.put("filters", d.filters());
      c.set("kernel_size", ints(d.kernelHeight(), d.kernelWidth()));
      c.set("strides", ints(d.strideHeight(), d.strideWidth()));
      c.put("padding", padding(d.padding()));
      c.put("data_format", "channels_last");
      c.set("dilation_rate", ints(d.dilationHeight(), d.dilationWidth()));
      c.put("groups", 1);
      c.put("activation", activationName(d.activation()));
      c.put("use_bias", d.useBias());
      weightOptions(c, "kernel", "GlorotUniform");
      weightOptions(c, "bias", "Zeros");
      c.putNull("activity_regularizer");
      c.putNull("kernel_constraint");
      c.putNull("bias_constraint");
    } else if (layer instanceof Conv1D d) {
      c.put("filters", d.filters());
      c.set("kernel_size", ints(d.kernelSize()));
      c.set("strides", ints(d.strides()));
      c.put("padding", padding(d.padding()));
      c.put("data_format", "channels_last");
      c.set("dilation_rate", ints(1));
      c.put("groups", 1);
      c.put("activation", activationName(d.activation()));
      c.put("use_bias", true);
      weightOptions(c, "kernel", "GlorotUniform");
      weightOptions(c, "bias", "Zeros");
      c.putNull("activity_regularizer");
      c.putNull("kernel_constraint");
      c.putNull("bias_constraint");
    } else if (layer instanceof MaxPool2D p) {
      pool(c, p.poolSize(), p.strides(), p.padding());
    } else if (layer instanceof AveragePooling2D p) {
      pool(c, p.poolSize(), p.strides(), p.padding());
    } else if (layer instanceof GlobalAveragePooling2D) {
      c.put("data_format", "channels_last");
      c.put("keepdims", false);
    } else if (layer instanceof Flatten) {
      c.put("data_format", "channels_last");
    } else if (layer instanceof Reshape r) {
      c.set("target_shape", ints(r.targetShape()));
    } else if (layer instanceof LeakyReLU l) {
      c.put("negative_slope", l.negativeSlope());
    } else if (layer instanceof Dropout d) {
      c.put("rate", d.rate());
      c.putNull("seed");
      c.putNull("noise_shape");
    } else if (layer instanceof Embedding e) {
      c.put("input_dim", e.inputDim());
      c.put("output_dim", e.outputDim());
      weightOptions(c, "embeddings", "RandomUniform");
      c.putNull("activity_regularizer");
      c.putNull("embeddings_constraint");
      c.put("mask_zero", false);
    } else if (layer instanceof LayerNormalization n) {
      c.put("axis", -1);
      c.put("epsilon", n.epsilon());
      c.put("center", true);
      c.put("scale", true);
      weightOptions(c, "beta", "Zeros");
      weightOptions(c, "gamma", "Ones");
      c.putNull("beta_constraint");
      c.putNull("gamma_constraint");
    } else if (layer instanceof Activation a) {
      c.put("activation", activationName(a.function()));
    } else if (layer instanceof Permute p) {
      long[] dims = Arrays.stream(p.dims()).asLongStream().toArray();
      c.set("dims", ints(dims));
    } else {
      throw new KerasFormatException(
          "layer " + name + ": dp4j cannot export layers of type " + layer.getClass().getName());
    }
  }

  private static void pool(ObjectNode c, int size, int strides, Padding padding) {
    c.set("pool_size", ints(size, size));
    c.put("padding", padding(padding));
    c.set("strides", ints(strides, strides));
    c.put("data_format", "channels_last");
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
