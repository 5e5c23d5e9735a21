package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Padding;
import java.util.List;
import java.util.Map;

/** Keras {@code Conv2D} (Keras 2: {@code Convolution2D}), channels last or first, dilated. */
public final class Conv2DCodec implements KerasLayerCodec<Conv2D> {
  @Override
  public String kerasClassName() {
    return "Conv2D";
  }

  @Override
  public List<String> aliases() {
    return List.of("Convolution2D");
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of("groups", List.of(LayerConfig.ONE));
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("kernel", "bias");
    int[] k = c.intTuple("kernel_size", 2, null);
    int[] s = c.intTuple("strides", 2, new int[] {1, 1});
    int[] dilation = c.intTuple("dilation_rate", 2, new int[] {1, 1});
    Padding padding = c.padding();
    ActivationFunction activation = c.activation();
    boolean useBias = c.bool("use_bias", true);
    int filters = c.positiveInt("filters");
    Layer conv =
        Conv2D.builder()
            .setFilters(filters)
            .setKernelSize(k[0], k[1])
            .optStrides(s[0], s[1])
            .optDilationRate(dilation[0], dilation[1])
            .optPadding(padding)
            .optActivation(activation)
            .optUseBias(useBias)
            .optName(c.name())
            .build();
    return c.channelsFirst()
        ? layers.addChannelsFirst(c.name(), conv, 3)
        : layers.add(c.name(), conv);
  }

  /**
   * @throws KerasFormatException if the layer standardizes its kernel: Keras' Conv2D has no such
   *     option, and a file without it would not compute what the model computes
   */
  @Override
  public void write(Conv2D d, ObjectNode c) {
    if (d.weightStandardization()) {
      throw new KerasFormatException(
          "layer "
              + c.path("name").asText()
              + " (Conv2D): option weightStandardization is dp4j-only and cannot be exported:"
              + " Keras' Conv2D has no weight standardization, so the file would not compute what"
              + " the model computes");
    }
    c.put("filters", d.filters());
    c.set("kernel_size", KerasValues.ints(d.kernelHeight(), d.kernelWidth()));
    c.set("strides", KerasValues.ints(d.strideHeight(), d.strideWidth()));
    c.put("padding", KerasValues.paddingName(d.padding()));
    c.put("data_format", "channels_last");
    c.set("dilation_rate", KerasValues.ints(d.dilationHeight(), d.dilationWidth()));
    c.put("groups", 1);
    c.put("activation", KerasValues.activationName(d.activation()));
    c.put("use_bias", d.useBias());
    KerasValues.writeWeight(c, "kernel", "GlorotUniform");
    KerasValues.writeWeight(c, "bias", "Zeros");
    c.putNull("activity_regularizer");
    c.putNull("kernel_constraint");
    c.putNull("bias_constraint");
  }
}
