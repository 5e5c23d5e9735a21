package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Padding;
import java.util.List;
import java.util.Map;

/**
 * Keras {@code Conv1D} (Keras 2: {@code Convolution1D}), channels last or first; dp4j's Conv1D has
 * no dilation and always a bias.
 */
public final class Conv1DCodec implements KerasLayerCodec<Conv1D> {
  @Override
  public String kerasClassName() {
    return "Conv1D";
  }

  @Override
  public List<String> aliases() {
    return List.of("Convolution1D");
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of(
        "groups", List.of(LayerConfig.ONE),
        "use_bias", List.of(LayerConfig.TRUE),
        "dilation_rate", List.of(LayerConfig.ONE, KerasValues.ints(1)));
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("kernel", "bias");
    int[] k = c.intTuple("kernel_size", 1, null);
    int[] s = c.intTuple("strides", 1, new int[] {1});
    Padding padding = c.padding();
    Layer conv = new Conv1D(null, c.positiveInt("filters"), k[0], s[0], padding, c.activation());
    return c.channelsFirst()
        ? layers.addChannelsFirst(c.name(), conv, 2)
        : layers.add(c.name(), conv);
  }

  @Override
  public void write(Conv1D d, ObjectNode c) {
    c.put("filters", d.filters());
    c.set("kernel_size", KerasValues.ints(d.kernelSize()));
    c.set("strides", KerasValues.ints(d.strides()));
    c.put("padding", KerasValues.paddingName(d.padding()));
    c.put("data_format", "channels_last");
    c.set("dilation_rate", KerasValues.ints(1));
    c.put("groups", 1);
    c.put("activation", KerasValues.activationName(d.activation()));
    c.put("use_bias", true);
    KerasValues.writeWeight(c, "kernel", "GlorotUniform");
    KerasValues.writeWeight(c, "bias", "Zeros");
    c.putNull("activity_regularizer");
    c.putNull("kernel_constraint");
    c.putNull("bias_constraint");
  }
}
