package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.LayerNormalization;
import java.util.List;
import java.util.Map;

/** Keras {@code LayerNormalization} over the last axis, with gamma and beta. */
public final class LayerNormalizationCodec implements KerasLayerCodec<LayerNormalization> {
  /** Keras' default {@code epsilon}. */
  private static final float DEFAULT_EPSILON = 1e-3f;

  @Override
  public String kerasClassName() {
    return "LayerNormalization";
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of(
        "center", List.of(LayerConfig.TRUE),
        "scale", List.of(LayerConfig.TRUE),
        "rms_scaling", LayerConfig.UNSET);
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("gamma", "beta");
    int rank = layers.shape().length;
    JsonNode axis = c.consume("axis");
    boolean lastAxis =
        axis == null
            || (axis.isInt() && (axis.asInt() == -1 || axis.asInt() == rank))
            || (axis.isArray()
                && axis.size() == 1
                && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == rank));
    if (!lastAxis) {
      throw c.unsupported("axis", axis.toString(), "dp4j normalizes over the last axis");
    }
    JsonNode eps = c.consume("epsilon");
    float epsilon = eps == null ? DEFAULT_EPSILON : (float) eps.asDouble();
    return layers.add(c.name(), new LayerNormalization(epsilon));
  }

  @Override
  public void write(LayerNormalization n, ObjectNode c) {
    c.put("axis", -1);
    c.put("epsilon", n.epsilon());
    c.put("center", true);
    c.put("scale", true);
    KerasValues.writeWeight(c, "beta", "Zeros");
    KerasValues.writeWeight(c, "gamma", "Ones");
    c.putNull("beta_constraint");
    c.putNull("gamma_constraint");
  }
}
