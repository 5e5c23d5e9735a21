package io.dp4j.nn.optimizers.schedules;

import java.util.Locale;
import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A linear warm-up before another schedule (as Keras' {@code CosineDecay(warmup_steps=...)}, for
 * any schedule): for t &lt; W, {@code after(0) · (t + 1) / W}, rising to the full rate at step W -
 * 1; from t = W on, {@code after(t - W)}, so the schedule after the warm-up starts from its own
 * step 0.
 */
public final class LinearWarmup implements LearningRateSchedule {
  private final LearningRateSchedule after;
  private final long warmupSteps;

  /**
   * @param after the schedule that follows
   * @param warmupSteps W &gt;= 1
   */
  public LinearWarmup(LearningRateSchedule after, long warmupSteps) {
    this.after = Objects.requireNonNull(after, "after");
    if (warmupSteps < 1) {
      throw new IllegalArgumentException("warmupSteps must be >= 1, got " + warmupSteps);
    }
    this.warmupSteps = warmupSteps;
  }

  @Override
  public double learningRate(long step) {
    return step < warmupSteps
        ? after.learningRate(0) * (step + 1) / warmupSteps
        : after.learningRate(step - warmupSteps);
  }

  @Override
  public Operand<TFloat32> learningRate(Ops tf, Operand<TFloat32> step) {
    Operand<TFloat32> w = tf.constant((float) warmupSteps);
    Operand<TFloat32> rising =
        tf.math.div(
            tf.math.mul(
                after.learningRate(tf, tf.constant(0f)), tf.math.add(step, tf.constant(1f))),
            w);
    Operand<TFloat32> later =
        after.learningRate(tf, tf.math.maximum(tf.math.sub(step, w), tf.constant(0f)));
    return tf.select(tf.math.less(step, w), rising, later);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d warm-up steps, then %s", warmupSteps, after);
  }
}
