package io.dp4j.audit;

import org.apache.commons.numbers.gamma.LogGamma;

/**
 * The ε lower bound of a one-run audit (Steinke, Nasr and Jagielski 2023, "Privacy Auditing with
 * One (1) Training Run", Theorem 5.2 and its algorithm for the p-value, as in the authors' code): m
 * canaries are each included independently with probability 1/2, the auditor guesses r of them
 * (abstaining on the rest) and gets v right. If training is (ε, δ)-DP, then
 *
 * <pre>
 *   P[at least v right] ≤ β + 2mδ·α,   β = P[Binomial(r, p) ≥ v],  p = e^ε / (1 + e^ε),
 *   α = max over i in 1..v of P[v - i ≤ Binomial(r, p) &lt; v] / i
 * </pre>
 *
 * <p>(ε-DP bounds each guess by randomized response's accuracy p; δ adds the α term). The lower
 * bound at confidence 1 - β₀ is the largest ε whose p-value is below β₀, found by bisection (steps
 * of 1 up to a bracket, then 30 halvings, as the authors do).
 */
public final class OneRunBound {
  private OneRunBound() {}

  /**
   * The probability of at least {@code v} right guesses out of {@code r} on {@code m} canaries
   * under (ε, δ)-DP (at most 1).
   */
  public static double pValue(int m, int r, int v, double epsilon, double delta) {
    check(m, r, v, delta);
    if (!(epsilon >= 0)) {
      throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
    }
    double p = 1 / (1 + Math.exp(-epsilon));
    double beta = 0;
    for (int k = v; k <= r; k++) {
      beta += binomialPmf(r, k, p);
    }
    double alpha = 0;
    double sum = 0;
    for (int i = 1; i <= v; i++) {
      sum += binomialPmf(r, v - i, p);
      if (sum > i * alpha) {
        alpha = sum / i;
      }
    }
    return Math.min(beta + alpha * delta * 2 * m, 1);
  }

  /**
   * The ε lower bound at {@code confidence} (e.g. 0.95): training is not (ε, δ)-DP for any smaller
   * ε, except with probability 1 - confidence. 0 when the guesses show nothing.
   */
  public static double epsilonLowerBound(int m, int r, int v, double delta, double confidence) {
    check(m, r, v, delta);
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }
    double level = 1 - confidence;
    double low = 0;
    double high = 1;
    while (pValue(m, r, v, high, delta) < level) {
      high += 1;
    }
    for (int i = 0; i < 30; i++) {
      double mid = (low + high) / 2;
      if (pValue(m, r, v, mid, delta) < level) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return low;
  }

  private static double binomialPmf(int n, int k, double p) {
    if (p == 1) {
      return k == n ? 1 : 0;
    }
    double log =
        LogGamma.value(n + 1.0)
            - LogGamma.value(k + 1.0)
            - LogGamma.value(n - k + 1.0)
            + k * Math.log(p)
            + (n - k) * Math.log1p(-p);
    return Math.exp(log);
  }

  private static void check(int m, int r, int v, double delta) {
    if (!(0 <= v && v <= r && r <= m)) {
      throw new IllegalArgumentException(
          "need 0 <= correct <= guesses <= canaries, got correct "
              + v
              + ", guesses "
              + r
              + ", canaries "
              + m);
    }
    if (!(delta >= 0 && delta <= 1)) {
      throw new IllegalArgumentException("delta must be in [0, 1], got " + delta);
    }
  }
}
