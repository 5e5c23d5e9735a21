/**
 * Keras-style models: {@link io.dp4j.nn.Sequential} holds the layers, compiles them to one
 * TensorFlow graph (forward pass, per-example loss, metrics, the training step), and owns weights,
 * optimizer state, predict/evaluate and the summary. Training loops live in {@link
 * io.dp4j.nn.train} ({@link io.dp4j.nn.train.Trainer}); {@code Sequential.fit} is a one-line
 * convenience over it.
 *
 * <p>This package knows nothing of privacy: it imports nothing from {@code privacy}, {@code
 * accounting} or {@code ledger}. DP-SGD reaches the step through the extension point of {@link
 * io.dp4j.nn.train}: an optimizer's {@link io.dp4j.nn.optimizers.Optimizer#gradientTransform()} (or
 * {@link io.dp4j.nn.Sequential#compile(io.dp4j.nn.optimizers.Optimizer,
 * io.dp4j.nn.train.GradientTransform, io.dp4j.nn.losses.Loss, io.dp4j.nn.train.Metric...)}) gives
 * the {@link io.dp4j.nn.train.GradientTransform} that replaces backpropagation of the batch loss,
 * and the model keeps what such a transform needs across compiles in {@link
 * io.dp4j.nn.Sequential#modelState} without reading it.
 */
package io.dp4j.nn;
