package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.Permute;
import java.util.Arrays;

/** Keras {@code Permute}: 1-based {@code dims}, batch axis excluded. */
public final class PermuteCodec implements KerasLayerCodec<Permute> {
  @Override
  public String kerasClassName() {
    return "Permute";
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    JsonNode d = c.consume("dims");
    if (d == null || !d.isArray()) {
      throw c.unsupported("dims", String.valueOf(d), "a list is required");
    }
    int[] dims = new int[d.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = d.get(i).asInt();
    }
    layers.add(c.name(), new Permute(dims));
    return NO_WEIGHTS;
  }

  @Override
  public void write(Permute p, ObjectNode c) {
    c.set("dims", KerasValues.ints(Arrays.stream(p.dims()).asLongStream().toArray()));
  }
}
