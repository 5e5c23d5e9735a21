package io.dp4j.privacy;

import io.dp4j.data.BatchSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.StepHook;

/**
 * Takes a {@link TrainingPlan}'s steps: the model's own {@link io.dp4j.nn.train.Trainer} on data in
 * this JVM, or a cluster's engine, where each partition sums its sample's clipped gradients ({@link
 * ModelPrivacy#clippedSum}) and the step is taken once, here ({@link
 * ModelPrivacy#stepFromClippedSum}). Either way the plan checks the model and the sampler before,
 * the ledger admits the run before the first step, and the privacy log is read after.
 */
@FunctionalInterface
public interface PlanEngine {
  /**
   * Takes {@code epochs} epochs of {@code sampler.stepsPerEpoch()} DP steps of {@code model}, each
   * batch Poisson-sampled at {@code sampler}'s rate and normalized by its expected batch size.
   *
   * @param beforeEachStep run in this JVM before each step (with {@code stepOfFit} counted from 0
   *     over all the epochs), or null for none; if it throws, the step is not taken
   * @return the per-epoch metrics the engine computes
   */
  History fit(Sequential model, BatchSampler sampler, int epochs, StepHook beforeEachStep);
}
