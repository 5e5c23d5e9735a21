package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Activation;

/** Keras {@code Activation}. */
public final class ActivationCodec implements KerasLayerCodec<Activation> {
  @Override
  public String kerasClassName() {
    return "Activation";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    layers.add(c.name(), new Activation(c.activation()));
    return NO_WEIGHTS;
  }

  @Override
  public void write(Activation a, ObjectNode c) {
    c.put("activation", KerasValues.activationName(a.function()));
  }
}
