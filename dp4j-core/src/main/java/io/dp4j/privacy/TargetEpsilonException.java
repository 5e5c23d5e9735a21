package io.dp4j.privacy;

import java.util.Optional;

/**
 * A {@link TrainingPlan} that cannot meet its target ε: no noise multiplier reaches it (the
 * calibration's reason is the message), or the given one exceeds it ({@link #plan()} and {@link
 * #epsilon()} say by how much). Nothing has trained: the run is refused, not misconfigured.
 */
public final class TargetEpsilonException extends RuntimeException {
  private final transient TrainingPlan plan;
  private final double epsilon;

  private TargetEpsilonException(
      String message, Throwable cause, TrainingPlan plan, double epsilon) {
    super(message, cause);
    this.plan = plan;
    this.epsilon = epsilon;
  }

  static TargetEpsilonException unreachable(String reason, Throwable cause) {
    return new TargetEpsilonException(reason, cause, null, Double.NaN);
  }

  static TargetEpsilonException exceeded(TrainingPlan plan, double epsilon) {
    return new TargetEpsilonException(
        "noiseMultiplier "
            + plan.noiseMultiplier()
            + " over "
            + plan.steps()
            + " steps (q = "
            + plan.samplingRate()
            + ") gives epsilon "
            + epsilon
            + " ("
            + plan.accountant()
            + ", delta = "
            + plan.delta()
            + "), above targetEpsilon "
            + plan.targetEpsilon().getAsDouble()
            + ": raise noiseMultiplier, or leave it out to calibrate it",
        null,
        plan,
        epsilon);
  }

  /**
   * The plan whose given noise multiplier exceeds the target (its history composed with its steps);
   * empty when no noise multiplier reaches the target.
   */
  public Optional<TrainingPlan> plan() {
    return Optional.ofNullable(plan);
  }

  /** The ε the plan would spend, above the target; NaN when no noise multiplier reaches it. */
  public double epsilon() {
    return epsilon;
  }
}
