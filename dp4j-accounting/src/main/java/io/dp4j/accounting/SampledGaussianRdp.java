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
 * log(1/q − 1) + 1/2, with log-erfc (Sec. 3.3), summed with their signs as Opacus does: the exact
 * A_α, not the upper bound of Google's {@code dp_accounting}, which adds the terms by absolute
 * value (log A_α at q = 0.5, σ = 2, α = 2.2: 0.091746 against 0.095102, and over 200 steps ε 23.622
 * at order 2.2 instead of 23.846 at order 2). The fractional result is kept an upper bound by a
 * bound on the series' remainder (at most 1e−10 of log A_α) and on its float64 round-off. All sums
 * are taken in log space, so orders of 10⁴ and more, q down to 1e−7 and σ from 0.1 stay finite and
 * accurate; for integer orders A_α − 1 is summed directly, keeping full relative precision when it
 * is tiny. The result is capped by the plain Gaussian's α/(2σ²), which subsampling can never
 * exceed. When the fractional series has not converged within its term budget, the order gets the
 * upper bound obtained from the convexity of α ↦ log A_α between the neighbouring integer orders,
 * where {@code dp_accounting} would give up with +∞.
 */
public final class SampledGaussianRdp {
  private SampledGaussianRdp() {}

  private static final int MAX_FRACTIONAL_TERMS = 20_000;

  /**
   * The fractional series stops in its alternating regime once the remainder's bound is below this
   * fraction of log A_α (and of A_α): 1e−10 of the RDP, far below any figure dp4j reports.
   */
  private static final double TAIL_TOLERANCE = 1e-10;

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

  private static final double UNIT_ROUNDOFF = 0x1p-53;

  /**
   * log A_α for fractional α: A_α = A0 + A1, the integrals over (−∞, z₀] and [z₀, ∞), each a
   * convergent binomial series with erfc factors (Mironov et al. 2019, Sec. 3.3). The terms carry
   * the sign of C(α, i), negative for every other i &gt; α + 1, and are added with it, as Opacus's
   * {@code _compute_log_a_for_frac_alpha} does: the exact A_α, where {@code dp_accounting}'s
   * absolute values give an upper bound (at q = 0.5, σ = 2, α = 2.2 the two differ by 3.7% of the
   * RDP). The result adds a bound on the remainder after the last term (alternating regime) or an
   * estimate of it (geometric regime before it), at most 1e−10 of log A_α, and a bound on the
   * float64 error of every term and every addition; it is never more than the absolute-value sum.
   * Returns NaN if the series has not converged after {@value #MAX_FRACTIONAL_TERMS} terms.
   */
  static double logAFractional(double q, double sigma, double alpha) {
    Series s = new Series();
    double sigma2 = sigma * sigma;
    double z0 = sigma2 * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mq = Math.log1p(-q);
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double logHalf = Math.log(0.5);
    double logCoef = 0; // log|C(α, 0)|
    double coefError = 0; // bound on the absolute round-off of logCoef
    double firstNegative = Math.ceil(alpha); // C(α, i) < 0 iff i − ⌈α⌉ is odd and positive
    double lastS0 = Double.NEGATIVE_INFINITY;
    double lastS1 = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
      if (i > 0) {
        // |C(α, i)| = |C(α, i − 1)| · |α − i + 1| / i
        double logRatio = Math.log(Math.abs(alpha - i + 1) / i);
        logCoef += logRatio;
        coefError += (Math.abs(logRatio) + 2 + Math.abs(logCoef)) * UNIT_ROUNDOFF;
      }
      boolean negative = i > firstNegative && ((long) (i - firstNegative)) % 2 == 1;
      double j = alpha - i;
      double x0 = (i - z0) / sqrt2Sigma;
      double x1 = (z0 - j) / sqrt2Sigma;
      double c0 = ((double) i * i - i) / (2 * sigma2);
      double c1 = (j * j - j) / (2 * sigma2);
      // log(erfc/2) first: it is exactly 0 where erfc is 2, which keeps log S0 ≈ −αq exact at i = 0
      double logS0 =
          logCoef + i * logQ + j * log1mq + c0 + (logHalf + SpecialFunctions.logErfc(x0));
      double logS1 =
          logCoef + j * logQ + i * log1mq + c1 + (logHalf + SpecialFunctions.logErfc(x1));
      // Round-off of each log term: every summand's rounding (relative, so 0 for the exact zero
      // of log(1/2) + log 2) and the erfc's (see logErfcError), with a safety factor 4.
      double shared = coefError + 4 * UNIT_ROUNDOFF * Math.abs(logCoef);
      double e0 =
          shared
              + 4 * UNIT_ROUNDOFF * (Math.abs(i * logQ) + Math.abs(j * log1mq) + Math.abs(c0))
              + logErfcError(x0);
      double e1 =
          shared
              + 4 * UNIT_ROUNDOFF * (Math.abs(j * logQ) + Math.abs(i * log1mq) + Math.abs(c1))
              + logErfcError(x1);
      s.add(logS0, e0, negative);
      s.add(logS1, e1, negative);
      // Stop once the remainder's bound (or estimate) is below TAIL_TOLERANCE of log A_α.
      double logValue = s.logDifference();
      double logAllowed = logValue + Math.log(TAIL_TOLERANCE * Math.min(1, logValue));
      if (i > alpha + 1 && x0 > 6 && x1 > 6) {
        // The alternating regime. Past i = α + 1 the signs of C(α, i) alternate, and once both
        // erfc arguments exceed 6 each term is |C(α, i)|·K/x·f(x) with f(x) = √π·x·e^{x²}erfc(x)
        // increasing, f'/f < 1/x³ (the exponentials cancel, as in Sec. 3.3): log|C(α, i)| and
        // −log x are convex in i and outweigh the concave log f (3/x⁴ < 1/x² for x > 6), so the
        // term magnitudes a_i decrease and are log-convex, hence convex. For such an alternating
        // series the remainder after term i is at most a_i/2 in magnitude.
        double logRemainder = SpecialFunctions.logAdd(logS0, logS1) - Math.log(2);
        if (logRemainder < logAllowed) {
          s.addError(logRemainder);
          return s.logUpperBound();
        }
      } else if (logS0 < lastS0 && logS1 < lastS1) {
        // Both terms decrease (geometrically, by the factor q or 1 − q and the exponentials,
        // before the alternating regime): the remainder estimated as geometric in the last ratio.
        double logRemainder =
            SpecialFunctions.logAdd(tailEstimate(logS0, lastS0), tailEstimate(logS1, lastS1));
        if (logRemainder < logAllowed) {
          s.addError(logRemainder);
          return s.logUpperBound();
        }
      }
      lastS0 = logS0;
      lastS1 = logS1;
    }
    return Double.NaN;
  }

  /** log of last·r/(1 − r), r = e^{last − previous} &lt; 1: a geometric remainder. */
  private static double tailEstimate(double last, double previous) {
    double logR = last - previous;
    return last + logR - Math.log(-Math.expm1(logR));
  }

  /**
   * A bound on the absolute error of {@link SpecialFunctions#logErfc}(x): below −6.5 it returns log
   * 2 exactly (erfc(x) is within 4e−20 of 2); up to 0 it is log(2 − erfc(−x)), accurate to a few
   * units of round-off; above, −x² + log erfcx(x), with x² rounded relatively.
   */
  private static double logErfcError(double x) {
    if (x < -6.5) {
      return 4e-20;
    }
    if (x < 0) {
      return 8 * UNIT_ROUNDOFF;
    }
    return 8 * UNIT_ROUNDOFF * (x * x + 1);
  }

  /**
   * The signed sum of log-space terms: positive and negative parts, and a bound on the round-off of
   * both, all in log space so that A_α = e^{1000} and A_α − 1 = 1e−14 keep their precision.
   */
  private static final class Series {
    private double logPositive = Double.NEGATIVE_INFINITY;
    private double logNegative = Double.NEGATIVE_INFINITY;
    private double logError = Double.NEGATIVE_INFINITY;

    /** Adds ±e^{logTerm}, whose log carries an absolute error of at most {@code logTermError}. */
    void add(double logTerm, double logTermError, boolean negative) {
      if (logTerm == Double.NEGATIVE_INFINITY) {
        return;
      }
      // e^{x ± e} − e^x <= e^x·(e^e − 1)
      addError(logTerm + Math.log(Math.expm1(logTermError)));
      double before = negative ? logNegative : logPositive;
      double after = SpecialFunctions.logAdd(before, logTerm);
      if (before != Double.NEGATIVE_INFINITY) {
        // logAdd's log1p and exp round relatively (error u·(smaller term)), its final sum to an
        // ulp of the result (error u·|after| in log space)
        addError(Math.min(before, logTerm) + Math.log(2 * UNIT_ROUNDOFF));
        addError(after + Math.log(2 * UNIT_ROUNDOFF * Math.abs(after)));
      }
      if (negative) {
        logNegative = after;
      } else {
        logPositive = after;
      }
    }

    void addError(double logAmount) {
      logError = SpecialFunctions.logAdd(logError, logAmount);
    }

    /** log of the sum of the terms' absolute values: an upper bound by itself. */
    double logAbsolute() {
      return SpecialFunctions.logAdd(logPositive, logNegative);
    }

    /** log(positive − negative), NaN while negative >= positive. */
    double logDifference() {
      if (!(logNegative < logPositive)) {
        return Double.NaN;
      }
      return logPositive + Math.log1p(-Math.exp(logNegative - logPositive));
    }

    /**
     * log(positive − negative + error bound), at most the absolute sum, which it is when round-off
     * leaves the difference without a correct digit.
     */
    double logUpperBound() {
      double logAbsolute = logAbsolute();
      if (!(logNegative < logPositive)) {
        return logAbsolute;
      }
      double logDifference = logPositive + Math.log1p(-Math.exp(logNegative - logPositive));
      // the subtraction's own rounding: u·negative for exp/log1p, u·|log| for the final sum
      addError(logNegative + Math.log(2 * UNIT_ROUNDOFF));
      addError(logDifference + Math.log(2 * UNIT_ROUNDOFF * Math.abs(logDifference)));
      if (!(logError < logDifference)) {
        return logAbsolute;
      }
      return Math.min(SpecialFunctions.logAdd(logDifference, logError), logAbsolute);
    }
  }
}
