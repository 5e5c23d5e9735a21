/**
 * DP-SGD, in one place. {@link io.dp4j.privacy.DpStep} implements the training step's extension
 * point ({@link io.dp4j.nn.train.GradientTransform} and {@link io.dp4j.nn.train.StepFeeder}): it
 * builds the clipped, noised, normalized gradients into the model's one graph (per-unit norms from
 * the {@link io.dp4j.privacy.clipping.ClippingRegistry}, which are upper bounds, the non-finite
 * example mask and the clip margin C'), and before every step plans the clipping units ({@code
 * ClippingUnits}: per example, consecutive microbatches, or random Poisson microbatches), feeds the
 * noise ({@link io.dp4j.privacy.NoiseSource}) and the normalizer, and records the step's event in
 * the model's {@link io.dp4j.privacy.PrivacyLog}.
 *
 * <p>Who configures it: the TF Privacy surfaces ({@code DPKeras*Optimizer}, i.e. {@link
 * io.dp4j.privacy.DpWrappedOptimizer}) install their {@code DpStep} through {@link
 * io.dp4j.nn.optimizers.Optimizer#gradientTransform()}; {@link io.dp4j.privacy.DPSequential} holds
 * one and compiles it around an ordinary optimizer; {@link io.dp4j.privacy.keras.PrivateKerasModel}
 * wraps a model in the same way. Whatever configured it, a model's privacy queries (log, δ, ε,
 * noise mode, step inspection, the planned step event) are {@link
 * io.dp4j.privacy.ModelPrivacy#of}'s. This package depends on {@code nn}; {@code nn} never on it.
 *
 * <p>A run: {@link io.dp4j.privacy.TrainingPlan} checks a run before it starts (n, b, q, steps, δ,
 * σ given or calibrated to a target ε) and runs it, returning a {@link
 * io.dp4j.privacy.TrainingResult} with ε under both accountants.
 *
 * <pre>{@code
 * TrainingPlan plan = TrainingPlan.builder()
 *     .setExamples(train.size()).setExpectedBatchSize(250)
 *     .optEpochs(3).optTargetEpsilon(1.0)   // or optNoiseMultiplier(1.1), checked against the target
 *     .build();                             // validated; delta defaults to <= 1/(10n)
 * model.compile(new DPKerasSGDOptimizer(1.5, plan.noiseMultiplier(), 0, 0.25f), loss);
 * TrainingResult result = plan.run(model, train); // result.rdp(), result.pld()
 * }</pre>
 *
 * <p>The {@code dp4j} commands {@code train}, {@code sweep}, {@code tutorial} and {@code
 * private-train}, and {@link io.dp4j.privacy.keras.PrivateKerasModel}, all map their settings to a
 * plan and run it.
 */
package io.dp4j.privacy;
