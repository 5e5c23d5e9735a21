package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.GroupNormalization;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.LayerNormalization;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Maps layer types to their {@link ClippingRule}s (TF Privacy's {@code LayerRegistry}). A lookup
 * walks up the layer's class hierarchy, so a rule registered for a base class covers subclasses.
 * Register rules for your own layers with {@link #register}.
 */
public final class ClippingRegistry {
  private final Map<Class<? extends Layer>, ClippingRule<?>> rules = new LinkedHashMap<>();

  /** An empty registry. */
  public ClippingRegistry() {}

  /**
   * A new registry with the rules dp4j ships: {@link Dense}, {@link Conv2D}, {@link Conv1D}, {@link
   * Embedding}, {@link LayerNormalization} and {@link GroupNormalization}; the convolutions take
   * their norms from dp4j's native op when it is loaded ({@link NativeConvNorms}).
   */
  public static ClippingRegistry defaults() {
    return defaults(NativeConvNorms.available());
  }

  /**
   * As {@link #defaults()}, choosing whether the convolution rules use {@link NativeConvNorms}
   * (which must then be available) or TensorFlow ops only.
   */
  public static ClippingRegistry defaults(boolean nativeConvNorms) {
    return new ClippingRegistry()
        .register(Dense.class, new DenseClippingRule())
        .register(Conv2D.class, new Conv2DClippingRule(nativeConvNorms))
        .register(Conv1D.class, new Conv1DClippingRule(nativeConvNorms))
        .register(Embedding.class, new EmbeddingClippingRule())
        .register(LayerNormalization.class, new LayerNormalizationClippingRule())
        .register(GroupNormalization.class, new GroupNormalizationClippingRule());
  }

  /** Adds or replaces the rule for {@code type}. */
  public <L extends Layer> ClippingRegistry register(Class<L> type, ClippingRule<? super L> rule) {
    rules.put(type, rule);
    return this;
  }

  /** The rule for {@code layer}'s class or its nearest registered superclass. */
  @SuppressWarnings("unchecked")
  public <L extends Layer> Optional<ClippingRule<L>> ruleFor(L layer) {
    Class<?> type = layer.getClass();
    while (type != null && Layer.class.isAssignableFrom(type)) {
      ClippingRule<?> rule = rules.get(type);
      if (rule != null) {
        return Optional.of((ClippingRule<L>) rule);
      }
      type = type.getSuperclass();
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "ClippingRegistry" + rules.keySet().stream().map(Class::getSimpleName).toList();
  }

  /** A copy of this registry. */
  public ClippingRegistry copy() {
    ClippingRegistry copy = new ClippingRegistry();
    copy.rules.putAll(rules);
    return copy;
  }
}
