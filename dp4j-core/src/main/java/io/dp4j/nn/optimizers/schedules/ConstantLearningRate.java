package io.dp4j.nn.optimizers.schedules;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The same learning rate at every step (what to warm up to without decay). */
public final class ConstantLearningRate implements LearningRateSchedule {
  private final double learningRate;

  public ConstantLearningRate(double learningRate) {
    LearningRateSchedule.requirePositive("learningRate", learningRate);
    this.learningRate = learningRate;
  }

  @Override
  public double learningRate(long step) {
    return learningRate;
  }

  @Override
  public Operand<TFloat32> learningRate(Ops tf, Operand<TFloat32> step) {
    return tf.constant((float) learningRate);
  }

  @Override
  public String toString() {
    return "constant(" + learningRate + ")";
  }
}
