package io.dp4j.accounting;

/**
 * Rényi differential privacy of the Poisson-subsampled Gaussian mechanism (the sampled Gaussian
 * mechanism, SGM): each record is included with probability q, then N(0, σ²) noise is added to a
 * sum of sensitivity 1.
 *
 * <p>For order α &gt; 1 the RDP is {@code log(A_α) / (α − 1)} with A_α = E<sub>z~μ0</sub>[(1 − q +
 * q·μ1(z)/μ0(z))<sup>α</sup>], μ0 = N(0, σ²), μ1 = N(1, σ²) (Mironov, Talwar, Zhang 2019, "Rényi
 * Differential Privacy of the Sampled Gaussian Mechanism", arXiv:1908.10530). Integer α use the
 * binomial expansion (Sec. 3.2); fractional α use the two convergent series split at z₀ = σ²
 * log(1/q − 1) + 1/2, with log-erfc (Sec. 3.3), the computation of Google's {@code dp_accounting}.
 * As there, the fractional series adds its terms by absolute value: an upper bound, slightly above
 * the exact A_α that Opacus and older TF Privacy obtain with signed terms (at q = 0.01, σ = 2.5, α
 * = 1.5: 1.3412e−5 against 1.3001e−5 per step; the gap vanishes as α grows). All sums are taken in
 * log space, so orders of 10⁴ and more, q down to 1e−7 and σ from 0.1 stay finite and accurate; for
 * integer orders A_α − 1 is summed directly, keeping full relative precision when it is tiny. The
 * result is capped by the plain Gaussian's α/(2σ²), which subsampling can never exceed. When the
 * fractional series does not converge within its iteration budget (orders near 1 with large q or
 * small σ), the order gets the upper bound obtained from the convexity of α ↦ log A_α between the
 * neighbouring integer orders, where {@code dp_accounting} would give up with +∞.
 */
public final class SampledGaussianRdp {
  private SampledGaussianRdp() {}

  private static final int MAX_FRACTIONAL_TERMS = 1000;
  private static final int LOG_FACTORIAL_TABLE_SIZE = 1 << 14;

  /** {@code log(k!)} for k below {@link #LOG_FACTORIAL_TABLE_SIZE}, built on first use. */
  private static final class LogFactorials {
    static final double[] TABLE = build();

    private static double[] build() {
      double[] t = new double[LOG_FACTORIAL_TABLE_SIZE + 1];
      long factorial = 1;
      for (int k = 1; k <= LOG_FACTORIAL_TABLE_SIZE; k++) {
        if (k <= 20) {
          factorial *= k;
          t[k] = Math.log((double) factorial);
        } else {
          t[k] = SpecialFunctions.logAbsGamma(k + 1.0);
        }
      }
      return t;
    }
  }

  /**
   * The RDP at each order of one run of the sampled Gaussian mechanism.
   *
   * @param samplingProbability q in [0, 1]; 0 gives 0 at every order, 1 the plain Gaussian α/(2σ²)
   * @param noiseMultiplier σ &gt; 0
   * @param orders the Rényi orders, each &gt; 1 (+∞ allowed)
   * @return a new array, one RDP value per order: an upper bound, +∞ for the order +∞ and where σ
   *     is so small that the bound overflows; never NaN
   */
  public static double[] rdp(double samplingProbability, double noiseMultiplier, double[] orders) {
    checkQ(samplingProbability);
    Arguments.requirePositive("noiseMultiplier", noiseMultiplier);
    double[] out = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      out[i] = rdpUnchecked(samplingProbability, noiseMultiplier, checkOrder(orders[i]));
    }
    return out;
  }

  /**
   * The RDP at order {@code order} of one run of the sampled Gaussian mechanism.
   *
   * @see #rdp(double, double, double[])
   */
  public static double rdp(double samplingProbability, double noiseMultiplier, double order) {
    checkQ(samplingProbability);
    Arguments.requirePositive("noiseMultiplier", noiseMultiplier);
    return rdpUnchecked(samplingProbability, noiseMultiplier, checkOrder(order));
  }

  static double checkOrder(double order) {
    if (!(order > 1)) {
      throw new IllegalArgumentException("order must be > 1, got " + order);
    }
    return order;
  }

  private static void checkQ(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("samplingProbability must be in [0, 1], got " + q);
    }
  }

  static double rdpUnchecked(double q, double sigma, double alpha) {
    if (q == 0) {
      return 0;
    }
    if (alpha == Double.POSITIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    double gaussian = alpha / (2 * sigma * sigma);
    if (q == 1 || gaussian == Double.POSITIVE_INFINITY) {
      // σ² underflowing: with probability q a step reveals its record outright, D_α = +∞
      return gaussian;
    }
    // Sampling never costs more than the plain Gaussian (joint convexity of exp((α−1)D_α)).
    double sampled = logA(q, sigma, alpha) / (alpha - 1);
    // A NaN (an indeterminate sum) is no bound: the Gaussian's is.
    return Double.isNaN(sampled) ? gaussian : Math.min(sampled, gaussian);
  }

  /** log A_α for 0 &lt; q &lt; 1 and finite α &gt; 1. */
  static double logA(double q, double sigma, double alpha) {
    if (alpha == Math.rint(alpha) && alpha <= Integer.MAX_VALUE - 1) {
      return logAInteger(q, sigma, (int) alpha);
    }
    double logA = logAFractional(q, sigma, alpha);
    if (!Double.isNaN(logA)) {
      return logA;
    }
    // Convexity of α -> log A_α (a cumulant generating function), with log A_1 = 0.
    double lo = Math.floor(alpha);
    double hi = lo + 1;
    double t = alpha - lo;
    double logALo = lo <= 1 ? 0 : logAInteger(q, sigma, (int) lo);
    return (1 - t) * logALo + t * logAInteger(q, sigma, (int) hi);
  }

  /**
   * log A_α for integer α from A_α = Σ_{i=0..α} C(α, i) q^i (1 − q)^{α−i} exp((i² − i)/(2σ²))
   * (Mironov et al. 2019, Sec. 3.2). Since the binomial weights sum to 1, A_α = 1 + B with B =
   * Σ_{i>=2} C(α, i) q^i (1 − q)^{α−i} expm1((i² − i)/(2σ²)), a sum of positive terms; B is summed
   * in log space (shifted by its largest term) and log A_α = log1p(B), so that A_α − 1 keeps full
   * relative precision even when it is 1e−14 (q = 1e−7).
   */
  static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mq = Math.log1p(-q);
    double inv2s2 = 1 / (2 * sigma * sigma);
    // Two passes over i = 2..α: the maximum log term, then the sum of exp(term − max) over the
    // terms within e^-60 of it (smaller ones cannot change a sum of at most 2^31 terms).
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 2; i <= alpha; i++) {
      max = Math.max(max, logIntegerTerm(i, alpha, logQ, log1mq, inv2s2));
    }
    if (!(max < Double.POSITIVE_INFINITY)) {
      return Double.POSITIVE_INFINITY; // a term overflows (σ² underflows): no finite bound here
    }
    // Compare the difference, not f with max − 60: once |max| > 2^58, max − 60 rounds to max
    // itself and even the largest term would be cut, leaving log(0) = −∞, that is A_α = 1 and an
    // RDP of 0 (σ = 1e−6 at order 2048).
    double sum = 0;
    for (int i = 2; i <= alpha; i++) {
      double f = logIntegerTerm(i, alpha, logQ, log1mq, inv2s2) - max;
      if (f > -60) {
        sum += Math.exp(f);
      }
    }
    double logB = max + Math.log(sum);
    return logB < 0 ? Math.log1p(Math.exp(logB)) : logB + Math.log1p(Math.exp(-logB));
  }

  /** log(C(α, i) q^i (1 − q)^{α−i} expm1((i² − i)/(2σ²))). */
  private static double logIntegerTerm(
      int i, int alpha, double logQ, double log1mq, double inv2s2) {
    double c = ((double) i * i - i) * inv2s2;
    // log(expm1(c)) = c + log1p(−e^{−c}), which is c to double precision once c > 37.
    double logExpm1 = c > 37 ? c : Math.log(Math.expm1(c));
    return logBinomial(alpha, i) + i * logQ + (alpha - i) * log1mq + logExpm1;
  }

  private static double logBinomial(int n, int k) {
    if (n <= LOG_FACTORIAL_TABLE_SIZE) {
      double[] lf = LogFactorials.TABLE;
      return lf[n] - lf[k] - lf[n - k];
    }
    return SpecialFunctions.logAbsGamma(n + 1.0)
        - SpecialFunctions.logAbsGamma(k + 1.0)
        - SpecialFunctions.logAbsGamma(n - k + 1.0);
  }

  /**
   * log A_α for fractional α: A_α = A0 + A1, the integrals over (−∞, z₀] and [z₀, ∞), each a
   * convergent binomial series with erfc factors (Mironov et al. 2019, Sec. 3.3). Terms are added
   * by absolute value, an upper bound. Returns NaN if the series has not converged after {@value
   * #MAX_FRACTIONAL_TERMS} terms.
   */
  static double logAFractional(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double sigma2 = sigma * sigma;
    double z0 = sigma2 * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mq = Math.log1p(-q);
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double logHalf = Math.log(0.5);
    double logCoef = 0; // log|C(α, 0)|
    double lastS0 = Double.NEGATIVE_INFINITY;
    double lastS1 = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
      if (i > 0) {
        // |C(α, i)| = |C(α, i − 1)| · |α − i + 1| / i
        logCoef += Math.log(Math.abs(alpha - i + 1) / i);
      }
      double j = alpha - i;
      double logT0 = logCoef + i * logQ + j * log1mq;
      double logT1 = logCoef + j * logQ + i * log1mq;
      double logE0 = logHalf + SpecialFunctions.logErfc((i - z0) / sqrt2Sigma);
      double logE1 = logHalf + SpecialFunctions.logErfc((z0 - j) / sqrt2Sigma);
      double logS0 = logT0 + ((double) i * i - i) / (2 * sigma2) + logE0;
      double logS1 = logT1 + (j * j - j) / (2 * sigma2) + logE1;
      logA0 = SpecialFunctions.logAdd(logA0, logS0);
      logA1 = SpecialFunctions.logAdd(logA1, logS1);
      // Stop once both terms decrease and are below e^-30 of the total (A0 + A1 >= max(A0, A1)).
      if (logS0 < lastS0 && logS1 < lastS1) {
        double largest = Math.max(logS0, logS1);
        if (largest < Math.max(logA0, logA1) - 30) {
          return SpecialFunctions.logAdd(logA0, logA1);
        }
        double total = SpecialFunctions.logAdd(logA0, logA1);
        if (largest < total - 30) {
          return total;
        }
      }
      lastS0 = logS0;
      lastS1 = logS1;
      if (i % 25 == 0
          && i > alpha + 1
          && cannotConverge(i, alpha, z0, sqrt2Sigma, logS0, logS1, logA0, logA1)) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /**
   * Whether the fractional series provably cannot meet its stopping rule before term {@value
   * #MAX_FRACTIONAL_TERMS}, so that summing on is wasted (the result would be NaN anyway). Once
   * both erfc arguments u = (i − z₀)/(√2σ) and v = (z₀ − α + i)/(√2σ) exceed 6, the exponentials
   * cancel exactly and each term is |C(α, i)|·K/u (resp. /v) up to a factor in [1 − 1/(2u²), 1]
   * (the bounds e^{−u²}/(u√π)·(1 − 1/(2u²)) &lt; erfc(u) &lt; e^{−u²}/(u√π)), so the terms can fall
   * by at most |C(α, N)/C(α, i)|·u_i/u_N until the last term N, and the total can grow by at most
   * (N − i) times the current largest term.
   */
  private static boolean cannotConverge(
      int i,
      double alpha,
      double z0,
      double sqrt2Sigma,
      double logS0,
      double logS1,
      double logA0,
      double logA1) {
    double u = (i - z0) / sqrt2Sigma;
    double v = (z0 - alpha + i) / sqrt2Sigma;
    if (!(u > 6 && v > 6)) {
      return false;
    }
    int last = MAX_FRACTIONAL_TERMS - 1;
    // log(|C(α, last)| / |C(α, i)|) = log Π_{k=i}^{last−1} (k − α)/(k + 1), for i > α.
    double logBinomialRatio =
        SpecialFunctions.logAbsGamma(last - alpha)
            - SpecialFunctions.logAbsGamma(i - alpha)
            + SpecialFunctions.logAbsGamma(i + 1.0)
            - SpecialFunctions.logAbsGamma(last + 1.0);
    double uLast = (last - z0) / sqrt2Sigma;
    double vLast = (z0 - alpha + last) / sqrt2Sigma;
    double slack = 0.02; // > −log(1 − 1/72)
    double lowest =
        Math.max(
                logS0 + logBinomialRatio - Math.log(uLast / u),
                logS1 + logBinomialRatio - Math.log(vLast / v))
            - slack;
    double largestTotal =
        SpecialFunctions.logAdd(
            SpecialFunctions.logAdd(logA0, logA1),
            Math.max(logS0, logS1) + slack + Math.log(last - i));
    return lowest > largestTotal - 30;
  }
}
