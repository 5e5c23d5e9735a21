package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoissonSamplerTest {
  private static final long SEED = 20261123L;

  @Test
  void batchSizesHaveBinomialMeanAndVariance() {
    int n = 60000;
    double q = 1.0 / 240;
    PoissonSampler sampler = PoissonSampler.seeded(n, q, SEED);
    int m = 3000;
    double sum = 0;
    double sumSq = 0;
    for (int s = 0; s < m; s++) {
      int b = sampler.nextBatch().length;
      sum += b;
      sumSq += (double) b * b;
    }
    double mean = sum / m;
    double variance = (sumSq - m * mean * mean) / (m - 1);

    double expectedMean = n * q;
    double sigma2 = n * q * (1 - q);
    // Sampling distribution of the mean and of the sample variance of m Binomial(n, q) draws.
    double meanSe = Math.sqrt(sigma2 / m);
    double mu4 = sigma2 * sigma2 * (3 + (1 - 6 * q * (1 - q)) / sigma2);
    double varianceSe = Math.sqrt((mu4 - sigma2 * sigma2 * (m - 3.0) / (m - 1.0)) / m);

    assertThat(mean).isCloseTo(expectedMean, org.assertj.core.data.Offset.offset(5 * meanSe));
    assertThat(variance).isCloseTo(sigma2, org.assertj.core.data.Offset.offset(5 * varianceSe));
  }

  /** Total inclusions over m steps are Binomial(n·m, q), across the whole range of rates. */
  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 0.004, 0.05, 0.3, 0.5, 0.9, 0.999})
  void inclusionRateIsExactlyQ(double q) {
    int n = 1000;
    int m = 2000;
    PoissonSampler sampler = PoissonSampler.seeded(n, q, SEED + Double.hashCode(q));
    long total = 0;
    long firstIncluded = 0;
    for (int s = 0; s < m; s++) {
      int[] batch = sampler.nextBatch();
      total += batch.length;
      if (batch.length > 0 && batch[0] == 0) {
        firstIncluded++;
      }
    }
    double trials = (double) n * m;
    assertThat((double) total)
        .isCloseTo(
            trials * q,
            org.assertj.core.data.Offset.offset(5 * Math.sqrt(trials * q * (1 - q)) + 1));
    assertThat((double) firstIncluded)
        .isCloseTo(m * q, org.assertj.core.data.Offset.offset(5 * Math.sqrt(m * q * (1 - q)) + 1));
  }

  @Test
  void everyExampleIsIncludedWithProbabilityQ() {
    int n = 1000;
    double q = 0.05;
    int m = 4000;
    PoissonSampler sampler = PoissonSampler.seeded(n, q, SEED + 1);
    int[] counts = new int[n];
    for (int s = 0; s < m; s++) {
      for (int i : sampler.nextBatch()) {
        counts[i]++;
      }
    }
    double expected = m * q;
    double sd = Math.sqrt(m * q * (1 - q));
    double chiSquare = 0;
    for (int i = 0; i < n; i++) {
      assertThat(Math.abs(counts[i] - expected)).as("example %d", i).isLessThan(5.5 * sd);
      chiSquare += (counts[i] - expected) * (counts[i] - expected) / (sd * sd);
    }
    // Sum of n squared standardized counts: mean n, variance about 2n.
    assertThat(Math.abs(chiSquare - n)).isLessThan(5 * Math.sqrt(2.0 * n));
  }

  @Test
  void neighbouringExamplesAreIncludedIndependently() {
    // Geometric skipping must not correlate consecutive positions: P(i and i+1) = q^2.
    int n = 40;
    double q = 0.3;
    int m = 200_000;
    PoissonSampler sampler = PoissonSampler.seeded(n, q, SEED + 2);
    int[] pairs = new int[n - 1];
    for (int s = 0; s < m; s++) {
      boolean[] in = new boolean[n];
      for (int i : sampler.nextBatch()) {
        in[i] = true;
      }
      for (int i = 0; i + 1 < n; i++) {
        if (in[i] && in[i + 1]) {
          pairs[i]++;
        }
      }
    }
    double p = q * q;
    double sd = Math.sqrt(m * p * (1 - p));
    for (int i = 0; i + 1 < n; i++) {
      assertThat(Math.abs(pairs[i] - m * p)).as("pair %d", i).isLessThan(5 * sd);
    }
  }

  @Test
  void batchesAreSortedDistinctAndInRange() {
    PoissonSampler sampler = PoissonSampler.seeded(500, 0.2, SEED + 3);
    List<int[]> epoch = sampler.nextEpoch();
    assertThat(epoch).hasSize(5);
    for (int[] batch : epoch) {
      for (int k = 0; k < batch.length; k++) {
        assertThat(batch[k]).isBetween(0, 499);
        if (k > 0) {
          assertThat(batch[k]).isGreaterThan(batch[k - 1]);
        }
      }
    }
  }

  @Test
  void batchesCanBeEmptyAtTinyRates() {
    int n = 100;
    double q = 0.001;
    PoissonSampler sampler = PoissonSampler.seeded(n, q, SEED + 4);
    List<int[]> epoch = sampler.nextEpoch();
    assertThat(epoch).hasSize(1000);
    long empty = epoch.stream().filter(b -> b.length == 0).count();
    double pEmpty = Math.pow(1 - q, n);
    double sd = Math.sqrt(1000 * pEmpty * (1 - pEmpty));
    assertThat((double) empty).isBetween(1000 * pEmpty - 5 * sd, 1000 * pEmpty + 5 * sd);
    assertThat(empty).isLessThan(1000);
  }

  @Test
  void rateOneTakesEveryExample() {
    PoissonSampler sampler = PoissonSampler.seeded(7, 1.0, SEED);
    assertThat(sampler.stepsPerEpoch()).isEqualTo(1);
    assertThat(sampler.nextEpoch().get(0)).containsExactly(0, 1, 2, 3, 4, 5, 6);
  }

  @Test
  void stepsPerEpochIsTheCeiledInverseRateOfStepCount() {
    assertThat(PoissonSampler.withExpectedBatchSize(60000, 250).stepsPerEpoch()).isEqualTo(240);
    assertThat(PoissonSampler.withExpectedBatchSize(60000, 250).samplingRate())
        .isEqualTo(250.0 / 60000);
    assertThat(PoissonSampler.withExpectedBatchSize(60000, 250).expectedBatchSize())
        .isCloseTo(250.0, org.assertj.core.data.Offset.offset(1e-9));
    // the rate arrives as a double: 250/60000 must not become 241 steps by round-off
    assertThat(new PoissonSampler(60000, 250.0 / 60000).stepsPerEpoch()).isEqualTo(240);
    assertThat(new PoissonSampler(10, 0.3).stepsPerEpoch()).isEqualTo(4); // ceil(3.33)
    assertThat(new PoissonSampler(10, 0.4).stepsPerEpoch()).isEqualTo(3); // ceil(2.5)
    assertThat(new PoissonSampler(10, 0.9).stepsPerEpoch()).isEqualTo(2); // ceil(1.11)
    assertThat(new PoissonSampler(10, 1e-12).stepsPerEpoch()).isEqualTo(Integer.MAX_VALUE);
    // the issue's run shape: n 1000, b 400 gives 3 steps per epoch, as planned
    PoissonSampler issue = PoissonSampler.withExpectedBatchSize(1000, 400);
    assertThat(issue.stepsPerEpoch())
        .isEqualTo((int) io.dp4j.accounting.StepCount.perEpoch(1000, 400))
        .isEqualTo(3);
    for (int n = 1; n <= 300; n++) {
      for (int b = 1; b <= n; b += 7) {
        assertThat(PoissonSampler.withExpectedBatchSize(n, b).stepsPerEpoch())
            .as("n=%d b=%d", n, b)
            .isEqualTo((n + b - 1) / b);
      }
    }
  }

  @Test
  void fullMnistEpochIsFast() {
    PoissonSampler sampler = PoissonSampler.withExpectedBatchSize(60000, 250);
    long start = System.nanoTime();
    List<int[]> epoch = sampler.nextEpoch();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(epoch).hasSize(240);
    int total = epoch.stream().mapToInt(b -> b.length).sum();
    // 60000 expected inclusions, sd about 245.
    assertThat(total).isBetween(60000 - 1500, 60000 + 1500);
    assertThat(millis).as("one MNIST epoch with SecureRandom, ms").isLessThan(5000);
  }

  @Test
  void reportsWhetherTheRandomnessIsSeeded() {
    assertThat(new PoissonSampler(10, 0.5).isPredictable()).isFalse();
    assertThat(new PoissonSampler(10, 0.5, new SecureRandom()).isPredictable()).isFalse();
    assertThat(new PoissonSampler(10, 0.5, new SplittableRandom(1)).isPredictable()).isTrue();
    assertThat(PoissonSampler.seeded(10, 0.5, 1).isPredictable()).isTrue();
    assertThat(PoissonSampler.seeded(10, 0.5, 1).mode()).isEqualTo(SamplingMode.POISSON);
    assertThat(PoissonSampler.seeded(10, 0.5, 77).seed()).hasValue(77);
    assertThat(PoissonSampler.seeded(10, 0.5, 77).toString()).contains("test seed 77");
    assertThat(new PoissonSampler(10, 0.5).seed()).isEmpty();
    assertThat(new PoissonSampler(10, 0.5).toString()).contains("SecureRandom");
    assertThat(new PoissonSampler(10, 0.5, new SplittableRandom(1)).seed()).isEmpty();
  }

  @Test
  void sameSeedSameBatches() {
    List<int[]> a = PoissonSampler.seeded(1000, 0.01, 42).nextEpoch();
    List<int[]> b = PoissonSampler.seeded(1000, 0.01, 42).nextEpoch();
    assertThat(a).usingRecursiveComparison().isEqualTo(b);
  }

  @Test
  void rejectsInvalidParametersNamingThem() {
    assertThatThrownBy(() -> new PoissonSampler(0, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n must be >= 1");
    assertThatThrownBy(() -> new PoissonSampler(10, 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("samplingRate must be in (0, 1]");
    assertThatThrownBy(() -> new PoissonSampler(10, 1.5))
        .hasMessageContaining("samplingRate must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> new PoissonSampler(10, Double.NaN))
        .hasMessageContaining("samplingRate");
    assertThatThrownBy(() -> PoissonSampler.withExpectedBatchSize(10, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expectedBatchSize must be in (0, n] = (0, 10]");
    assertThatThrownBy(() -> new PoissonSampler(10, 0.5, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rng");
  }
}
