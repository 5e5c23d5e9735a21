package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.nn.layers.LeakyReLU;

/** Keras {@code LeakyReLU}: {@code negative_slope} (Keras 3) or {@code alpha} (tf.keras 2). */
public final class LeakyReLUCodec implements KerasLayerCodec<LeakyReLU> {
  @Override
  public String kerasClassName() {
    return "LeakyReLU";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    // both default to 0.3
    JsonNode slope = c.consume("negative_slope");
    JsonNode alpha = c.consume("alpha");
    JsonNode v = slope != null && !slope.isNull() ? slope : alpha;
    if (v != null && !v.isNull() && !v.isNumber()) {
      throw new KerasFormatException(
          "layer " + c.name() + " (LeakyReLU) needs a number negative_slope, got " + v);
    }
    float s = v == null || v.isNull() ? LeakyReLU.DEFAULT_NEGATIVE_SLOPE : (float) v.asDouble();
    layers.add(c.name(), new LeakyReLU(s));
    return NO_WEIGHTS;
  }

  @Override
  public void write(LeakyReLU l, ObjectNode c) {
    c.put("negative_slope", l.negativeSlope());
  }
}
