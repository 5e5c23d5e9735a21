package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Dense;

/** Keras {@code Dense}. */
public final class DenseCodec implements KerasLayerCodec<Dense> {
  @Override
  public String kerasClassName() {
    return "Dense";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("kernel", "bias");
    return layers.add(
        c.name(),
        Dense.builder()
            .setUnits(c.positiveInt("units"))
            .optActivation(c.activation())
            .optUseBias(c.bool("use_bias", true))
            .optName(c.name())
            .build());
  }

  @Override
  public void write(Dense d, ObjectNode c) {
    c.put("units", d.units());
    c.put("activation", KerasValues.activationName(d.activation()));
    c.put("use_bias", d.useBias());
    KerasValues.writeWeight(c, "kernel", "GlorotUniform");
    KerasValues.writeWeight(c, "bias", "Zeros");
    c.putNull("kernel_constraint");
    c.putNull("bias_constraint");
  }
}
