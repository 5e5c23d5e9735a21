/**
 * Training: the loop, its hooks, and the extension point of the training step.
 *
 * <ul>
 *   <li>{@link io.dp4j.nn.train.Trainer} runs epochs of a sampler's batches on a {@link
 *       io.dp4j.nn.train.StepModel} (a compiled {@code Sequential}), with before-step and
 *       after-step {@link io.dp4j.nn.train.StepHook}s, listeners, validation and the {@link
 *       io.dp4j.nn.train.History}. A before-step hook that throws stops the fit before the step
 *       computes anything (a privacy ledger charges there).
 *   <li>The step's extension point: a {@link io.dp4j.nn.train.GradientTransform} (graph side) is
 *       built once per compile from a {@link io.dp4j.nn.train.StepGraph} (each trainable layer's
 *       input a_l and pre-activation z_l, the per-example losses) and returns the gradients the
 *       optimizer applies and a {@link io.dp4j.nn.train.StepFeeder} (host side), which prepares
 *       each step's {@link io.dp4j.nn.train.StepFeed} right before its single {@code Session.run}.
 *       DP-SGD ({@code DpStep} in the privacy package) is the implementation dp4j ships.
 *   <li>Records and listeners: per-epoch history, metrics, progress events, early stopping.
 * </ul>
 */
package io.dp4j.nn.train;
