package io.dp4j.accounting;

/**
 * The number of DP-SGD steps a run takes: the one count that planning ({@code budget}), noise
 * calibration ({@code calibrate}), privacy statements and training itself (the samplers) all use,
 * so that a σ calibrated for a run is exactly the σ that run needs.
 *
 * <p>An epoch is {@code ceil(n / b)} steps for {@code n} examples and an expected batch size {@code
 * b}. Under Poisson sampling an epoch is only a bookkeeping unit, and ceil is chosen over round
 * because (1) it is the count of Keras and of shuffled batches that keep the last partial batch, so
 * an epoch means the same number of steps (and the same ε) in both sampling modes; (2) it never
 * makes an epoch see fewer than n examples in expectation (round(1000/400) = 2 steps would see
 * 800). A run of {@code E} epochs is {@code ceil(E · ceil(n / b))} steps, which is {@code E} whole
 * epochs when {@code E} is an integer, as training runs them. TF Privacy's {@code
 * compute_dp_sgd_privacy} counts {@code ceil(E · n / b)} instead ({@link DpSgdPrivacy#steps}),
 * which can be fewer (n 1000, b 400, E 2: 5 against 6).
 */
public final class StepCount {
  private StepCount() {}

  /**
   * Relative distance within which a quotient counts as the integer it is near. The inputs arrive
   * as doubles (a rate q = b/n, or q·n), so an exact integer quotient such as 60000/250 can come
   * out a few ulps (~1e-16 relative) above 240. A quotient n/b with integer b that is not an
   * integer is at least 1/b from one, about 1/n relative: above 1e-9 for any n below 10^9.
   */
  private static final double SNAP = 1e-9;

  /**
   * Steps in one epoch: {@code ceil(n / expectedBatchSize)}, at least 1.
   *
   * @param n examples in the training data, &gt;= 1
   * @param expectedBatchSize the (expected) batch size, in (0, n]
   * @throws IllegalArgumentException if an argument is out of range
   */
  public static long perEpoch(long n, double expectedBatchSize) {
    Arguments.requirePositive("n", n);
    if (!(expectedBatchSize > 0 && expectedBatchSize <= n)) {
      throw new IllegalArgumentException(
          "expectedBatchSize must be in (0, n] = (0, " + n + "], got " + expectedBatchSize);
    }
    return Math.max(1, ceil(n / expectedBatchSize));
  }

  /**
   * Steps of a run of {@code epochs} epochs: {@code ceil(epochs · perEpoch(n, b))}; exactly {@code
   * epochs · perEpoch(n, b)} for whole epochs.
   *
   * @param n examples in the training data, &gt;= 1
   * @param expectedBatchSize the (expected) batch size, in (0, n]
   * @param epochs passes over the data, finite and &gt; 0, may be fractional
   * @throws IllegalArgumentException if an argument is out of range or the count reaches 2^63
   */
  public static long of(long n, double expectedBatchSize, double epochs) {
    Arguments.requirePositive("epochs", epochs);
    long perEpoch = perEpoch(n, expectedBatchSize);
    double steps = epochs * perEpoch;
    if (!(steps < Long.MAX_VALUE)) {
      throw new IllegalArgumentException(
          "epochs * ceil(n / batchSize) must be below 2^63 steps, got " + steps);
    }
    if (epochs == Math.rint(epochs)) {
      return (long) epochs * perEpoch;
    }
    return ceil(steps);
  }

  private static long ceil(double x) {
    double nearest = Math.rint(x);
    if (Math.abs(x - nearest) <= SNAP * Math.max(1, nearest)) {
      return (long) nearest;
    }
    return (long) Math.ceil(x);
  }
}
