package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Flatten;

/** Keras {@code Flatten}; channels-first input is moved to channels last first. */
public final class FlattenCodec implements KerasLayerCodec<Flatten> {
  @Override
  public String kerasClassName() {
    return "Flatten";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    int rank = layers.shape().length;
    if (c.channelsFirst() && rank >= 2) {
      layers.toChannelsLast(c.name(), rank);
    }
    layers.add(c.name(), new Flatten());
    return NO_WEIGHTS;
  }

  @Override
  public void write(Flatten layer, ObjectNode c) {
    c.put("data_format", "channels_last");
  }
}
