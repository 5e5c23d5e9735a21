package io.dp4j.nn.train;

/**
 * Where a step stands in a {@link Trainer}'s fit, as step hooks see it.
 *
 * @param epoch the epoch, from 0
 * @param stepInEpoch the step within the epoch, from 0
 * @param stepOfFit the step within this fit, from 0 (step s of a fit is its (s+1)-th)
 * @param modelStep the model's step counter before the step
 * @param batchSize the examples the sampler drew for the step
 */
public record StepContext(
    int epoch, int stepInEpoch, long stepOfFit, long modelStep, int batchSize) {}
