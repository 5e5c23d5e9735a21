package io.dp4j.io.keras.codecs;

import static io.dp4j.io.keras.codecs.KerasValues.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Padding;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Keras layer config being imported. A codec reads the options it implements through this
 * class; when it is done, {@link #finish} checks every option it did not read against the values at
 * which that option does nothing (the codec's {@link KerasLayerCodec#offValues()}, then {@link
 * #ANY_LAYER}), so that no option is ever silently dropped: the import fails naming the layer, the
 * option and its value.
 */
public final class LayerConfig {
  private static final Logger LOG = LoggerFactory.getLogger(LayerConfig.class);

  /** JSON null. */
  public static final JsonNode NULL = JSON.nullNode();

  /** JSON true. */
  public static final JsonNode TRUE = JSON.booleanNode(true);

  /** The number 1. */
  public static final JsonNode ONE = JSON.numberNode(1);

  /** A flag Keras tests for truth: null is as false as false. */
  public static final List<JsonNode> UNSET = List.of(JSON.booleanNode(false), NULL);

  /**
   * Options any layer may carry, with the values at which they do nothing (read from the layer
   * sources of Keras 3.15.1 and tf.keras 2). Regularizers and constraints are listed because dp4j
   * trains imported models: dropping one would change the training.
   */
  public static final Map<String, List<JsonNode>> ANY_LAYER =
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

  private static final Set<String> COMMON = Set.of("name", "trainable", "dtype", "batch_size");
  private final String cls;
  private final String name;
  private final JsonNode config;
  private final Set<String> used = new HashSet<>();

  /**
   * @param cls the Keras class name
   * @param name the layer's name
   * @param config the layer's {@code config} object
   * @throws KerasFormatException if the layer computes in another dtype than float32
   */
  public LayerConfig(String cls, String name, JsonNode config) {
    this.cls = cls;
    this.name = name;
    this.config = config;
    used.addAll(COMMON);
    requireFloat32();
  }

  private void requireFloat32() {
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

  /** The Keras class name. */
  public String className() {
    return cls;
  }

  /**
   * Whether the layer trains: Keras' {@code "trainable"}, true when absent or null. A frozen layer
   * keeps its weights through dp4j training ({@link io.dp4j.nn.layers.Layer#setTrainable}).
   */
  public boolean trainable() {
    JsonNode trainable = config.get("trainable");
    return trainable == null || trainable.isNull() || trainable.asBoolean();
  }

  /** The layer's name. */
  public String name() {
    return name;
  }

  /** Reads option {@code key}: null if absent. */
  public JsonNode consume(String key) {
    used.add(key);
    return config.get(key);
  }

  /** The error for an option value dp4j cannot run. */
  public KerasFormatException unsupported(String option, String value, String why) {
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

  /** The error for a missing or mistyped required option. */
  public KerasFormatException needs(String what, Object got) {
    return new KerasFormatException(
        "layer " + name + " (" + cls + ") needs " + what + (got == null ? "" : ", got " + got));
  }

  /** An int or a list of {@code rank} ints, each > 0; {@code defaultValue} if absent or null. */
  public int[] intTuple(String key, int rank, int[] defaultValue) {
    JsonNode v = consume(key);
    if (v == null || v.isNull()) {
      if (defaultValue == null) {
        throw new KerasFormatException("layer " + name + " (" + cls + ") needs " + key);
      }
      return defaultValue;
    }
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

  /** A required positive integer. */
  public int positiveInt(String key) {
    JsonNode v = consume(key);
    if (v == null || !v.isIntegralNumber() || v.asInt() <= 0) {
      throw needs("a positive integer " + key, String.valueOf(v));
    }
    return v.asInt();
  }

  /** A required number. */
  public double number(String key) {
    JsonNode v = consume(key);
    if (v == null || !v.isNumber()) {
      throw needs("a number " + key, String.valueOf(v));
    }
    return v.asDouble();
  }

  /** A Keras flag: absent is its default; null is false, as Keras tests it for truth. */
  public boolean bool(String key, boolean defaultValue) {
    JsonNode v = consume(key);
    return v == null ? defaultValue : v.asBoolean(false);
  }

  /** {@code padding}: valid (the default) or same. */
  public Padding padding() {
    JsonNode v = consume("padding");
    return v == null ? Padding.VALID : KerasValues.padding(v.asText(), this);
  }

  /** {@code activation}: a name or a serialized activation object; linear if absent or null. */
  public ActivationFunction activation() {
    JsonNode v = consume("activation");
    if (v == null || v.isNull()) {
      return ActivationFunction.LINEAR;
    }
    String a =
        v.isObject()
            ? v.path("config").path("name").asText(v.path("class_name").asText())
            : v.asText();
    return KerasValues.activation(a, this);
  }

  /**
   * {@code data_format}: true for channels_first (the codec then runs dp4j's channels-last layer
   * between {@link io.dp4j.io.keras.Permute}s), false for channels_last or absent.
   */
  public boolean channelsFirst() {
    JsonNode f = consume("data_format");
    if (f == null || f.isNull() || f.asText().equals("channels_last")) {
      return false;
    }
    if (f.asText().equals("channels_first")) {
      LOG.debug("layer {} is channels_first: wrapped in Permute layers", name);
      return true;
    }
    throw unsupported("data_format", f.asText(), "channels_last or channels_first");
  }

  /**
   * The weights' {@code <weight>_initializer}s: one dp4j does not implement is logged, not refused,
   * since it only decides fresh weights and a file's weights are used as they are.
   */
  public void initializers(String... weights) {
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

  /**
   * The input shape declared on the layer ({@code batch_input_shape}, {@code batch_shape}, {@code
   * input_shape}, or {@code input_dim} on layers other than Embedding), without the batch axis;
   * null if none.
   */
  public long[] inputShape() {
    JsonNode s = consume("batch_input_shape");
    String key = "batch_input_shape";
    if (s == null || s.isNull()) {
      s = consume("batch_shape");
      key = "batch_shape";
    }
    if (s != null && !s.isNull()) {
      return KerasValues.batchShape(s, "layer " + name + " " + key);
    }
    JsonNode plain = consume("input_shape");
    if (plain != null && !plain.isNull()) {
      long[] out = new long[plain.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = KerasValues.dimension(plain.get(i), "layer " + name + " input_shape");
      }
      return out;
    }
    if (config.hasNonNull("input_dim") && !cls.equals("Embedding")) {
      used.add("input_dim");
      return new long[] {config.get("input_dim").asLong()};
    }
    return null;
  }

  /**
   * Checks every option not read against {@code offValues} (the codec's), then {@link #ANY_LAYER}:
   * an option at a value that does nothing is accepted and logged at debug level; any other value,
   * or an option listed nowhere, fails the import.
   */
  public void finish(Map<String, List<JsonNode>> offValues) {
    Iterator<String> keys = config.fieldNames();
    while (keys.hasNext()) {
      String key = keys.next();
      if (used.contains(key)) {
        continue;
      }
      JsonNode value = config.get(key);
      List<JsonNode> off = offValues.get(key);
      if (off == null) {
        off = ANY_LAYER.getOrDefault(key, List.of());
      }
      if (off.isEmpty()) {
        throw unsupported(key, value.toString(), "dp4j does not implement it");
      }
      if (off.stream().noneMatch(o -> KerasValues.same(o, value))) {
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
