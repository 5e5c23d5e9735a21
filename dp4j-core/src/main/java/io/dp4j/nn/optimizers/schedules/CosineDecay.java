package io.dp4j.nn.optimizers.schedules;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code CosineDecay} (Loshchilov and Hutter 2017, without restarts): {@code
 * initialLearningRate · ((1 - alpha) · (1 + cos(π · min(t, decaySteps) / decaySteps)) / 2 +
 * alpha)}, from the initial rate at t = 0 down to {@code alpha ·} it at t = decaySteps and after.
 */
public final class CosineDecay implements LearningRateSchedule {
  private final double initialLearningRate;
  private final long decaySteps;
  private final double alpha;

  /**
   * @param initialLearningRate the rate of step 0, &gt; 0
   * @param decaySteps the steps to decay over, &gt;= 1
   * @param alpha the final rate as a fraction of the initial one, in [0, 1]
   */
  public CosineDecay(double initialLearningRate, long decaySteps, double alpha) {
    LearningRateSchedule.requirePositive("initialLearningRate", initialLearningRate);
    if (decaySteps < 1) {
      throw new IllegalArgumentException("decaySteps must be >= 1, got " + decaySteps);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    this.initialLearningRate = initialLearningRate;
    this.decaySteps = decaySteps;
    this.alpha = alpha;
  }

  @Override
  public double learningRate(long step) {
    double progress = (double) Math.min(step, decaySteps) / decaySteps;
    return initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha);
  }

  @Override
  public Operand<TFloat32> learningRate(Ops tf, Operand<TFloat32> step) {
    Operand<TFloat32> progress =
        tf.math.div(
            tf.math.minimum(step, tf.constant((float) decaySteps)),
            tf.constant((float) decaySteps));
    Operand<TFloat32> cosine =
        tf.math.mul(
            tf.constant(0.5f),
            tf.math.add(
                tf.constant(1f), tf.math.cos(tf.math.mul(tf.constant((float) Math.PI), progress))));
    return tf.math.mul(
        tf.constant((float) initialLearningRate),
        tf.math.add(
            tf.math.mul(tf.constant((float) (1 - alpha)), cosine), tf.constant((float) alpha)));
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "cosine(%s over %d steps, alpha %s)", initialLearningRate, decaySteps, alpha);
  }
}
