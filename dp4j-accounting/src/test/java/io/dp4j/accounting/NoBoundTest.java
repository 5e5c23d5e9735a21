package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every accountant answers a true upper bound for every σ &gt; 0, down to σ = 1e−12: a positive
 * number or +∞ ("no bound"), never 0 where ε is positive, never NaN, and never smaller for less
 * noise or more steps (issue 19, A.1).
 */
class NoBoundTest {

  private static final double[] SIGMAS = {1e-12, 1e-9, 1e-6, 1e-3, 0.05};
  private static final double[] QS = {1e-6, 0.004, 0.5, 1};
  private static final long[] STEPS = {1, 720, 1_000_000};

  /**
   * δ below every q · TV(N(0, σ²), N(1, σ²)) of the grid (at σ &lt;= 0.05 the total variation is 1
   * − 2Φ(−10) ≈ 1, and q &gt;= 1e−6), so the true ε of every point is positive and 0 is a wrong
   * answer. (With δ &gt;= q, ε = 0 is true: one step touches a record with probability q.)
   */
  private static final double DELTA = 1e-8;

  private static DpEvent step(double q, double sigma) {
    GaussianDpEvent gaussian = new GaussianDpEvent(sigma);
    return q == 1 ? gaussian : new PoissonSampledDpEvent(q, gaussian);
  }

  private static double epsilon(
      Supplier<PrivacyAccountant> accountant, double q, double sigma, long steps) {
    return accountant.get().compose(step(q, sigma), steps).epsilon(DELTA);
  }

  /** ε over the grid, [q][σ][steps], each checked positive-or-+∞ and never NaN. */
  private static double[][][] grid(Supplier<PrivacyAccountant> accountant) {
    double[][][] eps = new double[QS.length][SIGMAS.length][STEPS.length];
    for (int i = 0; i < QS.length; i++) {
      for (int j = 0; j < SIGMAS.length; j++) {
        for (int k = 0; k < STEPS.length; k++) {
          double e = epsilon(accountant, QS[i], SIGMAS[j], STEPS[k]);
          String at = "q=" + QS[i] + " sigma=" + SIGMAS[j] + " steps=" + STEPS[k];
          assertThat(e).as(at).isNotNaN().isPositive();
          eps[i][j][k] = e;
        }
      }
    }
    return eps;
  }

  private static void assertMonotone(double[][][] eps) {
    for (int i = 0; i < QS.length; i++) {
      for (int j = 0; j < SIGMAS.length; j++) {
        for (int k = 0; k < STEPS.length; k++) {
          String at = "q=" + QS[i] + " sigma=" + SIGMAS[j] + " steps=" + STEPS[k];
          if (j > 0) {
            assertThat(eps[i][j - 1][k])
                .as("less noise than " + at)
                .isGreaterThanOrEqualTo(eps[i][j][k]);
          }
          if (k > 0) {
            assertThat(eps[i][j][k])
                .as("more steps: " + at)
                .isGreaterThanOrEqualTo(eps[i][j][k - 1]);
          }
        }
      }
    }
  }

  @Test
  void rdpIsPositiveOrInfiniteAndMonotone() {
    assertMonotone(grid(RdpAccountant::new));
  }

  // Old code: hangs (hours) at σ = 1e−6 refining a grid over the loss range [0, 1/(2σ²)].
  @Test
  @Timeout(value = 25, unit = TimeUnit.SECONDS)
  void pldIsPositiveOrInfiniteMonotoneAndEnds() {
    assertMonotone(grid(PldAccountant::new));
  }

  /**
   * A lower bound on the RDP at integer order α: A_α is at least its last binomial term q^α
   * e^{(α²−α)/(2σ²)}, so RDP(α) ≥ α log q / (α − 1) + α/(2σ²). The old code answered 0 from α =
   * 1500 on at σ = 1e−6 (issue 19: "RDP 0.0000 optimal order 2048").
   */
  @ParameterizedTest
  @ValueSource(doubles = {2, 64, 1024, 1500, 2048, 4096, 8192})
  void rdpAtTinyNoiseIsAtLeastItsLargestTerm(double alpha) {
    double q = 250.0 / 60000;
    double sigma = 1e-6;
    double lower = alpha * Math.log(q) / (alpha - 1) + alpha / (2 * sigma * sigma);
    double rdp = SampledGaussianRdp.rdp(q, sigma, alpha);
    // relative round-off of the log-space sum: a few ulps of the largest term (~1e18)
    assertThat(rdp).isGreaterThanOrEqualTo(lower * (1 - 1e-12));
  }

  @Test
  void tutorialRunWithTinyNoiseIsNotFree() {
    // issue 19: budget --n 60000 --batch-size 250 --noise-multiplier 1e-6 --epochs 3 printed 0
    DpSgdBudget b =
        DpSgdBudget.compute(60000, 250, 1e-6, false, 720, 1e-5, DpSgdBudget.Accountants.BOTH);
    assertThat(b.epsilonRdp()).isGreaterThan(1e12);
    assertThat(b.epsilonPld()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(b.epsilon()).isEqualTo(b.epsilonRdp());
  }

  @Test
  void rdpOrderOverflowIsInfiniteNotZero() {
    // σ² underflows: α/(2σ²) is +∞, and so is every sampled term
    assertThat(SampledGaussianRdp.rdp(0.004, 1e-170, 2048)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(SampledGaussianRdp.rdp(0.004, 1e-170, 2.5)).isEqualTo(Double.POSITIVE_INFINITY);
    RdpAccountant a = new RdpAccountant();
    a.compose(step(0.004, 1e-170), 10);
    assertThat(a.epsilon(1e-5)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void pldWithoutABoundSaysSoQuickly() {
    PldAccountant a = new PldAccountant();
    a.compose(step(250.0 / 60000, 1e-6), 720);
    assertThat(a.epsilon(1e-5)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(a.delta(1.0)).isEqualTo(1.0);
  }

  @Test
  void calibrationNeverAcceptsANaN() {
    // An accountant whose answer is NaN bounds nothing; the old search took σ = 1 as meeting
    // the target (NaN > target is false) and halved σ to 1e-6.
    Supplier<PrivacyAccountant> broken =
        () ->
            new PrivacyAccountant() {
              @Override
              public PrivacyAccountant compose(DpEvent event, long count) {
                return this;
              }

              @Override
              public PrivacyAccountant compose(DpEvent event) {
                return this;
              }

              @Override
              public double epsilon(double delta) {
                return Double.NaN;
              }

              @Override
              public double delta(double epsilon) {
                return Double.NaN;
              }

              @Override
              public DpEvent ledger() {
                return new ComposedDpEvent(java.util.List.of());
              }

              @Override
              public String method() {
                return "broken";
              }

              @Override
              public String toJson() {
                return "{}";
              }
            };
    assertThatThrownBy(() -> NoiseCalibration.noiseMultiplierFor(1, 1e-5, 0.004, 720, broken))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unreachable");
  }

  @Test
  @Timeout(value = 25, unit = TimeUnit.SECONDS)
  void pldCalibrationToAHugeTargetEndsWithAFiniteEpsilon() {
    // issue 19: calibrate --target-epsilon 1e6 --accountant pld hung below σ ≈ 0.01
    NoiseCalibration.Calibration c =
        NoiseCalibration.noiseMultiplierFor(1e6, 1e-5, 250.0 / 60000, 720, PldAccountant::new);
    assertThat(c.epsilon()).isFinite().isLessThanOrEqualTo(1e6);
    PldAccountant check = new PldAccountant();
    check.compose(step(250.0 / 60000, c.noiseMultiplier()), 720);
    assertThat(check.epsilon(1e-5)).isEqualTo(c.epsilon());
  }
}
