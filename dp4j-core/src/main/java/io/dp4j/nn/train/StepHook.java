package io.dp4j.nn.train;

/**
 * Runs at a fixed point of every step of a {@link Trainer}: before the step's {@code Session.run}
 * ({@link Trainer#beforeEachStep}), or after it ({@link Trainer#afterEachStep}). A hook that throws
 * ends the fit: a before-step hook that throws for step s stops it before step s computes anything.
 */
@FunctionalInterface
public interface StepHook {
  void onStep(StepContext step);
}
