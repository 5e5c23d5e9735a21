package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DpSgdPrivacyTest {

  @ParameterizedTest
  @CsvSource({
    // tensorflow/privacy tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py,
    // test_compute_dp_sgd_privacy (assertAlmostEqual: 7 places; order assertEqual). At order
    // 1.25 (third row) TF Privacy's absolute-value series is an upper bound; dp4j's exact signed
    // series is 2.4e-12 of ε below it, so ε is compared to 1e-11 of itself.
    "60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19.0",
    "100000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13.0",
    "100000000, 1024, 0.1, 10, 1e-7, 5907982.3113978775, 1.25",
  })
  void tfPrivacyComputeDpSgdPrivacy(
      long n,
      long batchSize,
      double sigma,
      double epochs,
      double delta,
      double expectedEps,
      double expectedOrder) {
    EpsilonAndOrder got = DpSgdPrivacy.computeDpSgdPrivacy(n, batchSize, sigma, epochs, delta);
    assertThat(got.epsilon())
        .isLessThanOrEqualTo(expectedEps + 5e-8)
        .isCloseTo(expectedEps, within(Math.max(5e-8, 1e-11 * expectedEps)));
    assertThat(got.order()).isEqualTo(expectedOrder);
  }

  @Test
  void tfPrivacyMnistTutorial() {
    // tensorflow/privacy tutorials/Classification_Privacy.ipynb: compute_dp_sgd_privacy(n=60000,
    // batch_size=250, noise_multiplier=1.3, epochs=15, delta=1e-5), "an ε value of 1.18" with the
    // classic conversion of the time (reproduced in RdpAccountantTest); today's TF Privacy, with
    // the improved conversion, and dp4j certify less.
    assertThat(DpSgdPrivacy.steps(60000, 250, 15)).isEqualTo(3600);
    EpsilonAndOrder got = DpSgdPrivacy.computeDpSgdPrivacy(60000, 250, 1.3, 15, 1e-5);
    assertThat(got.epsilon()).isLessThan(1.18).isGreaterThan(0.9);
  }

  @Test
  void stepsRoundUpLikeTfPrivacy() {
    // compute_dp_sgd_privacy_lib.py: steps = int(math.ceil(epochs * n / batch_size)).
    assertThat(DpSgdPrivacy.steps(60000, 256, 60)).isEqualTo(14063);
    assertThat(DpSgdPrivacy.steps(100_000_000, 1024, 10)).isEqualTo(976563);
    assertThat(DpSgdPrivacy.steps(10, 3, 0.5)).isEqualTo(2);
    assertThat(DpSgdPrivacy.steps(10, 10, 1)).isEqualTo(1);
  }

  @Test
  void computeRdpAndGetPrivacySpentMatchTheAccountant() {
    double[] orders = DpSgdPrivacy.tfPrivacyOrders();
    double[] rdp = DpSgdPrivacy.computeRdp(150 / 60000.0, 1.3, 6000, orders);
    EpsilonAndOrder spent = DpSgdPrivacy.getPrivacySpent(orders, rdp, 1e-5);
    assertThat(spent).isEqualTo(DpSgdPrivacy.computeDpSgdPrivacy(60000, 150, 1.3, 15, 1e-5));
    assertThat(DpSgdPrivacy.computeRdp(0.5, 1, 0, orders)).containsOnly(0.0);
  }

  @Test
  void rejectsBadArgumentsNamingThem() {
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(0, 1, 1, 1, 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n must be >= 1");
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(100, 101, 1, 1, 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(100, 0, 1, 1, 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(100, 10, 0, 1, 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(100, 10, 1, 0, 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epochs");
    assertThatThrownBy(() -> DpSgdPrivacy.computeDpSgdPrivacy(100, 10, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta");
    assertThatThrownBy(() -> DpSgdPrivacy.getPrivacySpent(new double[] {2}, new double[0], 1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same");
    assertThatThrownBy(() -> DpSgdPrivacy.getPrivacySpent(new double[] {2}, new double[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetDelta");
  }

  @Test
  void largeDeltaStillComputes() {
    // δ >= 1/n only logs a warning.
    assertThat(DpSgdPrivacy.computeDpSgdPrivacy(100, 10, 1, 1, 0.05).epsilon()).isFinite();
  }
}
