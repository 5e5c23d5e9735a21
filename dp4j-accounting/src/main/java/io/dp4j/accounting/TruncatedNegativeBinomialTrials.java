package io.dp4j.accounting;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * K from the truncated negative binomial D_{η,γ} of Papernot and Steinke 2022 (Definition 1): P[K =
 * k] = (1 − γ)^k / (γ^−η − 1) · ∏_{l=0}^{k−1} (l + η)/(l + 1) for k &gt;= 1, and for η = 0 the
 * logarithmic distribution P[K = k] = (1 − γ)^k / (k log(1/γ)). η = 1 is the geometric distribution
 * P[K = k] = γ(1 − γ)^{k−1}. E[K] = η(1 − γ)/(γ(1 − γ^η)), or (1/γ − 1)/log(1/γ) for η = 0.
 *
 * <p>γ = 1 is the limit K ≡ 1 (one trial: the tuning bound is then the trial's own).
 *
 * @param eta η &gt; −1, finite (the shape; smaller η has a cheaper bound and a heavier tail)
 * @param gamma γ in (0, 1]
 */
public record TruncatedNegativeBinomialTrials(double eta, double gamma)
    implements TrialCountDistribution {

  /**
   * Below this γ, {@link #sample} refuses: walking the probabilities one k at a time would take too
   * long (E[K] of the order of 1/γ for η &gt;= 0, far more for η &lt; 0).
   */
  public static final double MIN_SAMPLING_GAMMA = 1e-9;

  public TruncatedNegativeBinomialTrials {
    if (!(eta > -1 && eta < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("eta must be finite and > -1, got " + eta);
    }
    if (!(gamma > 0 && gamma <= 1)) {
      throw new IllegalArgumentException(
          "gamma must be in (0, 1] (1: exactly one trial), got " + gamma);
    }
  }

  /**
   * The distribution of shape η whose mean is {@code mean} (γ found by bisection on log γ; the
   * bound and the draws use this γ and its own exact mean, so the solve's tolerance costs no
   * privacy).
   *
   * @param eta η &gt; −1
   * @param mean E[K] &gt;= 1 (1 gives K ≡ 1)
   * @throws IllegalArgumentException if η or the mean is out of range
   */
  public static TruncatedNegativeBinomialTrials withMean(double eta, double mean) {
    if (!(eta > -1 && eta < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("eta must be finite and > -1, got " + eta);
    }
    if (!(mean >= 1 && mean < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "mean (the expected number of trials) must be finite and >= 1, got " + mean);
    }
    if (mean == 1) {
      return new TruncatedNegativeBinomialTrials(eta, 1);
    }
    // E[K] falls from +inf to 1 as log γ rises from -inf to 0
    double lo = -745;
    double hi = 0;
    for (int i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, -lo); i++) {
      double mid = 0.5 * (lo + hi);
      if (meanAt(eta, mid) > mean) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return new TruncatedNegativeBinomialTrials(eta, Math.exp(0.5 * (lo + hi)));
  }

  @Override
  public double mean() {
    return meanAt(eta, Math.log(gamma));
  }

  /**
   * E[K] at log γ = t, as 1/(γ · expm1(ηt)/(ηt) · t/expm1(t)) so that t → 0 and η → 0 stay exact.
   */
  private static double meanAt(double eta, double t) {
    double a = eta * t == 0 ? 1 : Math.expm1(eta * t) / (eta * t);
    double b = t == 0 ? 1 : t / Math.expm1(t);
    return 1 / (Math.exp(t) * a * b);
  }

  @Override
  public double probability(long k) {
    if (k < 1) {
      return 0;
    }
    if (gamma == 1) {
      return k == 1 ? 1 : 0;
    }
    double logOneMinusGamma = Math.log1p(-gamma);
    if (eta == 0) {
      return Math.exp(k * logOneMinusGamma - Math.log(k) - Math.log(-Math.log(gamma)));
    }
    // |∏ (l + η)/(l + 1)| = |Γ(k + η)/Γ(η)| / k!; its sign and that of γ^−η − 1 are both sgn(η)
    double logProduct =
        SpecialFunctions.logAbsGamma(k + eta)
            - SpecialFunctions.logAbsGamma(eta)
            - SpecialFunctions.logAbsGamma(k + 1.0);
    double logNormalizer = Math.log(Math.abs(Math.expm1(-eta * Math.log(gamma))));
    return Math.exp(k * logOneMinusGamma + logProduct - logNormalizer);
  }

  /**
   * Inverts the distribution function, walking P[K = k + 1] = P[K = k] (1 − γ)(k + η)/(k + 1);
   * expected work E[K]. A uniform draw beyond the sum that float64 reaches (a chance of about
   * 1e−16) is drawn again.
   *
   * @throws IllegalStateException if γ &lt; 1e−9 (a mean far beyond any search that could run)
   */
  @Override
  public long sample(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    if (gamma == 1) {
      return 1;
    }
    if (gamma < MIN_SAMPLING_GAMMA) {
      throw new IllegalStateException(
          "gamma " + gamma + " is below " + MIN_SAMPLING_GAMMA + ": too many trials to draw");
    }
    double p1 = probability(1);
    while (true) {
      double u = random.nextDouble();
      double cumulative = 0;
      double p = p1;
      for (long k = 1; p > 0; k++) {
        cumulative += p;
        if (u < cumulative) {
          return k;
        }
        p *= (1 - gamma) * (k + eta) / (k + 1);
      }
    }
  }
}
