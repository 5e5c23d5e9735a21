/**
 * Keras layer codecs: one {@link io.dp4j.io.keras.codecs.KerasLayerCodec} per layer kind reads and
 * writes that layer's Keras config, and {@link io.dp4j.io.keras.codecs.KerasCodecRegistry} maps
 * dp4j layer classes (export) and Keras class names (import) to them, as {@link
 * io.dp4j.privacy.clipping.ClippingRegistry} maps layer classes to clipping rules.
 *
 * <p>A codec reads through {@link io.dp4j.io.keras.codecs.LayerConfig}, which refuses every option
 * the codec did not read unless it is at a value that does nothing (the codec's {@code
 * offValues()}, then {@link io.dp4j.io.keras.codecs.LayerConfig#ANY_LAYER}); it adds the dp4j
 * layers that run the Keras layer to {@link io.dp4j.io.keras.codecs.ImportedLayers}. Keras
 * spellings shared by several codecs (activations, padding, initializers, shapes) are in {@link
 * io.dp4j.io.keras.codecs.KerasValues}. The model around the layers (Sequential, a Functional
 * chain, the {@code InputLayer}) is {@code io.dp4j.io.keras}'s job.
 *
 * <p>Adding a layer: the layer class, its codec registered in {@link
 * io.dp4j.io.keras.codecs.KerasCodecRegistry#defaults()} with a round-trip case in {@code
 * KerasLayerCodecTest}, and, if it has parameters, its clipping rule.
 */
package io.dp4j.io.keras.codecs;
