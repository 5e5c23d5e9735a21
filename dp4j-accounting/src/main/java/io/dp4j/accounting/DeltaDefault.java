package io.dp4j.accounting;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default δ for a run over {@code n} examples, and the check that a δ is small enough.
 *
 * <p>δ bounds the probability that the ε guarantee fails; a mechanism that publishes one random
 * record in full satisfies (0, 1/n)-DP, so a δ of 1/n or more permits exactly such a leak. The
 * default is therefore at most 1/(10n), rounded down to a power of ten: 1e-4 for 1,000 examples,
 * 1e-6 for 60,000.
 */
public final class DeltaDefault {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaDefault.class);

  private DeltaDefault() {}

  /**
   * {@code 10^-(ceil(log10 n) + 1)}: the largest power of ten at most {@code 1/(10n)}.
   *
   * @param n examples in the training data, &gt;= 1
   */
  public static double forExamples(long n) {
    Arguments.requirePositive("n", n);
    // Math.log10 is exact at powers of ten, so n = 1000 gives 3 and 1e-4, not 1e-3
    return Math.pow(10, -(Math.ceil(Math.log10(n)) + 1));
  }

  /** Whether {@code delta} is at least 1/n, large enough to allow leaking a whole record. */
  public static boolean isTooLarge(double delta, long n) {
    return delta >= 1.0 / n;
  }

  /**
   * The warning for a δ of at least 1/n, or empty when δ is below 1/n or outside (0, 1) (an error
   * for whoever validates δ, not a warning).
   *
   * @param delta δ
   * @param n examples in the training data, &gt;= 1
   */
  public static Optional<String> warning(double delta, long n) {
    if (!(delta > 0 && delta < 1) || !isTooLarge(delta, n)) {
      return Optional.empty();
    }
    return Optional.of(
        "delta = "
            + delta
            + " is >= 1/n = "
            + (1.0 / n)
            + " for n = "
            + n
            + " examples: such a delta allows publishing a whole record; choose delta <= 1/(10n)"
            + " (e.g. "
            + forExamples(n)
            + ")");
  }

  /** Logs {@link #warning} at WARN when δ is at least 1/n; returns whether it did. */
  public static boolean warnIfTooLarge(double delta, long n) {
    Optional<String> w = warning(delta, n);
    w.ifPresent(LOG::warn);
    return w.isPresent();
  }
}
