package io.dp4j.nn.optimizers.schedules;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code ExponentialDecay}: {@code initialLearningRate · decayRate^(t / decaySteps)}, with
 * {@code floor(t / decaySteps)} when {@code staircase} (a step schedule: the rate times decayRate
 * every decaySteps steps).
 */
public final class ExponentialDecay implements LearningRateSchedule {
  private final double initialLearningRate;
  private final long decaySteps;
  private final double decayRate;
  private final boolean staircase;

  /**
   * @param initialLearningRate the rate of step 0, &gt; 0
   * @param decaySteps &gt;= 1
   * @param decayRate &gt; 0 (below 1 to decay)
   * @param staircase decay in steps of decaySteps instead of continuously
   */
  public ExponentialDecay(
      double initialLearningRate, long decaySteps, double decayRate, boolean staircase) {
    LearningRateSchedule.requirePositive("initialLearningRate", initialLearningRate);
    LearningRateSchedule.requirePositive("decayRate", decayRate);
    if (decaySteps < 1) {
      throw new IllegalArgumentException("decaySteps must be >= 1, got " + decaySteps);
    }
    this.initialLearningRate = initialLearningRate;
    this.decaySteps = decaySteps;
    this.decayRate = decayRate;
    this.staircase = staircase;
  }

  @Override
  public double learningRate(long step) {
    double p = staircase ? Math.floorDiv(step, decaySteps) : (double) step / decaySteps;
    return initialLearningRate * Math.pow(decayRate, p);
  }

  @Override
  public Operand<TFloat32> learningRate(Ops tf, Operand<TFloat32> step) {
    Operand<TFloat32> p = tf.math.div(step, tf.constant((float) decaySteps));
    if (staircase) {
      p = tf.math.floor(p);
    }
    return tf.math.mul(
        tf.constant((float) initialLearningRate), tf.math.pow(tf.constant((float) decayRate), p));
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s(%s, x%s every %d steps)",
        staircase ? "step" : "exponential",
        initialLearningRate,
        decayRate,
        decaySteps);
  }
}
