package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Dropout;
import java.util.List;
import java.util.Map;

/** Keras {@code Dropout}. */
public final class DropoutCodec implements KerasLayerCodec<Dropout> {
  @Override
  public String kerasClassName() {
    return "Dropout";
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of("noise_shape", List.of(LayerConfig.NULL));
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.consume("seed"); // only the training-time mask depends on it
    layers.add(c.name(), new Dropout(c.number("rate")));
    return NO_WEIGHTS;
  }

  @Override
  public void write(Dropout d, ObjectNode c) {
    c.put("rate", d.rate());
    c.putNull("seed");
    c.putNull("noise_shape");
  }
}
