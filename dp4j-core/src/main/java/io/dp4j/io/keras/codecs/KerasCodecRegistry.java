package io.dp4j.io.keras.codecs;

import io.dp4j.io.keras.Permute;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GlobalAveragePooling2D;
import io.dp4j.nn.layers.GroupNormalization;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.LeakyReLU;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Reshape;
import io.dp4j.nn.layers.Scattering2D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps dp4j layer types (export) and Keras class names (import) to their {@link KerasLayerCodec}s,
 * as {@link io.dp4j.privacy.clipping.ClippingRegistry} maps layer types to clipping rules. It also
 * holds the Keras layers dp4j refuses on purpose, with the reason (BatchNormalization), and the
 * dp4j layers Keras has no counterpart for (Scattering2D).
 */
public final class KerasCodecRegistry {
  private final Map<Class<? extends Layer>, KerasLayerCodec<?>> byType = new LinkedHashMap<>();
  private final Map<String, KerasLayerCodec<?>> byClassName = new LinkedHashMap<>();
  private final Map<String, String> refused = new LinkedHashMap<>();
  private final Map<Class<? extends Layer>, String> notExported = new LinkedHashMap<>();

  /** An empty registry. */
  public KerasCodecRegistry() {}

  /**
   * A new registry with the codecs dp4j ships, and BatchNormalization refused because it mixes
   * examples ({@link Layer#MIXES_EXAMPLES}).
   */
  public static KerasCodecRegistry defaults() {
    return new KerasCodecRegistry()
        .register(Dense.class, new DenseCodec())
        .register(Conv1D.class, new Conv1DCodec())
        .register(Conv2D.class, new Conv2DCodec())
        .register(MaxPool2D.class, Pooling2DCodec.max())
        .register(AveragePooling2D.class, Pooling2DCodec.average())
        .register(GlobalAveragePooling2D.class, new GlobalAveragePooling2DCodec())
        .register(Flatten.class, new FlattenCodec())
        .register(Reshape.class, new ReshapeCodec())
        .register(Dropout.class, new DropoutCodec())
        .register(Embedding.class, new EmbeddingCodec())
        .register(LayerNormalization.class, new LayerNormalizationCodec())
        .register(GroupNormalization.class, new GroupNormalizationCodec())
        .register(LeakyReLU.class, new LeakyReLUCodec())
        .register(Activation.class, new ActivationCodec())
        .register(Permute.class, new PermuteCodec())
        .refuse("BatchNormalization", Layer.MIXES_EXAMPLES)
        .refuse("SyncBatchNormalization", Layer.MIXES_EXAMPLES)
        .refuseExport(Scattering2D.class, SCATTERING_NOT_IN_KERAS);
  }

  /** Why a model holding a Scattering2D cannot be written as a Keras model, and what to do. */
  static final String SCATTERING_NOT_IN_KERAS =
      "Keras has no scattering transform layer (Scattering2D is dp4j's, after Kymatio), so Keras"
          + " could not load the file; export the model as a TensorFlow SavedModel"
          + " (ModelIO.exportSavedModel), or export the layers after the Scattering2D as their own"
          + " model and compute its features with dp4j or Kymatio";

  /** Adds or replaces the codec for {@code type}, and for its Keras class name and aliases. */
  public <L extends Layer> KerasCodecRegistry register(Class<L> type, KerasLayerCodec<L> codec) {
    byType.put(type, codec);
    byClassName.put(codec.kerasClassName(), codec);
    codec.aliases().forEach(alias -> byClassName.put(alias, codec));
    return this;
  }

  /**
   * Refuses Keras layers of class {@code kerasClassName} with {@code why}, which completes "layer
   * NAME: Keras layer class 'CLASS' ...".
   */
  public KerasCodecRegistry refuse(String kerasClassName, String why) {
    refused.put(kerasClassName, why);
    return this;
  }

  /**
   * Refuses to write layers of {@code type} (a dp4j layer Keras has no counterpart for) with {@code
   * why}, which completes "layer NAME (TYPE) cannot be exported to Keras: ...".
   */
  public KerasCodecRegistry refuseExport(Class<? extends Layer> type, String why) {
    notExported.put(type, why);
    return this;
  }

  /** Why layers like {@code layer} cannot be written to Keras, if they are refused on purpose. */
  public Optional<String> exportRefusal(Layer layer) {
    return Optional.ofNullable(notExported.get(layer.getClass()));
  }

  /** The codec that reads Keras layers of class {@code kerasClassName}. */
  public Optional<KerasLayerCodec<?>> forClassName(String kerasClassName) {
    return Optional.ofNullable(byClassName.get(kerasClassName));
  }

  /**
   * Why dp4j refuses Keras layers of class {@code kerasClassName}, if it refuses them on purpose.
   */
  public Optional<String> refusal(String kerasClassName) {
    return Optional.ofNullable(refused.get(kerasClassName));
  }

  /** The codec that writes {@code layer}: its class's, or its nearest registered superclass's. */
  @SuppressWarnings("unchecked")
  public <L extends Layer> Optional<KerasLayerCodec<L>> forLayer(L layer) {
    Class<?> type = layer.getClass();
    while (type != null && Layer.class.isAssignableFrom(type)) {
      KerasLayerCodec<?> codec = byType.get(type);
      if (codec != null) {
        return Optional.of((KerasLayerCodec<L>) codec);
      }
      type = type.getSuperclass();
    }
    return Optional.empty();
  }

  /** The Keras class name of {@code layer}: its codec's, else its Java class's simple name. */
  public String kerasClassName(Layer layer) {
    return forLayer(layer)
        .map(KerasLayerCodec::kerasClassName)
        .orElse(layer.getClass().getSimpleName());
  }

  /** The Keras class names written on export, in the order registered. */
  public List<String> classNames() {
    List<String> names = new ArrayList<>();
    byType.values().forEach(codec -> names.add(codec.kerasClassName()));
    return names;
  }

  @Override
  public String toString() {
    return "KerasCodecRegistry" + classNames();
  }
}
