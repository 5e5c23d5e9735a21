package io.dp4j.nn.train;

/**
 * What one training step returned, from its single {@code Session.run}.
 *
 * @param lossSum the sum of the batch's per-example training losses (0 for an empty batch)
 * @param weightsFinite whether every weight is finite after the step's update
 */
public record StepResult(float lossSum, boolean weightsFinite) {}
