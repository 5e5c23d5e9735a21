package io.dp4j.accounting;

import java.util.Objects;

/**
 * The RDP of releasing the best of K runs of a mechanism Q, K random (Papernot and Steinke 2022,
 * "Hyperparameter Tuning with Renyi Differential Privacy", arXiv:2110.03620), from Q's RDP curve
 * ε(λ) at a set of orders.
 *
 * <ul>
 *   <li>Truncated negative binomial D_{η,γ} (Theorem 2): if Q is (λ, ε(λ))-RDP and (λ̂, ε(λ̂))-RDP,
 *       the search is (λ, ε')-RDP with ε' = ε(λ) + (1 + η)(1 − 1/λ̂) ε(λ̂) + (1 + η) log(1/γ)/λ̂ +
 *       log E[K]/(λ − 1), for any λ̂ &gt;= 1. The bound takes the best λ̂ among the orders and λ̂ =
 *       1 (where the ε̂ term vanishes; Q's KL divergence is finite because some ε(λ) is).
 *   <li>Poisson(μ) (Theorem 6): if Q is (λ, ε(λ))-RDP and (ε̂, δ̂)-DP with e^ε̂ &lt;= 1 + 1/(λ −
 *       1), the search is (λ, ε(λ) + μ δ̂ + log μ/(λ − 1))-RDP. ε̂ = log(1 + 1/(λ − 1)) and δ̂ is
 *       the smallest δ Q's curve gives at ε̂ ({@link RdpAccountant#deltaAndOrder}).
 * </ul>
 *
 * Both are then made non-decreasing in λ (an order's bound also holds at every smaller order), as
 * {@code dp_accounting}'s {@code _compute_rdp_repeat_and_select} does. With the orders fixed, the
 * conversion to (ε, δ) is {@link RdpAccountant}'s.
 */
public final class RepeatAndSelectRdp {
  private RepeatAndSelectRdp() {}

  /**
   * The search's RDP at each order.
   *
   * @param orders the Rényi orders, each &gt; 1 (+∞ allowed)
   * @param rdp one trial's RDP at each order (&gt;= 0, +∞ allowed)
   * @param trials the law of the number of trials
   * @return a new array, the search's RDP at each order
   * @throws IllegalArgumentException if the arrays differ in length or hold a bad value
   */
  public static double[] rdp(double[] orders, double[] rdp, TrialCountDistribution trials) {
    Objects.requireNonNull(orders, "orders");
    Objects.requireNonNull(rdp, "rdp");
    Objects.requireNonNull(trials, "trials");
    if (orders.length != rdp.length || orders.length == 0) {
      throw new IllegalArgumentException(
          "orders and rdp must have the same length >= 1, got "
              + orders.length
              + " and "
              + rdp.length);
    }
    for (int i = 0; i < orders.length; i++) {
      SampledGaussianRdp.checkOrder(orders[i]);
      if (!(rdp[i] >= 0)) {
        throw new IllegalArgumentException("rdp values must be >= 0, got " + rdp[i]);
      }
    }
    double[] out =
        trials instanceof TruncatedNegativeBinomialTrials tnb
            ? negativeBinomial(orders, rdp, tnb)
            : poisson(orders, rdp, trials.mean());
    // monotonicity of RDP in the order: the bound at a larger order holds at a smaller one
    for (int i = 0; i < out.length; i++) {
      for (int j = 0; j < out.length; j++) {
        if (orders[j] >= orders[i] && out[j] < out[i]) {
          out[i] = out[j];
        }
      }
    }
    return out;
  }

  private static double[] negativeBinomial(
      double[] orders, double[] rdp, TruncatedNegativeBinomialTrials trials) {
    double logInverseGamma = -Math.log(trials.gamma());
    double logMean = Math.log(trials.mean());
    // min over λ̂ of (1 − 1/λ̂) ε(λ̂) + log(1/γ)/λ̂, starting from λ̂ = 1
    double best = logInverseGamma;
    for (int j = 0; j < orders.length; j++) {
      double inverse = 1 / orders[j];
      double value = (1 - inverse) * rdp[j] + logInverseGamma * inverse;
      if (value < best) {
        best = value;
      }
    }
    double constant = (1 + trials.eta()) * best;
    double[] out = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      // logMean >= 0; at λ = +∞ the term is 0
      out[i] = rdp[i] + constant + logMean / (orders[i] - 1);
    }
    return out;
  }

  private static double[] poisson(double[] orders, double[] rdp, double mean) {
    double logMean = Math.log(mean);
    double[] out = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      double epsilonHat = Math.log1p(1 / (orders[i] - 1));
      double deltaHat = RdpAccountant.deltaAndOrder(orders, rdp, epsilonHat).delta();
      out[i] = rdp[i] + mean * deltaHat + logMean / (orders[i] - 1);
    }
    return out;
  }
}
