package io.dp4j.nn.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A loss function. Every loss computes one value per example ({@link #perExample}); its {@link
 * #reduction()} says how a plain (non-private) optimizer reduces them. DP-SGD clips per-example
 * gradients, so it needs the unreduced vector.
 */
public interface Loss {

  /**
   * The loss of each example.
   *
   * @param labels {@code [b, labelShape...]}
   * @param predictions the model output {@code [b, outputShape...]}
   * @return a {@code [b]} vector
   */
  Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> labels, Operand<TFloat32> predictions);

  /** How the per-example values are reduced for a plain optimizer. */
  Reduction reduction();

  /**
   * Whether one example's label, {@code labels[offset, offset + length)}, is one this loss takes
   * for a model whose output has {@code outputShape} ({@code Sequential.fit} checks every label
   * before its first step). Any label by default.
   */
  default boolean acceptsLabel(float[] labels, int offset, int length, long[] outputShape) {
    return true;
  }

  /** What {@link #acceptsLabel} takes, for the message of a refused label. */
  default String labelRule(long[] outputShape) {
    return "any label";
  }

  /** Whether every value of the label lies in [0, 1] (a one-hot, probability or binary target). */
  static boolean inUnitInterval(float[] labels, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (!(labels[i] >= 0 && labels[i] <= 1)) {
        return false;
      }
    }
    return true;
  }

  /** The mean over all axes but the first, or the input itself for a vector. */
  static Operand<TFloat32> meanPerExample(Ops tf, Operand<TFloat32> values) {
    int rank = values.shape().numDimensions();
    if (rank <= 1) {
      return values;
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.math.mean(values, tf.constant(axes));
  }

  /** The sum over all axes but the first. */
  static Operand<TFloat32> sumPerExample(Ops tf, Operand<TFloat32> values) {
    int rank = values.shape().numDimensions();
    if (rank <= 1) {
      return values;
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.sum(values, tf.constant(axes));
  }
}
