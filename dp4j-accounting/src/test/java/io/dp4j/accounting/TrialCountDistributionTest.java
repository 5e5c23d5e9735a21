package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrialCountDistributionTest {

  /**
   * The probabilities, summed until the tail is below 1e−17 of the head, add up to 1 and give the
   * closed-form mean (Papernot and Steinke 2022, Definition 1). Summing a few thousand terms of
   * float64 probabilities loses at most ~1e−13 relatively.
   */
  @ParameterizedTest
  @CsvSource({
    "-0.5, 0.5",
    "-0.5, 0.05",
    "0, 0.5",
    "0, 0.01",
    "0.5, 0.1",
    "1, 0.1",
    "1, 0.01",
    "3, 0.2",
    "10, 0.3"
  })
  void probabilitiesSumToOneWithTheirMean(double eta, double gamma) {
    TruncatedNegativeBinomialTrials d = new TruncatedNegativeBinomialTrials(eta, gamma);
    double total = 0;
    double mean = 0;
    for (long k = 1; k < 200_000; k++) {
      double p = d.probability(k);
      total += p;
      mean += k * p;
      if (k > 10 && p < 1e-17 * d.probability(1) && p * k < 1e-17) {
        break;
      }
    }
    assertThat(total).isCloseTo(1, within(1e-10));
    assertThat(mean).isCloseTo(d.mean(), within(1e-8 * d.mean()));
    assertThat(d.probability(0)).isZero();
  }

  @Test
  void geometricAndLogarithmicAreTheKnownLaws() {
    double gamma = 0.15;
    TruncatedNegativeBinomialTrials geometric = new TruncatedNegativeBinomialTrials(1, gamma);
    for (int k = 1; k < 30; k++) {
      assertThat(geometric.probability(k))
          .isCloseTo(gamma * Math.pow(1 - gamma, k - 1), within(1e-14));
    }
    assertThat(geometric.mean()).isCloseTo(1 / gamma, within(1e-12));
    // η → 0 tends to the logarithmic law, which the code computes by its own formula
    TruncatedNegativeBinomialTrials log = new TruncatedNegativeBinomialTrials(0, gamma);
    TruncatedNegativeBinomialTrials nearLog = new TruncatedNegativeBinomialTrials(1e-7, gamma);
    for (int k = 1; k < 30; k++) {
      assertThat(log.probability(k))
          .isCloseTo(Math.pow(1 - gamma, k) / (k * Math.log(1 / gamma)), within(1e-14))
          .isCloseTo(nearLog.probability(k), within(1e-6));
    }
    assertThat(log.mean()).isCloseTo((1 / gamma - 1) / Math.log(1 / gamma), within(1e-12));
  }

  @ParameterizedTest
  @CsvSource({"-0.9, 3", "-0.5, 20", "0, 10", "0.5, 5", "1, 10", "2, 100", "1, 1"})
  void withMeanSolvesGamma(double eta, double mean) {
    TruncatedNegativeBinomialTrials d = TruncatedNegativeBinomialTrials.withMean(eta, mean);
    assertThat(d.mean()).isCloseTo(mean, within(1e-9 * mean));
    assertThat(d.eta()).isEqualTo(eta);
  }

  /**
   * 200,000 draws: the sample mean and the frequency of K = 1 are within 5 standard errors of the
   * law's (a fixed seed makes the test repeatable; a wrong law would miss by far more).
   */
  @ParameterizedTest
  @CsvSource({"-0.5, 4", "0, 10", "0.5, 5", "1, 10", "3, 8"})
  void negativeBinomialDrawsFollowTheLaw(double eta, double mean) {
    TruncatedNegativeBinomialTrials d = TruncatedNegativeBinomialTrials.withMean(eta, mean);
    checkDraws(d, new SplittableRandom(7));
  }

  @ParameterizedTest
  @CsvSource({"1", "3.5", "20", "1000"})
  void poissonDrawsFollowTheLaw(double mean) {
    PoissonTrials d = new PoissonTrials(mean);
    checkDraws(d, new SplittableRandom(11));
    double total = 0;
    for (long k = 0; k < 5000; k++) {
      total += d.probability(k);
    }
    assertThat(total).isCloseTo(1, within(1e-10));
  }

  private static void checkDraws(TrialCountDistribution d, SplittableRandom random) {
    int n = 200_000;
    long ones = 0;
    double sum = 0;
    double sumSquares = 0;
    for (int i = 0; i < n; i++) {
      long k = d.sample(random);
      assertThat(k).isGreaterThanOrEqualTo(d instanceof PoissonTrials ? 0 : 1);
      sum += k;
      sumSquares += (double) k * k;
      if (k == 1) {
        ones++;
      }
    }
    double mean = sum / n;
    double sd = Math.sqrt(sumSquares / n - mean * mean);
    assertThat(mean).isCloseTo(d.mean(), within(5 * sd / Math.sqrt(n)));
    double p1 = d.probability(1);
    assertThat((double) ones / n).isCloseTo(p1, within(5 * Math.sqrt(p1 * (1 - p1) / n)));
  }

  @Test
  void oneTrialExactly() {
    TruncatedNegativeBinomialTrials one = TruncatedNegativeBinomialTrials.withMean(0.5, 1);
    assertThat(one.gamma()).isEqualTo(1);
    assertThat(one.probability(1)).isEqualTo(1);
    assertThat(one.probability(2)).isZero();
    assertThat(one.sample(new SplittableRandom(1))).isEqualTo(1);
  }

  @Test
  void badInputNamesTheParameter() {
    assertThatThrownBy(() -> new TruncatedNegativeBinomialTrials(-1, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eta must be finite and > -1, got -1.0");
    assertThatThrownBy(() -> new TruncatedNegativeBinomialTrials(Double.NaN, 0.5))
        .hasMessageContaining("eta");
    assertThatThrownBy(() -> new TruncatedNegativeBinomialTrials(1, 0))
        .hasMessageContaining("gamma must be in (0, 1]");
    assertThatThrownBy(() -> new TruncatedNegativeBinomialTrials(1, 1.5))
        .hasMessageContaining("gamma must be in (0, 1]");
    assertThatThrownBy(() -> TruncatedNegativeBinomialTrials.withMean(1, 0.5))
        .hasMessageContaining("mean (the expected number of trials) must be finite and >= 1");
    assertThatThrownBy(() -> TruncatedNegativeBinomialTrials.withMean(-2, 5))
        .hasMessageContaining("eta must be finite and > -1, got -2.0");
    assertThatThrownBy(() -> new PoissonTrials(0.5))
        .hasMessageContaining("mean (the expected number of trials) must be finite and >= 1");
    assertThatThrownBy(() -> new PoissonTrials(Double.POSITIVE_INFINITY))
        .hasMessageContaining("mean");
  }
}
