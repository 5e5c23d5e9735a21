package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasFormatException;
import java.util.List;
import java.util.Map;

/** Keras {@code InputLayer}: not a dp4j layer, but the model's input shape. It must come first. */
public final class InputLayerCodec {
  /** Its Keras class name. */
  public static final String CLASS_NAME = "InputLayer";

  private static final Map<String, List<JsonNode>> OFF_VALUES =
      Map.of(
          "sparse", LayerConfig.UNSET,
          "ragged", LayerConfig.UNSET,
          "optional", LayerConfig.UNSET);

  private InputLayerCodec() {}

  /** The input shape per example that the InputLayer declares. */
  public static long[] read(LayerConfig c) {
    long[] shape = c.inputShape();
    if (shape == null) {
      throw new KerasFormatException("InputLayer " + c.name() + " declares no shape");
    }
    c.consume("input_tensor");
    c.finish(OFF_VALUES);
    return shape;
  }

  /** The InputLayer entry of a Keras 3 Sequential config, for examples of shape {@code shape}. */
  public static ObjectNode write(long[] shape) {
    ObjectNode input = KerasValues.JSON.objectNode();
    input.put("module", "keras.layers");
    input.put("class_name", CLASS_NAME);
    ObjectNode ic = input.putObject("config");
    ic.set("batch_shape", KerasValues.batchShapeJson(shape));
    ic.put("dtype", "float32");
    ic.put("sparse", false);
    ic.put("name", "input_layer");
    input.putNull("registered_name");
    return input;
  }
}
