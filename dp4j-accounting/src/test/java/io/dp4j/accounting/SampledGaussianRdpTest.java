package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SampledGaussianRdpTest {

  /**
   * log A_α with A_α = E_{x~N(0,σ²)}[((1 − q) + q·exp((2x − 1)/(2σ²)))^α], by composite Simpson
   * integration over [−14σ − 2, 14σ + 2α + 2] on 400 000 intervals, summed in log space.
   */
  static double logANumerical(double q, double sigma, double alpha) {
    double lo = -14 * sigma - 2;
    double hi = 14 * sigma + 2 * alpha + 2;
    int n = 400_000;
    double h = (hi - lo) / n;
    double[] g = new double[n + 1];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i <= n; i++) {
      double x = lo + i * h;
      double logMu0 = -x * x / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
      double t = (2 * x - 1) / (2 * sigma * sigma);
      double logRatio = SpecialFunctions.logAdd(Math.log1p(-q), Math.log(q) + t);
      g[i] = logMu0 + alpha * logRatio;
      max = Math.max(max, g[i]);
    }
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double w = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2);
      sum += w * Math.exp(g[i] - max);
    }
    return max + Math.log(sum * h / 3);
  }

  // google/differential-privacy python/dp_accounting/dp_accounting/rdp/
  // rdp_privacy_accountant_test.py, test_compute_log_a_equals_mp: log A_α against a
  // multi-precision quadrature, rtol 1e-4, for these (q, σ, α). Here the quadrature is
  // logANumerical, in double precision: values of log A_α near 1e-9 get an absolute 1e-11 more,
  // which also covers the absolute-value fractional series (an upper bound; at q 1e-4, σ 1,
  // α 1.5 it is 2.6e-12 above the integral 6.4426e-9).
  @ParameterizedTest
  @CsvSource({
    "1e-7, 0.1, 1.01",
    "1e-6, 0.1, 256",
    "1e-5, 0.1, 256.1",
    "1e-6, 1, 27",
    "1e-4, 1, 1.5",
    "1e-3, 1, 2",
    "0.01, 10, 20",
    "0.1, 100, 20.5",
    "0.99, 0.1, 256",
    "0.999, 100, 256.1"
  })
  void dpAccountingMultiPrecisionCases(double q, double sigma, double alpha) {
    double expected = logANumerical(q, sigma, alpha);
    double got = SampledGaussianRdp.logA(q, sigma, alpha);
    assertThat(got).isFinite();
    assertThat(got).isCloseTo(expected, within(1e-4 * Math.abs(expected) + 1e-11));
    assertThat(got).isGreaterThanOrEqualTo(expected - 1e-9 * Math.abs(expected) - 1e-12);
  }

  // Independent check of the binomial expansion (Mironov, Talwar, Zhang 2019, Sec. 3.2).
  @ParameterizedTest
  @CsvSource({
    "0.01, 1.0, 2",
    "0.01, 1.0, 3",
    "0.2, 0.8, 2",
    "0.2, 0.8, 3",
    "0.5, 2.0, 3",
    "0.004166666666666667, 1.3, 2",
    "0.04, 1.5, 3"
  })
  void integerOrdersMatchNumericalIntegration(double q, double sigma, double alpha) {
    double expected = logANumerical(q, sigma, alpha) / (alpha - 1);
    double got = SampledGaussianRdp.rdp(q, sigma, alpha);
    // The quadrature is good to about 1e-13 in log A_α.
    assertThat(got).isCloseTo(expected, within(1e-12 / (alpha - 1) + 1e-9 * expected));
    // For α = 2 the sum has the closed form log(1 + q²(e^{1/σ²} − 1)).
    if (alpha == 2) {
      assertThat(got)
          .isCloseTo(Math.log1p(q * q * Math.expm1(1 / (sigma * sigma))), within(1e-13 * got));
    }
  }

  // Fractional orders (Sec. 3.3): the signed series is the exact A_α. This double-precision
  // quadrature is good to about 2e-8 of log A_α here (1.3e-8 low at q 0.01, σ 2.5, α 1.5 against a
  // 40-digit one); exactAtFractionalOrders checks against 40 digits.
  @ParameterizedTest
  @CsvSource({
    "0.01, 2.5, 1.5",
    "0.01, 2.5, 2.5",
    "0.04, 1.5, 3.9",
    "0.2, 1.0, 2.7",
    "0.004166666666666667, 1.3, 10.5"
  })
  void fractionalOrdersMatchNumericalIntegration(double q, double sigma, double alpha) {
    double exact = logANumerical(q, sigma, alpha) / (alpha - 1);
    double got = SampledGaussianRdp.rdp(q, sigma, alpha);
    assertThat(got).isCloseTo(exact, within(2e-8 * exact));
  }

  // log A_α by a 40-digit mpmath quadrature (tools/reference/rdp_peers.py --exact), including
  // orders near 1 with large q, where the series reaches its alternating regime only after
  // hundreds of terms (dp_accounting gives up on these orders after 1000 terms, as dp4j did).
  // dp4j must be within 1e-9 above the exact value, and never below it by more than its float64
  // round-off: 1e-11 of log A_α (measured: 2.7e-12 below at q 0.01, σ 2.5, α 2.5, that is 9e-17 in
  // log A_α, below one unit of round-off of the order-one terms it sums). Opacus stops once a term
  // is below e^-30 and is then below the exact value by up to 5e-9 of it (1.7541862025e-5 in row
  // 2).
  @ParameterizedTest
  @CsvSource({
    "0.01, 2.5, 1.5, 0.0000065007089718803973675",
    "0.01, 2.5, 2.5, 0.000032562541707543729095",
    "0.004166666666666667, 1.0, 2.1, 0.00003449252163963975351",
    "0.001, 0.6, 2.1, 0.000017541862105760570459",
    "0.5, 2.0, 2.2, 0.091745917386178094021",
    "0.5, 0.5, 1.1, 0.079263177957152105243",
    "0.2, 1.0, 1.5, 0.021985254725011812461",
    "0.05, 0.7, 1.05, 0.00031257965738778659915",
    "0.2, 0.7, 1.01, 0.00066888049648615291074",
    "0.5, 1.0, 1.5, 0.11757901724126550954",
    "0.1, 0.3, 1.1, 0.042487534083248648065"
  })
  void exactAtFractionalOrders(double q, double sigma, double alpha, double exactLogA) {
    double got = SampledGaussianRdp.logA(q, sigma, alpha);
    assertThat(got)
        .isGreaterThanOrEqualTo(exactLogA * (1 - 1e-11))
        .isLessThanOrEqualTo(exactLogA * (1 + 1e-9));
  }

  @Test
  void publishedExactValueAtOrderOnePointFiveIsTheIntegral() {
    // dp_accounting rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian
    // (google/differential-privacy python/dp_accounting/dp_accounting/rdp/...; same test in
    // tensorflow/privacy tensorflow_privacy/privacy/analysis/rdp_privacy_accountant_test.py):
    // q = 0.01, σ = 2.5, 50 steps, order 1.5 -> 6.5007e-4 (rtol 1e-4). That figure is the exact
    // integral (signed series), which dp4j computes; dp_accounting's current absolute-value series
    // certifies the larger 6.7058e-4.
    double exact50 = 50 * logANumerical(0.01, 2.5, 1.5) / 0.5;
    assertThat(exact50).isCloseTo(6.5007e-4, within(1e-4 * 6.5007e-4));
    double got50 = 50 * SampledGaussianRdp.rdp(0.01, 2.5, 1.5);
    // 40 digits (tools/reference/rdp_peers.py's quadrature): 50 · 1.3001417943760795e-5
    assertThat(got50).isCloseTo(50 * 1.3001417943760795e-5, within(1e-10 * exact50));
  }

  // Just above an integer order the sum must carry the large terms of both halves without losing
  // A_α − 1 (1.7e-14 at q = 1e-7): the fractional value must meet the integer one.
  @Test
  void signedSeriesKeepsTinyDifferences() {
    for (double q : new double[] {1e-7, 1e-5, 1e-3}) {
      double atTwo = SampledGaussianRdp.logA(q, 1.0, 2);
      double justAbove = SampledGaussianRdp.logAFractional(q, 1.0, 2 + 1e-9);
      assertThat(justAbove).isCloseTo(atTwo, within(1e-6 * atTwo));
    }
  }

  @Test
  void fullSamplingIsThePlainGaussian() {
    for (double sigma : new double[] {0.3, 1, 7.5, 100}) {
      for (double alpha : new double[] {1.01, 1.5, 2, 3.7, 64, 1e4}) {
        assertThat(SampledGaussianRdp.rdp(1.0, sigma, alpha))
            .isEqualTo(alpha / (2 * sigma * sigma));
      }
    }
  }

  @Test
  void samplingNearOneApproachesThePlainGaussian() {
    for (double alpha : new double[] {2, 2.5, 8, 32}) {
      double plain = alpha / 2;
      double almost = SampledGaussianRdp.rdp(1 - 1e-9, 1.0, alpha);
      assertThat(almost).isLessThanOrEqualTo(plain * (1 + 1e-12)).isCloseTo(plain, within(1e-6));
    }
  }

  @Test
  void integerAndFractionalOrdersAreContinuous() {
    for (double[] qs : new double[][] {{0.01, 1.0}, {0.004, 1.3}, {0.1, 0.7}, {1e-5, 5}}) {
      double q = qs[0];
      double sigma = qs[1];
      for (int k = 2; k <= 40; k += 7) {
        double atK = SampledGaussianRdp.rdp(q, sigma, k);
        double below = SampledGaussianRdp.rdp(q, sigma, k - 1e-7);
        double above = SampledGaussianRdp.rdp(q, sigma, k + 1e-7);
        assertThat(below).isCloseTo(atK, within(1e-5 * atK));
        assertThat(above).isCloseTo(atK, within(1e-5 * atK));
        assertThat(below).isLessThanOrEqualTo(above);
      }
    }
  }

  @Test
  void increasesWithOrderAndSamplingAndDecreasesWithNoise() {
    double[] orders = RdpAccountant.defaultOrders();
    double[] base = SampledGaussianRdp.rdp(0.01, 1.1, orders);
    double[] moreQ = SampledGaussianRdp.rdp(0.02, 1.1, orders);
    double[] moreSigma = SampledGaussianRdp.rdp(0.01, 1.2, orders);
    for (int i = 0; i < orders.length; i++) {
      assertThat(moreQ[i]).isGreaterThan(base[i]);
      assertThat(moreSigma[i]).isLessThan(base[i]);
      if (i > 0) {
        assertThat(base[i]).isGreaterThanOrEqualTo(base[i - 1] * (1 - 1e-12));
      }
    }
  }

  @Test
  void extremeParametersStayFinite() {
    double[] orders = {1.01, 1.5, 2, 10.5, 256, 256.1, 4096, 10_000, 10_000.5, 20_000};
    for (double q : new double[] {1e-7, 1e-5, 0.01, 0.5, 0.99, 0.999}) {
      for (double sigma : new double[] {0.1, 0.3, 1, 10, 100}) {
        double[] rdp = SampledGaussianRdp.rdp(q, sigma, orders);
        for (int i = 0; i < orders.length; i++) {
          assertThat(rdp[i])
              .as("q=%s sigma=%s order=%s", q, sigma, orders[i])
              .isFinite()
              .isGreaterThanOrEqualTo(0)
              // never more than the unsampled Gaussian
              .isLessThanOrEqualTo(orders[i] / (2 * sigma * sigma) * (1 + 1e-9));
        }
      }
    }
    assertThat(SampledGaussianRdp.rdp(0.5, 1, Double.POSITIVE_INFINITY)).isInfinite();
    assertThat(SampledGaussianRdp.rdp(0, 1, 5)).isZero();
  }

  @Test
  void tinySamplingIsQuadraticInQ() {
    // For small q, RDP(α) ≈ q² α (e^{1/σ²} − 1) / 2 at α = 2 (closed form log(1 + q²(e^{1/σ²}−1))).
    double q = 1e-7;
    double got = SampledGaussianRdp.rdp(q, 1.0, 2);
    assertThat(got).isCloseTo(q * q * Math.expm1(1.0), within(1e-12 * got));
    // The fractional series agrees next to it.
    assertThat(SampledGaussianRdp.rdp(q, 1.0, 2 + 1e-9)).isCloseTo(got, within(1e-6 * got));
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> SampledGaussianRdp.rdp(1.5, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("samplingProbability");
    assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, 0, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, 1, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order must be > 1");
    assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, 1, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order");
  }
}
