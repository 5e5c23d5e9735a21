/**
 * DP-SGD surfaces: TF Privacy-style DP optimizers, {@link io.dp4j.privacy.DPSequential}, the
 * model's {@link io.dp4j.privacy.PrivacyLog}, and {@link io.dp4j.privacy.TrainingPlan}, which
 * checks a run before it starts (n, b, q, steps, δ, σ given or calibrated to a target ε) and runs
 * it, returning a {@link io.dp4j.privacy.TrainingResult} with ε under both accountants.
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
