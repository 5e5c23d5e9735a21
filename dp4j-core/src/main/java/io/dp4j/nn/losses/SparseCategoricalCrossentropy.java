package io.dp4j.nn.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Cross-entropy between integer class labels (stored as floats, shape {@code []} or {@code [1]} per
 * example) and predicted class scores {@code [b, k]}.
 *
 * <p>Computed as {@code -sum(oneHot(y) * logSoftmax(logits))}: TensorFlow registers no gradient for
 * the sparse fused kernel, and this form differentiates with respect to intermediate outputs.
 */
public final class SparseCategoricalCrossentropy implements Loss {
  static final float EPSILON = 1e-7f;
  private final boolean fromLogits;
  private final Reduction reduction;

  /** Keras' defaults: probabilities, mean over the batch. */
  public SparseCategoricalCrossentropy() {
    this(false, Reduction.SUM_OVER_BATCH_SIZE);
  }

  public SparseCategoricalCrossentropy(boolean fromLogits) {
    this(fromLogits, Reduction.SUM_OVER_BATCH_SIZE);
  }

  /**
   * @param fromLogits true if predictions are logits, false if they are probabilities
   * @param reduction {@link Reduction#NONE} for DP optimizers
   */
  public SparseCategoricalCrossentropy(boolean fromLogits, Reduction reduction) {
    this.fromLogits = fromLogits;
    this.reduction = reduction;
  }

  /** A whole class index in [0, k), k the model's last output dimension. */
  @Override
  public boolean acceptsLabel(float[] labels, int offset, int length, long[] outputShape) {
    float y = labels[offset];
    return length == 1 && y >= 0 && y < classes(outputShape) && y == Math.rint(y);
  }

  @Override
  public String labelRule(long[] outputShape) {
    long k = classes(outputShape);
    return "one class index, a whole number in [0, " + k + ") (the model's " + k + " classes)";
  }

  private static long classes(long[] outputShape) {
    return outputShape.length == 0 ? 1 : outputShape[outputShape.length - 1];
  }

  public boolean fromLogits() {
    return fromLogits;
  }

  @Override
  public Reduction reduction() {
    return reduction;
  }

  @Override
  public Operand<TFloat32> perExample(
      Ops tf, Operand<TFloat32> labels, Operand<TFloat32> predictions) {
    long classes = predictions.shape().size(predictions.shape().numDimensions() - 1);
    Operand<TInt64> ids =
        tf.reshape(tf.dtypes.cast(labels, TInt64.class), tf.constant(new long[] {-1}));
    Operand<TFloat32> oneHot =
        tf.oneHot(ids, tf.constant((int) classes), tf.constant(1f), tf.constant(0f));
    Operand<TFloat32> flat = tf.reshape(predictions, tf.constant(new long[] {-1, classes}));
    Operand<TFloat32> logProbabilities =
        fromLogits ? tf.nn.logSoftmax(flat) : CategoricalCrossentropy.clippedLog(tf, flat);
    return tf.math.neg(tf.sum(tf.math.mul(oneHot, logProbabilities), tf.constant(1)));
  }
}
