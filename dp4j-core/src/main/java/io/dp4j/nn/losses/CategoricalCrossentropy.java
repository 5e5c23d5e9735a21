package io.dp4j.nn.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Cross-entropy between one-hot (or soft) labels {@code [b, k]} and predictions {@code [b, k]}. */
public final class CategoricalCrossentropy implements Loss {
  private final boolean fromLogits;
  private final Reduction reduction;

  public CategoricalCrossentropy() {
    this(false, Reduction.SUM_OVER_BATCH_SIZE);
  }

  public CategoricalCrossentropy(boolean fromLogits, Reduction reduction) {
    this.fromLogits = fromLogits;
    this.reduction = reduction;
  }

  /** Whether predictions are logits rather than probabilities. */
  public boolean fromLogits() {
    return fromLogits;
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
    Operand<TFloat32> logProbabilities;
    if (fromLogits) {
      logProbabilities = tf.nn.logSoftmax(predictions);
    } else {
      Operand<TFloat32> normalized =
          tf.math.div(
              predictions,
              tf.sum(predictions, tf.constant(-1), org.tensorflow.op.core.Sum.keepDims(true)));
      logProbabilities = clippedLog(tf, normalized);
    }
    return Loss.sumPerExample(tf, tf.math.neg(tf.math.mul(labels, logProbabilities)));
  }

  static Operand<TFloat32> clippedLog(Ops tf, Operand<TFloat32> probabilities) {
    Operand<TFloat32> clipped =
        tf.math.minimum(
            tf.math.maximum(probabilities, tf.constant(SparseCategoricalCrossentropy.EPSILON)),
            tf.constant(1f - SparseCategoricalCrossentropy.EPSILON));
    return tf.math.log(clipped);
  }
}
