package io.dp4j.io.keras.codecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.layers.Pooling2D;
import java.util.Arrays;
import java.util.List;

/**
 * Keras {@code MaxPooling2D} and {@code AveragePooling2D} (and their {@code MaxPool2D}/{@code
 * AvgPool2D} aliases): square windows with equal strides, channels last or first.
 *
 * @param <P> the dp4j pooling layer
 */
public final class Pooling2DCodec<P extends Pooling2D> implements KerasLayerCodec<P> {
  /** Makes the dp4j layer from pool size, strides and padding. */
  private interface Factory<P> {
    P make(int poolSize, int strides, Padding padding);
  }

  private final String className;
  private final String alias;
  private final Factory<P> factory;

  private Pooling2DCodec(String className, String alias, Factory<P> factory) {
    this.className = className;
    this.alias = alias;
    this.factory = factory;
  }

  /** Keras {@code MaxPooling2D} as dp4j's {@link MaxPool2D}. */
  public static Pooling2DCodec<MaxPool2D> max() {
    return new Pooling2DCodec<>("MaxPooling2D", "MaxPool2D", MaxPool2D::new);
  }

  /** Keras {@code AveragePooling2D} as dp4j's {@link AveragePooling2D}. */
  public static Pooling2DCodec<AveragePooling2D> average() {
    return new Pooling2DCodec<>("AveragePooling2D", "AvgPool2D", AveragePooling2D::new);
  }

  @Override
  public String kerasClassName() {
    return className;
  }

  @Override
  public List<String> aliases() {
    return List.of(alias);
  }

  @Override
  public int read(LayerConfig c, ImportedLayers layers) {
    int[] p = c.intTuple("pool_size", 2, new int[] {2, 2});
    int[] s = c.intTuple("strides", 2, p);
    if (p[0] != p[1] || s[0] != s[1]) {
      throw c.unsupported(
          "pool_size/strides",
          Arrays.toString(p) + "/" + Arrays.toString(s),
          "dp4j pools with square windows and equal strides only");
    }
    P pool = factory.make(p[0], s[0], c.padding());
    if (c.channelsFirst()) {
      layers.addChannelsFirst(c.name(), pool, 3);
    } else {
      layers.add(c.name(), pool);
    }
    return NO_WEIGHTS;
  }

  @Override
  public void write(P p, ObjectNode c) {
    c.set("pool_size", KerasValues.ints(p.poolSize(), p.poolSize()));
    c.put("padding", KerasValues.paddingName(p.padding()));
    c.set("strides", KerasValues.ints(p.strides(), p.strides()));
    c.put("data_format", "channels_last");
  }
}
