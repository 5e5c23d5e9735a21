package io.dp4j.privacy;

import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.GradientTransform;
import java.util.Optional;

/**
 * An optimizer whose updates are DP-SGD's: its {@link #gradientTransform()} is a {@link DpStep} of
 * its {@link #dpSettings()}, so {@link io.dp4j.nn.Sequential#compile} builds the clipped, noised,
 * normalized step and applies the optimizer's update to its result. It needs a loss with {@link
 * io.dp4j.nn.losses.Reduction#NONE}.
 */
public interface DpOptimizer extends Optimizer {
  /** The DP-SGD settings. */
  DpSettings dpSettings();

  /** The DP step this optimizer trains with. */
  DpStep dpStep();

  @Override
  default Optional<GradientTransform> gradientTransform() {
    return Optional.of(dpStep());
  }
}
