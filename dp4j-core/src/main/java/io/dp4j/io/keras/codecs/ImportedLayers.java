package io.dp4j.io.keras.codecs;

import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.io.keras.Permute;
import io.dp4j.nn.layers.Layer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The dp4j layers of a model being imported, and the shape flowing out of the last one: a codec
 * adds the layers that run one Keras layer (usually one; more when a {@code channels_first} layer
 * is wrapped in {@link Permute}s).
 */
public final class ImportedLayers {
  private final List<Layer> layers = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private long[] shape;

  /**
   * @param inputShape the model's input shape per example
   */
  public ImportedLayers(long[] inputShape) {
    this.shape = inputShape.clone();
  }

  /** The shape of one example entering the next layer. */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of layers added so far (the index the next one gets). */
  public int size() {
    return layers.size();
  }

  /** The layers, in order. */
  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  /** The layers' names, in order. */
  public List<String> names() {
    return Collections.unmodifiableList(names);
  }

  /**
   * Adds {@code layer} named {@code name}.
   *
   * @return its index
   * @throws KerasFormatException naming the layer if it cannot take the current shape
   */
  public int add(String name, Layer layer) {
    try {
      shape = layer.outputShape(shape);
    } catch (IllegalArgumentException e) {
      throw new KerasFormatException("layer " + name + ": " + e.getMessage(), e);
    }
    layers.add(layer);
    names.add(name);
    return layers.size() - 1;
  }

  /**
   * Runs a channels-last {@code layer} on channels-first data of the given rank, between {@link
   * Permute}s named {@code <name>_to_channels_last} and {@code <name>_to_channels_first}.
   *
   * @return the index of {@code layer}
   */
  public int addChannelsFirst(String name, Layer layer, int rank) {
    toChannelsLast(name, rank);
    int index = add(name, layer);
    add(name + "_to_channels_first", new Permute(toFirst(rank)));
    return index;
  }

  /** Adds a {@link Permute} named {@code <name>_to_channels_last} moving axis 1 last. */
  public void toChannelsLast(String name, int rank) {
    add(name + "_to_channels_last", new Permute(toLast(rank)));
  }

  /** 1-based dims moving axis 1 last: (2, 3, ..., 1). */
  static int[] toLast(int rank) {
    int[] d = new int[rank];
    for (int i = 0; i < rank - 1; i++) {
      d[i] = i + 2;
    }
    d[rank - 1] = 1;
    return d;
  }

  /** 1-based dims moving the last axis first: (n, 1, 2, ...). */
  static int[] toFirst(int rank) {
    int[] d = new int[rank];
    d[0] = rank;
    for (int i = 1; i < rank; i++) {
      d[i] = i;
    }
    return d;
  }
}
