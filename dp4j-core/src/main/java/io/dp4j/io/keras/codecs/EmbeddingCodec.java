package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Embedding;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Keras {@code Embedding}; a tf.keras 2 {@code input_length} must match the input shape. */
public final class EmbeddingCodec implements KerasLayerCodec<Embedding> {
  @Override
  public String kerasClassName() {
    return "Embedding";
  }

  @Override
  public Map<String, List<JsonNode>> offValues() {
    return Map.of("mask_zero", LayerConfig.UNSET, "sparse", LayerConfig.UNSET);
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    c.initializers("embeddings");
    long[] shape = layers.shape();
    JsonNode length = c.consume("input_length");
    if (length != null && !length.isNull() && length.asLong() != shape[shape.length - 1]) {
      throw c.unsupported(
          "input_length",
          length.asText(),
          "it contradicts the input shape " + Arrays.toString(shape));
    }
    return layers.add(
        c.name(), new Embedding(c.positiveInt("input_dim"), c.positiveInt("output_dim")));
  }

  @Override
  public void write(Embedding e, ObjectNode c) {
    c.put("input_dim", e.inputDim());
    c.put("output_dim", e.outputDim());
    KerasValues.writeWeight(c, "embeddings", "RandomUniform");
    c.putNull("activity_regularizer");
    c.putNull("embeddings_constraint");
    c.put("mask_zero", false);
  }
}
