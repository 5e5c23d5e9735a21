package io.dp4j.accounting;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Finds the noise multiplier σ that meets a privacy budget: the smallest σ such that {@code steps}
 * runs of the Poisson-sampled Gaussian mechanism (DP-SGD) are (ε, δ)-DP with ε &lt;= the target, as
 * Opacus's {@code get_noise_multiplier} and TF Privacy's {@code compute_noise} do.
 *
 * <p>The search brackets σ by doubling and halving, then narrows the bracket (safeguarded false
 * position on log ε against log σ, with bisection as fallback) until it is within a relative
 * {@value #RELATIVE_TOLERANCE} and the upper end's ε is within a relative {@value
 * #EPSILON_TOLERANCE} below the target; the upper end is returned, so the result always meets the
 * target. It relies on ε falling as σ grows, which holds for the sampled Gaussian mechanism (its
 * privacy-loss distributions are ordered by σ). A σ whose ε the accountant cannot bound (+∞, as PLD
 * answers beyond its work limit, or NaN) never meets a target.
 */
public final class NoiseCalibration {
  private NoiseCalibration() {}

  /** The largest noise multiplier searched; beyond it a target is reported as unreachable. */
  public static final double MAX_NOISE_MULTIPLIER = 1e6;

  /** Relative width of the final bracket around the smallest σ. */
  public static final double RELATIVE_TOLERANCE = 1e-4;

  /** The returned σ's ε is within this fraction below the target (when ε(σ) allows it). */
  public static final double EPSILON_TOLERANCE = 1e-3;

  private static final double MIN_NOISE_MULTIPLIER = 1e-6;

  /**
   * A calibrated noise multiplier and the ε it gives.
   *
   * @param noiseMultiplier σ, at most {@value #RELATIVE_TOLERANCE} (relative) above the smallest σ
   *     meeting the target
   * @param epsilon the ε the accountant certifies for σ, &lt;= the target (and normally within
   *     {@value #EPSILON_TOLERANCE} of it)
   */
  public record Calibration(double noiseMultiplier, double epsilon) {}

  /**
   * {@link #noiseMultiplierFor(double, double, double, long, Supplier)} with an {@link
   * RdpAccountant} over its default orders.
   */
  public static Calibration noiseMultiplierFor(
      double targetEpsilon, double delta, double samplingRate, long steps) {
    return noiseMultiplierFor(targetEpsilon, delta, samplingRate, steps, RdpAccountant::new);
  }

  /**
   * The smallest noise multiplier σ (to a relative {@value #RELATIVE_TOLERANCE}, rounded up) such
   * that composing {@code PoissonSampledDpEvent(samplingRate, GaussianDpEvent(σ))} {@code steps}
   * times gives ε &lt;= {@code targetEpsilon} at {@code delta}.
   *
   * @param targetEpsilon the ε budget, finite and &gt; 0
   * @param delta δ in (0, 1)
   * @param samplingRate the Poisson sampling probability q in (0, 1]
   * @param steps the number of steps, &gt;= 1
   * @param accountant makes a fresh, empty accountant for each trial σ
   * @return σ and the ε it gives
   * @throws IllegalArgumentException if an argument is out of range, or the target is unreachable
   *     (it needs σ &gt; {@value #MAX_NOISE_MULTIPLIER})
   */
  public static Calibration noiseMultiplierFor(
      double targetEpsilon,
      double delta,
      double samplingRate,
      long steps,
      Supplier<PrivacyAccountant> accountant) {
    if (!(targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "targetEpsilon must be finite and > 0 (no noise multiplier reaches ε <= "
              + targetEpsilon
              + "), got "
              + targetEpsilon);
    }
    Arguments.requireOpenUnit("delta", delta);
    Arguments.requireProbability("samplingRate", samplingRate);
    Arguments.requirePositive("steps", steps);
    Objects.requireNonNull(accountant, "accountant");

    double hi = 1;
    double epsHi = epsilon(accountant, hi, samplingRate, steps, delta);
    double lo;
    double epsLo;
    if (epsHi > targetEpsilon) {
      do {
        lo = hi;
        epsLo = epsHi;
        hi = Math.min(2 * hi, MAX_NOISE_MULTIPLIER);
        epsHi = epsilon(accountant, hi, samplingRate, steps, delta);
        if (epsHi > targetEpsilon && hi == MAX_NOISE_MULTIPLIER) {
          throw new IllegalArgumentException(
              "targetEpsilon "
                  + targetEpsilon
                  + " is unreachable at delta "
                  + delta
                  + " with samplingRate "
                  + samplingRate
                  + " over "
                  + steps
                  + " steps: even noiseMultiplier "
                  + MAX_NOISE_MULTIPLIER
                  + " (the largest searched) gives epsilon "
                  + epsHi);
        }
      } while (epsHi > targetEpsilon);
    } else {
      while (true) {
        lo = hi / 2;
        epsLo = epsilon(accountant, lo, samplingRate, steps, delta);
        if (epsLo > targetEpsilon) {
          break;
        }
        hi = lo;
        epsHi = epsLo;
        if (hi < MIN_NOISE_MULTIPLIER) {
          return new Calibration(hi, epsHi);
        }
      }
    }
    // Invariant: ε(lo) > target >= ε(hi). Narrow the bracket by false position on log ε against
    // log σ (Illinois variant, each step kept inside the middle 90% of the bracket so that it
    // shrinks), bisecting where ε is 0 or flat. ε(σ) can be very steep where the optimal order
    // leaves the amplified regime, so stop only when ε(hi) is near the target and a probe just
    // below hi misses it.
    double gLo = Math.log(epsLo / targetEpsilon);
    double gHi = Math.log(epsHi / targetEpsilon);
    int lastMoved = 0;
    for (int iteration = 0; iteration < 200; iteration++) {
      boolean narrow = hi - lo <= RELATIVE_TOLERANCE * hi;
      boolean close = targetEpsilon - epsHi <= EPSILON_TOLERANCE * targetEpsilon;
      // Where the accountant has no bound below hi (+∞ at lo), ε jumps past the target there:
      // the narrow bracket is the answer, however far below the target ε(hi) is.
      if (narrow && (close || epsLo == Double.POSITIVE_INFINITY)) {
        break;
      }
      double logLo = Math.log(lo);
      double logHi = Math.log(hi);
      double x;
      if (close) {
        x = Math.max(hi * (1 - RELATIVE_TOLERANCE / 2), Math.sqrt(lo * hi));
      } else if (Double.isFinite(gLo) && Double.isFinite(gHi) && gLo > gHi) {
        double t = gLo / (gLo - gHi);
        t = Math.min(0.95, Math.max(0.05, t));
        x = Math.exp(logLo + t * (logHi - logLo));
      } else {
        x = Math.sqrt(lo * hi);
      }
      if (!(x > lo && x < hi)) {
        break;
      }
      double epsX = epsilon(accountant, x, samplingRate, steps, delta);
      if (epsX <= targetEpsilon) {
        hi = x;
        epsHi = epsX;
        gHi = Math.log(epsX / targetEpsilon);
        if (lastMoved == 1) {
          gLo /= 2;
        }
        lastMoved = 1;
      } else {
        lo = x;
        epsLo = epsX;
        gLo = Math.log(epsX / targetEpsilon);
        if (lastMoved == -1) {
          gHi /= 2;
        }
        lastMoved = -1;
      }
    }
    return new Calibration(hi, epsHi);
  }

  private static double epsilon(
      Supplier<PrivacyAccountant> accountant, double sigma, double q, long steps, double delta) {
    PrivacyAccountant a = Objects.requireNonNull(accountant.get(), "accountant.get()");
    // σ here is the effective one: the event of a run clipped per example (microbatch size 1)
    a.compose(new RunShape(q, sigma, steps, 1).event());
    double epsilon = a.epsilon(delta);
    // NaN bounds nothing: count it as +∞, so that no σ passes on it.
    return Double.isNaN(epsilon) ? Double.POSITIVE_INFINITY : epsilon;
  }
}
