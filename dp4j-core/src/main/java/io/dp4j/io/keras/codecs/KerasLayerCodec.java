package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Layer;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the Keras config of one layer kind. Registered in a {@link KerasCodecRegistry}
 * under its dp4j layer class (export) and its Keras class names (import).
 *
 * @param <L> the dp4j layer it writes
 */
public interface KerasLayerCodec<L extends Layer> {
  /** What {@link #read} returns for a Keras layer without weights. */
  int NO_WEIGHTS = -1;

  /** The Keras class name, written on export and read on import. */
  String kerasClassName();

  /** Other Keras class names read as this layer (Keras 2 aliases such as {@code Convolution2D}). */
  default List<String> aliases() {
    return List.of();
  }

  /**
   * Options of this layer that dp4j does not implement, with the values at which they do nothing;
   * options any layer may carry are in {@link LayerConfig#ANY_LAYER}. An option read by {@link
   * #read} or listed in neither is refused at any value it does not implement.
   */
  default Map<String, List<JsonNode>> offValues() {
    return Map.of();
  }

  /**
   * Reads {@code config} (everything but the common name, trainable, dtype and input shape) and
   * adds the dp4j layers that run it to {@code layers}, named {@code config.name()}.
   *
   * @return the index (from {@link ImportedLayers#add}) of the dp4j layer that holds the Keras
   *     layer's weights, or {@link #NO_WEIGHTS}
   * @throws io.dp4j.io.keras.KerasFormatException naming the layer and option it cannot run
   */
  int read(LayerConfig config, ImportedLayers layers);

  /**
   * Writes {@code layer}'s options into {@code config} as Keras 3 writes them (the caller has
   * written name, trainable and dtype).
   */
  void write(L layer, ObjectNode config);
}
