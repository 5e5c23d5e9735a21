package io.dp4j.accounting;

/**
 * The privacy helpers TensorFlow Privacy users know, computed with dp4j's {@link RdpAccountant}.
 *
 * <p>{@link #computeDpSgdPrivacy} is TF Privacy's {@code compute_dp_sgd_privacy}: DP-SGD over
 * {@code n} examples with batches of expected size {@code batchSize} is modelled as Poisson
 * sampling at q = batchSize/n, run {@code ceil(epochs·n/batchSize)} times, and converted to ε over
 * TF Privacy's orders (1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, 5, ..., 63, 128, 256, 512)
 * with the improved RDP conversion (Balle et al. 2020, arXiv:1905.09982). The Poisson assumption is
 * the accountant's: training that shuffles into fixed-size batches only approximates it.
 */
public final class DpSgdPrivacy {
  private DpSgdPrivacy() {}

  private static final double[] TF_PRIVACY_ORDERS = buildTfPrivacyOrders();

  private static double[] buildTfPrivacyOrders() {
    double[] head = {1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5};
    double[] orders = new double[head.length + 59 + 3];
    System.arraycopy(head, 0, orders, 0, head.length);
    int k = head.length;
    for (int a = 5; a < 64; a++) {
      orders[k++] = a;
    }
    orders[k++] = 128;
    orders[k++] = 256;
    orders[k] = 512;
    return orders;
  }

  /**
   * The orders TF Privacy's {@code compute_dp_sgd_privacy} and {@code compute_noise} use, a copy.
   */
  public static double[] tfPrivacyOrders() {
    return TF_PRIVACY_ORDERS.clone();
  }

  /**
   * The number of DP-SGD steps TF Privacy counts: {@code ceil(epochs · n / batchSize)}, kept for
   * {@link #computeDpSgdPrivacy} and {@link #computeNoise} to reproduce TF Privacy. dp4j's training
   * runs whole epochs of {@code ceil(n / batchSize)} steps, which can be more: plan dp4j runs with
   * {@link StepCount#of}.
   *
   * @param n the number of training examples, &gt;= 1
   * @param batchSize the (expected) batch size, in [1, n]
   * @param epochs the number of epochs, finite and &gt; 0 (may be fractional)
   * @return the number of steps, &gt;= 1
   * @throws IllegalArgumentException if an argument is out of range
   */
  public static long steps(long n, long batchSize, double epochs) {
    checkSizes(n, batchSize);
    Arguments.requirePositive("epochs", epochs);
    double steps = Math.ceil(epochs * n / batchSize);
    if (!(steps < Long.MAX_VALUE)) {
      throw new IllegalArgumentException(
          "epochs * n / batchSize must be below 2^63 steps, got " + steps);
    }
    return (long) steps;
  }

  /**
   * ε and the optimal order for DP-SGD, exactly as TF Privacy's {@code compute_dp_sgd_privacy(n,
   * batch_size, noise_multiplier, epochs, delta)}.
   *
   * @param n the number of training examples, &gt;= 1
   * @param batchSize the (expected) batch size, in [1, n]; q = batchSize / n
   * @param noiseMultiplier σ, finite and &gt; 0
   * @param epochs the number of epochs, finite and &gt; 0
   * @param delta δ in (0, 1); a warning is logged when δ &gt;= 1/n
   * @return ε and the optimal Rényi order
   * @throws IllegalArgumentException if an argument is out of range
   */
  public static EpsilonAndOrder computeDpSgdPrivacy(
      long n, long batchSize, double noiseMultiplier, double epochs, double delta) {
    long steps = steps(n, batchSize, epochs);
    Arguments.requirePositive("noiseMultiplier", noiseMultiplier);
    Arguments.requireOpenUnit("delta", delta);
    warnIfDeltaLarge(n, delta);
    double q = (double) batchSize / n;
    RdpAccountant accountant = new RdpAccountant(TF_PRIVACY_ORDERS);
    accountant.compose(
        new SelfComposedDpEvent(
            new PoissonSampledDpEvent(q, new GaussianDpEvent(noiseMultiplier)), steps));
    return accountant.epsilonAndOrder(delta);
  }

  /**
   * The smallest noise multiplier reaching {@code targetEpsilon}, the counterpart of TF Privacy's
   * {@code compute_noise(n, batch_size, target_epsilon, epochs, delta)}: same q, steps and orders
   * as {@link #computeDpSgdPrivacy}, searched by {@link NoiseCalibration} (to a relative {@value
   * NoiseCalibration#RELATIVE_TOLERANCE}, always meeting the target).
   *
   * @param n the number of training examples, &gt;= 1
   * @param batchSize the (expected) batch size, in [1, n]
   * @param targetEpsilon the ε budget, finite and &gt; 0
   * @param epochs the number of epochs, finite and &gt; 0
   * @param delta δ in (0, 1)
   * @return the noise multiplier σ
   * @throws IllegalArgumentException if an argument is out of range or the target is unreachable
   */
  public static double computeNoise(
      long n, long batchSize, double targetEpsilon, double epochs, double delta) {
    long steps = steps(n, batchSize, epochs);
    Arguments.requireOpenUnit("delta", delta);
    warnIfDeltaLarge(n, delta);
    return NoiseCalibration.noiseMultiplierFor(
            targetEpsilon,
            delta,
            (double) batchSize / n,
            steps,
            () -> new RdpAccountant(TF_PRIVACY_ORDERS))
        .noiseMultiplier();
  }

  /**
   * The RDP of {@code steps} runs of the sampled Gaussian mechanism at each order (TF Privacy's and
   * Opacus's {@code compute_rdp(q, noise_multiplier, steps, orders)}).
   *
   * @param q the sampling probability in [0, 1]
   * @param noiseMultiplier σ, finite and &gt; 0
   * @param steps the number of runs, &gt;= 0
   * @param orders the Rényi orders, each &gt; 1
   * @return a new array of RDP values
   */
  public static double[] computeRdp(double q, double noiseMultiplier, long steps, double[] orders) {
    Arguments.requireNonNegative("steps", steps);
    double[] rdp = SampledGaussianRdp.rdp(q, noiseMultiplier, orders);
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] = steps == 0 ? 0 : rdp[i] * steps;
    }
    return rdp;
  }

  /**
   * ε and the optimal order from RDP values (TF Privacy's {@code get_privacy_spent}), with the
   * improved conversion of {@link RdpAccountant}.
   *
   * @param orders the Rényi orders, each &gt; 1
   * @param rdp the RDP at each order, same length
   * @param targetDelta δ in (0, 1)
   * @return ε and the optimal Rényi order
   * @throws IllegalArgumentException if the arrays differ in length, an order is &lt;= 1, an RDP
   *     value is NaN, or δ is out of range
   */
  public static EpsilonAndOrder getPrivacySpent(double[] orders, double[] rdp, double targetDelta) {
    if (orders.length != rdp.length || orders.length == 0) {
      throw new IllegalArgumentException(
          "orders and rdp must have the same, non-zero length, got "
              + orders.length
              + " and "
              + rdp.length);
    }
    for (double order : orders) {
      SampledGaussianRdp.checkOrder(order);
    }
    for (double r : rdp) {
      if (Double.isNaN(r)) {
        throw new IllegalArgumentException("rdp values must not be NaN");
      }
    }
    Arguments.requireOpenUnit("targetDelta", targetDelta);
    return RdpAccountant.epsilonAndOrder(orders, rdp, targetDelta);
  }

  private static void checkSizes(long n, long batchSize) {
    Arguments.requirePositive("n", n);
    if (batchSize < 1 || batchSize > n) {
      throw new IllegalArgumentException(
          "batchSize must be in [1, n] = [1, " + n + "], got " + batchSize);
    }
  }

  private static void warnIfDeltaLarge(long n, double delta) {
    DeltaDefault.warnIfTooLarge(delta, n);
  }
}
