package io.dp4j.nn.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Binary cross-entropy, averaged over each example's outputs. */
public final class BinaryCrossentropy implements Loss {
  private final boolean fromLogits;
  private final Reduction reduction;

  public BinaryCrossentropy() {
    this(false, Reduction.SUM_OVER_BATCH_SIZE);
  }

  public BinaryCrossentropy(boolean fromLogits, Reduction reduction) {
    this.fromLogits = fromLogits;
    this.reduction = reduction;
  }

  /** One-hot or probability targets: every value in [0, 1]. */
  @Override
  public boolean acceptsLabel(float[] labels, int offset, int length, long[] outputShape) {
    return Loss.inUnitInterval(labels, offset, length);
  }

  @Override
  public String labelRule(long[] outputShape) {
    return "values in [0, 1]";
  }

  @Override
  public Reduction reduction() {
    return reduction;
  }

  @Override
  public Operand<TFloat32> perExample(
      Ops tf, Operand<TFloat32> labels, Operand<TFloat32> predictions) {
    Operand<TFloat32> y = tf.reshape(labels, tf.shape(predictions));
    Operand<TFloat32> values;
    if (fromLogits) {
      // max(x, 0) - x*y + log(1 + exp(-|x|)), the stable form
      values =
          tf.math.add(
              tf.math.sub(
                  tf.math.maximum(predictions, tf.constant(0f)), tf.math.mul(predictions, y)),
              tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(predictions)))));
    } else {
      Operand<TFloat32> logP = CategoricalCrossentropy.clippedLog(tf, predictions);
      Operand<TFloat32> log1mP =
          CategoricalCrossentropy.clippedLog(tf, tf.math.sub(tf.constant(1f), predictions));
      values =
          tf.math.neg(
              tf.math.add(
                  tf.math.mul(y, logP), tf.math.mul(tf.math.sub(tf.constant(1f), y), log1mP)));
    }
    return Loss.meanPerExample(tf, values);
  }
}
