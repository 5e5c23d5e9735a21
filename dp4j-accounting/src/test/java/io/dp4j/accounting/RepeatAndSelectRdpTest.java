package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The private-tuning bound against closed forms of Papernot and Steinke 2022 (arXiv:2110.03620):
 * Corollary 3 (pure DP), Corollary 4 (a ρ-zCDP trial, i.e. a Gaussian), Theorem 6 for a pure-DP
 * trial, and the limit K ≡ 1.
 */
class RepeatAndSelectRdpTest {

  /**
   * Corollary 3: an ε-DP trial gives a ((2 + η)ε)-DP search. A pure-DP trial is (λ, ε)-RDP at every
   * order; at the single order λ = 1e10 the bound is ε + (1 + η)(ε + log(1/γ)/λ) + log E[K]/(λ −
   * 1), which is (2 + η)ε up to (2 + η) log(1000)/1e10 &lt; 1e−8.
   */
  @ParameterizedTest
  @CsvSource({"0, 1", "0.5, 1", "1, 1", "2, 0.3", "5, 1", "-0.5, 2"})
  void pureDpCorollary3(double eta, double epsilon) {
    double[] orders = {1e10};
    double[] out =
        RepeatAndSelectRdp.rdp(
            orders,
            new double[] {epsilon},
            TruncatedNegativeBinomialTrials.withMean(eta, eta < 0 ? 100 : 1000));
    assertThat(out[0]).isCloseTo((2 + eta) * epsilon, within(1e-8));
  }

  /**
   * Corollary 4: a ρ-zCDP trial (a Gaussian of σ² = 1/(2ρ): ε(λ) = ρλ) and K ~ D_{η,γ}, with ρ
   * &lt;= log(1/γ), give ε'(λ) = ρ(λ − 1) + log E[K]/(λ − 1) + 2(1 + η)√(ρ log(1/γ)) − ηρ for λ
   * above λ* = 1 + √(log E[K]/ρ), and the value at λ* below it. The orders hold the minimizing λ̂ =
   * √(log(1/γ)/ρ) and λ*, so the discrete minimum is the continuous one (as in dp_accounting's test
   * of the same corollary); float64 round-off of these sums is below 1e−12.
   */
  @ParameterizedTest
  @CsvSource({
    "0.01, 0.01, 0",
    "1, 0.1, 0",
    "10, 0.99, 0",
    "0.01, 0.01, 0.5",
    "1, 0.1, 0.5",
    "10, 0.99, 0.5",
    "0.01, 0.01, 1",
    "1, 0.1, 1",
    "10, 0.99, 1",
    "0.01, 0.01, 5",
    "1, 0.1, 5",
    "10, 0.99, 5"
  })
  void gaussianCorollary4(double rho, double gamma, double eta) {
    TruncatedNegativeBinomialTrials trials = new TruncatedNegativeBinomialTrials(eta, gamma);
    double logInverseGamma = -Math.log(gamma);
    double r = Math.min(rho, logInverseGamma);
    double mean = trials.mean();
    double lambdaStar = 1 + Math.sqrt(Math.log(mean) / r);
    double[] orders =
        Arrays.stream(
                new double[] {
                  1.1, 2, Math.sqrt(logInverseGamma / r), lambdaStar, 3, 5, 10, 100, 1000, 10000
                })
            .filter(a -> a > 1)
            .toArray();
    RdpAccountant accountant = new RdpAccountant(orders);
    accountant.compose(new RepeatAndSelectDpEvent(new GaussianDpEvent(Math.sqrt(0.5 / r)), trials));
    double[] rdp = accountant.rdp();
    double constant = 2 * (1 + eta) * Math.sqrt(r * logInverseGamma) - eta * r;
    for (int i = 0; i < orders.length; i++) {
      double lambda = Math.max(orders[i], lambdaStar);
      double expected = r * (lambda - 1) + Math.log(mean) / (lambda - 1) + constant;
      assertThat(rdp[i]).as("order %s", orders[i]).isCloseTo(expected, within(1e-9));
    }
  }

  /** Mironov 2017, Proposition 6: the RDP of the Laplace mechanism of ε-DP. */
  private static double laplaceRdp(double epsilon, double a) {
    return epsilon
        + Math.log1p((a - 1) * Math.expm1((1 - 2 * a) * epsilon) / (2 * a - 1)) / (a - 1);
  }

  /**
   * Theorem 6 for a pure ε-DP trial: at λ = 1 + 1/(e^ε − 1), e^ε̂ = 1 + 1/(λ − 1) holds with ε̂ = ε
   * and δ̂ = 0, so ε'(λ) = ε(λ) + log μ/(λ − 1) = ε(λ) + (e^ε − 1) log μ. δ̂ comes from the curve's
   * conversion (orders 1e10 and 1e100 make it e^−200 or less), hence the 1e−3 relative tolerance of
   * dp_accounting's test of the same case.
   */
  @ParameterizedTest
  @CsvSource({"1, 1", "0.1, 2", "10, 10", "0.001, 100", "2, 1000", "1, 1e10"})
  void purePoissonTheorem6(double epsilon, double mean) {
    double alpha = 1 + 1 / Math.expm1(epsilon);
    double[] orders = {alpha, 1e10, 1e100};
    double[] base = Arrays.stream(orders).map(a -> laplaceRdp(epsilon, a)).toArray();
    double[] out = RepeatAndSelectRdp.rdp(orders, base, new PoissonTrials(mean));
    double expected = laplaceRdp(epsilon, alpha) + Math.log(mean) * Math.expm1(epsilon);
    if (expected <= out[1]) {
      assertThat(out[0] / expected).isCloseTo(1, within(1e-3));
    } else {
      assertThat(out[0]).isEqualTo(out[1]).isLessThan(expected);
    }
  }

  /** K ≡ 1 (mean 1, γ = 1) releases the one trial: the bound is the trial's own curve. */
  @ParameterizedTest
  @CsvSource({"0", "0.5", "1", "-0.5", "4"})
  void oneTrialIsTheTrialItself(double eta) {
    DpEvent trial =
        new SelfComposedDpEvent(new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1)), 2000);
    RdpAccountant base = new RdpAccountant().compose(trial);
    RdpAccountant search =
        new RdpAccountant()
            .compose(
                new RepeatAndSelectDpEvent(
                    trial, TruncatedNegativeBinomialTrials.withMean(eta, 1)));
    assertThat(search.rdp()).containsExactly(base.rdp());
    assertThat(search.epsilon(1e-5)).isEqualTo(base.epsilon(1e-5));
  }

  /**
   * More trials on average never cost less; the search is never cheaper than one trial (negative
   * binomial: K &gt;= 1); its curve is non-decreasing in the order; the whole-search ε grows slowly
   * (log E[K]), far below composing E[K] trials.
   */
  @Test
  void monotoneInTheMeanAndBetweenOneTrialAndComposition() {
    DpEvent trial =
        new SelfComposedDpEvent(new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1)), 1000);
    double one = new RdpAccountant().compose(trial).epsilon(1e-5);
    for (double eta : new double[] {-0.5, 0, 0.5, 1, 3, Double.POSITIVE_INFINITY}) {
      double previous = eta == Double.POSITIVE_INFINITY ? 0 : one;
      for (double mean : new double[] {1.5, 2, 5, 10, 30, 100, 1000}) {
        TrialCountDistribution law =
            eta == Double.POSITIVE_INFINITY
                ? new PoissonTrials(mean)
                : TruncatedNegativeBinomialTrials.withMean(eta, mean);
        RdpAccountant acc = new RdpAccountant().compose(new RepeatAndSelectDpEvent(trial, law));
        double[] rdp = acc.rdp();
        for (int i = 1; i < rdp.length; i++) {
          assertThat(rdp[i]).isGreaterThanOrEqualTo(rdp[i - 1]);
        }
        double eps = acc.epsilon(1e-5);
        assertThat(eps).as("eta %s mean %s", eta, mean).isGreaterThanOrEqualTo(previous);
        double composed = new RdpAccountant().compose(trial, (long) Math.ceil(mean)).epsilon(1e-5);
        if (mean >= 10) {
          assertThat(eps).isLessThan(composed);
        }
        previous = eps;
      }
    }
  }

  @Test
  void accountantJsonKeepsTheSearch() {
    RdpAccountant acc =
        new RdpAccountant()
            .compose(
                new RepeatAndSelectDpEvent(
                    new SelfComposedDpEvent(
                        new PoissonSampledDpEvent(0.02, new GaussianDpEvent(1.0)), 300),
                    TruncatedNegativeBinomialTrials.withMean(0.5, 10)))
            .compose(new RepeatAndSelectDpEvent(new GaussianDpEvent(3), new PoissonTrials(4)));
    String json = acc.toJson();
    assertThat(json)
        .contains("\"repeat_and_select\"", "\"truncated_negative_binomial\"", "\"poisson\"");
    assertThat(PrivacyAccountants.fromJson(json)).isEqualTo(acc);
  }

  @Test
  void badInputAndUnsupportedAccountant() {
    TrialCountDistribution law = new PoissonTrials(3);
    assertThatThrownBy(() -> RepeatAndSelectRdp.rdp(new double[] {2, 3}, new double[] {1}, law))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orders and rdp must have the same length");
    assertThatThrownBy(() -> RepeatAndSelectRdp.rdp(new double[] {2}, new double[] {-1}, law))
        .hasMessageContaining("rdp values must be >= 0, got -1.0");
    assertThatThrownBy(() -> RepeatAndSelectRdp.rdp(new double[] {0.5}, new double[] {1}, law))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RepeatAndSelectDpEvent(new GaussianDpEvent(1), null))
        .hasMessageContaining("trials");
    assertThatThrownBy(
            () ->
                new PldAccountant()
                    .compose(new RepeatAndSelectDpEvent(new GaussianDpEvent(1), law)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("account for it with RdpAccountant");
  }
}
