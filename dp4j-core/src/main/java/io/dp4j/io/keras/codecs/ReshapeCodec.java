package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Reshape;

/** Keras {@code Reshape}; a -1 in {@code target_shape} is resolved from the input shape. */
public final class ReshapeCodec implements KerasLayerCodec<Reshape> {
  @Override
  public String kerasClassName() {
    return "Reshape";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    JsonNode t = c.consume("target_shape");
    if (t == null || !t.isArray()) {
      throw c.unsupported("target_shape", String.valueOf(t), "a list of sizes is required");
    }
    long[] target = new long[t.size()];
    for (int i = 0; i < target.length; i++) {
      target[i] = t.get(i).asLong();
      if (target[i] == -1) {
        long known = 1;
        for (int j = 0; j < t.size(); j++) {
          known *= j == i ? 1 : t.get(j).asLong();
        }
        target[i] = KerasValues.size(layers.shape()) / known;
      }
    }
    layers.add(c.name(), new Reshape(target));
    return NO_WEIGHTS;
  }

  @Override
  public void write(Reshape r, ObjectNode c) {
    c.set("target_shape", KerasValues.ints(r.targetShape()));
  }
}
