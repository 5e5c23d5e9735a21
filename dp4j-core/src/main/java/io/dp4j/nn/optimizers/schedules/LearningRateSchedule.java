package io.dp4j.nn.optimizers.schedules;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The learning rate as a function of the optimizer's step t = 0, 1, 2, ... (Keras' {@code
 * LearningRateSchedule}, evaluated on {@code optimizer.iterations}): t is the number of updates the
 * optimizer applied before, saved with its state, so a run resumed from a checkpoint continues the
 * schedule where it stopped.
 *
 * <p>Under DP-SGD a schedule is post-processing of the noisy gradients: it does not change ε.
 */
public interface LearningRateSchedule {
  /** The learning rate of step {@code step} (&gt;= 0), in float64: the documented value. */
  double learningRate(long step);

  /**
   * The same in the graph, from the step as a float32 scalar (exact up to 2^24 steps), computed in
   * float32.
   */
  Operand<TFloat32> learningRate(Ops tf, Operand<TFloat32> step);

  /** E.g. {@code cosine(0.1, 1000 steps, alpha 0)}: the form reports show. */
  @Override
  String toString();

  static void requirePositive(String name, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
    }
  }
}
