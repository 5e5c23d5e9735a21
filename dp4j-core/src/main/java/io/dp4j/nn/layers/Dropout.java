package io.dp4j.nn.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/**
 * Inverted dropout: during training each value is kept with probability {@code 1 - rate} and scaled
 * by {@code 1 / (1 - rate)}; at inference the layer is the identity. Per-example, so it is
 * compatible with per-example clipping.
 */
public final class Dropout extends Layer {
  private final float rate;

  public Dropout(double rate) {
    super(null, null);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("rate must be in [0, 1), got " + rate);
    }
    this.rate = (float) rate;
  }

  public float rate() {
    return rate;
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    return inputShape.clone();
  }

  /** False unless the rate is 0: dropout is random in training and the identity at inference. */
  @Override
  public boolean trainingMatchesInference() {
    return rate == 0f;
  }

  @Override
  public Operand<TFloat32> call(
      Ops tf,
      Operand<TFloat32> input,
      List<Operand<TFloat32>> params,
      boolean training,
      long seed) {
    if (!training || rate == 0f) {
      return input;
    }
    Operand<TFloat32> uniform =
        tf.random.randomUniform(
            tf.shape(input),
            TFloat32.class,
            RandomUniform.seed(seed),
            RandomUniform.seed2(seed >>> 32));
    Operand<TFloat32> keep =
        tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant(rate)), TFloat32.class);
    return tf.math.mul(input, tf.math.mul(keep, tf.constant(1f / (1f - rate))));
  }
}
