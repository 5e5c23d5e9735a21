package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Padding;
import java.util.Locale;

/**
 * The Keras spellings every codec shares, in both directions: activation names, padding, weight
 * initializers, integer tuples and shapes.
 */
public final class KerasValues {
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private KerasValues() {}

  /** The dp4j activation of a Keras activation name. */
  static ActivationFunction activation(String keras, LayerConfig config) {
    return switch (keras) {
      case "relu" -> ActivationFunction.RELU;
      case "tanh" -> ActivationFunction.TANH;
      case "sigmoid" -> ActivationFunction.SIGMOID;
      case "softmax" -> ActivationFunction.SOFTMAX;
      case "linear" -> ActivationFunction.LINEAR;
      case "gelu" -> ActivationFunction.GELU;
      case "elu" -> ActivationFunction.ELU;
      case "leaky_relu" -> ActivationFunction.LEAKY_RELU;
      default ->
          throw config.unsupported(
              "activation",
              keras,
              "dp4j has relu, tanh, sigmoid, softmax, linear, gelu, elu and leaky_relu");
    };
  }

  /** The Keras name of a dp4j activation. */
  public static String activationName(ActivationFunction f) {
    return f.name().toLowerCase(Locale.ROOT);
  }

  /** The dp4j padding of a Keras padding name. */
  static Padding padding(String keras, LayerConfig config) {
    return switch (keras) {
      case "valid" -> Padding.VALID;
      case "same" -> Padding.SAME;
      default -> throw config.unsupported("padding", keras, "valid or same only");
    };
  }

  /** The Keras name of a dp4j padding. */
  public static String paddingName(Padding p) {
    return p.name().toLowerCase(Locale.ROOT);
  }

  /** A Keras 3 initializer object of class {@code cls}, as Keras writes its default one. */
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

  /** Writes {@code <weight>_initializer} and a null {@code <weight>_regularizer}. */
  public static void writeWeight(ObjectNode config, String weight, String initializer) {
    config.set(weight + "_initializer", initializer(initializer));
    config.putNull(weight + "_regularizer");
  }

  /** A JSON list of integers. */
  public static ArrayNode ints(long... values) {
    ArrayNode a = JSON.arrayNode();
    for (long v : values) {
      a.add(v);
    }
    return a;
  }

  /** A Keras batch shape: {@code [null, shape...]}. */
  public static ArrayNode batchShapeJson(long[] shape) {
    ArrayNode a = JSON.arrayNode();
    a.addNull();
    for (long d : shape) {
      a.add(d);
    }
    return a;
  }

  /**
   * A Keras batch shape ({@code [null, d1, ...]}) without its batch axis.
   *
   * @param what names the shape in errors
   */
  public static long[] batchShape(JsonNode s, String what) {
    if (!s.isArray() || s.size() < 2) {
      throw new KerasFormatException(what + " must list the batch axis and at least one more");
    }
    long[] out = new long[s.size() - 1];
    for (int i = 1; i < s.size(); i++) {
      out[i - 1] = dimension(s.get(i), what);
    }
    return out;
  }

  /** A fixed positive dimension of a shape. */
  static long dimension(JsonNode d, String what) {
    if (d == null || !d.isIntegralNumber() || d.asLong() <= 0) {
      throw new KerasFormatException(
          what + ": dimension " + d + " is not supported (dp4j needs fixed positive sizes)");
    }
    return d.asLong();
  }

  /** The number of elements of a shape. */
  static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
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
