package io.dp4j.nn.train;

/**
 * Parameter averaging (Polyak; here the exponential moving average, EMA) as a training option of
 * {@link io.dp4j.nn.Sequential#setParameterAveraging}: after every step, each weight's average
 * {@code a} moves toward the weight {@code w} as
 *
 * <pre>a ← a − (1 − m_t)(a − w)</pre>
 *
 * <p>(TensorFlow's {@code ExponentialMovingAverage} form: a weight that does not change, such as a
 * frozen layer's, keeps an average exactly equal to it), where t counts the updates before this one
 * and the momentum is {@code m_t = decay} except {@code m_0 = 0} (Keras 3's {@code use_ema}: the
 * first average is the weights after the first step), or, {@link #withWarmup() with warm-up},
 * {@code m_t = min(decay, (1 + t) / (10 + t))} (De et al. 2022, "Unlocking high-accuracy
 * differentially private image classification through scale", following TensorFlow's {@code
 * num_updates}), which lets early, far-from-trained weights fade quickly.
 *
 * <p>With averaging on, evaluation, {@code predict} and validation during {@code fit} use the
 * averages, and the model's weights are replaced by them when {@code fit} ends (as Keras' {@code
 * finalize_variable_values}), so what is saved or exported after training is the averaged model.
 * The averages and their update count are part of the optimizer state ({@code weight_<i>-ema},
 * {@code ema_updates}), so a training checkpoint taken during {@code fit} holds the raw weights
 * training continues from and the averages that continue with them.
 *
 * <p><b>Privacy.</b> The averages are a function of the weights after each step, which DP-SGD
 * releases anyway (its guarantee covers the whole sequence of noisy updates), so averaging is
 * post-processing: it costs no privacy, and ε is unchanged.
 */
public final class ParameterAveraging {
  private final double decay;
  private final boolean warmup;

  private ParameterAveraging(double decay, boolean warmup) {
    if (!(decay > 0 && decay < 1)) {
      throw new IllegalArgumentException("decay must be in (0, 1), got " + decay);
    }
    this.decay = decay;
    this.warmup = warmup;
  }

  /**
   * The exponential moving average with this decay (Keras' {@code ema_momentum}, e.g. 0.999).
   *
   * @throws IllegalArgumentException if {@code decay} is not in (0, 1)
   */
  public static ParameterAveraging ema(double decay) {
    return new ParameterAveraging(decay, false);
  }

  /** This average with De et al.'s warm-up: momentum {@code min(decay, (1 + t) / (10 + t))}. */
  public ParameterAveraging withWarmup() {
    return new ParameterAveraging(decay, true);
  }

  public double decay() {
    return decay;
  }

  public boolean warmup() {
    return warmup;
  }

  /** The momentum m_t of the update that follows t earlier updates. */
  public double momentum(long t) {
    if (warmup) {
      return Math.min(decay, (1.0 + t) / (10.0 + t));
    }
    return t == 0 ? 0 : decay;
  }

  @Override
  public String toString() {
    return "EMA(decay " + decay + (warmup ? ", warm-up" : "") + ")";
  }
}
