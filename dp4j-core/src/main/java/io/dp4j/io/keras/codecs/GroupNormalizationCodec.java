package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.GroupNormalization;

/**
 * Keras 3 {@code GroupNormalization} over the last axis, with gamma (if {@code scale}) and beta (if
 * {@code center}), in that order as Keras stores them.
 */
public final class GroupNormalizationCodec implements KerasLayerCodec<GroupNormalization> {
  /** Keras' default {@code groups}. */
  private static final int DEFAULT_GROUPS = 32;

  /** Keras' default {@code epsilon}. */
  private static final float DEFAULT_EPSILON = 1e-3f;

  @Override
  public String kerasClassName() {
    return "GroupNormalization";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("gamma", "beta");
    int rank = layers.shape().length;
    JsonNode axis = c.consume("axis");
    if (axis != null && !(axis.isInt() && (axis.asInt() == -1 || axis.asInt() == rank))) {
      throw c.unsupported("axis", axis.toString(), "dp4j normalizes groups of the last axis");
    }
    JsonNode groups = c.consume("groups");
    if (groups != null && !groups.isInt()) {
      throw c.needs("an integer groups", groups);
    }
    JsonNode eps = c.consume("epsilon");
    return layers.add(
        c.name(),
        GroupNormalization.builder()
            .setGroups(groups == null ? DEFAULT_GROUPS : groups.asInt())
            .optEpsilon(eps == null ? DEFAULT_EPSILON : (float) eps.asDouble())
            .optCenter(c.bool("center", true))
            .optScale(c.bool("scale", true))
            .optName(c.name())
            .build());
  }

  @Override
  public void write(GroupNormalization n, ObjectNode c) {
    c.put("groups", n.groups());
    c.put("axis", -1);
    c.put("epsilon", n.epsilon());
    c.put("center", n.center());
    c.put("scale", n.scale());
    KerasValues.writeWeight(c, "beta", "Zeros");
    KerasValues.writeWeight(c, "gamma", "Ones");
    c.putNull("beta_constraint");
    c.putNull("gamma_constraint");
  }
}
