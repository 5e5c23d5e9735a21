package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.GlobalAveragePooling2D;
import java.util.List;
import java.util.Map;

/** Keras {@code GlobalAveragePooling2D} (alias {@code GlobalAvgPool2D}), channels last or first. */
public final class GlobalAveragePooling2DCodec implements KerasLayerCodec<GlobalAveragePooling2D> {
  @Override
  public String kerasClassName() {
    return "GlobalAveragePooling2D";
  }

  @Override
  public List<String> aliases() {
    return List.of("GlobalAvgPool2D");
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of("keepdims", LayerConfig.UNSET);
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    if (c.channelsFirst()) {
      layers.toChannelsLast(c.name(), 3);
    }
    layers.add(c.name(), new GlobalAveragePooling2D());
    return NO_WEIGHTS;
  }

  @Override
  public void write(GlobalAveragePooling2D layer, ObjectNode c) {
    c.put("data_format", "channels_last");
    c.put("keepdims", false);
  }
}
