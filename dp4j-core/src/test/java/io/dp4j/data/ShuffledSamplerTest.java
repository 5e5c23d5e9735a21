package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShuffledSamplerTest {

  @Test
  void coversEveryExampleExactlyOncePerEpoch() {
    ShuffledSampler sampler = ShuffledSampler.seeded(1003, 50, false, 7);
    assertThat(sampler.stepsPerEpoch()).isEqualTo(21);
    for (int e = 0; e < 3; e++) {
      List<int[]> epoch = sampler.nextEpoch();
      assertThat(epoch).hasSize(21);
      for (int s = 0; s < 20; s++) {
        assertThat(epoch.get(s)).hasSize(50);
      }
      assertThat(epoch.get(20)).hasSize(3);
      int[] all = epoch.stream().flatMapToInt(Arrays::stream).sorted().toArray();
      int[] expected = new int[1003];
      Arrays.setAll(expected, i -> i);
      assertThat(all).containsExactly(expected);
    }
  }

  @Test
  void dropsTheRemainderWhenAsked() {
    ShuffledSampler sampler = ShuffledSampler.seeded(1003, 50, true, 7);
    assertThat(sampler.stepsPerEpoch()).isEqualTo(20);
    List<int[]> epoch = sampler.nextEpoch();
    assertThat(epoch).hasSize(20).allSatisfy(b -> assertThat(b).hasSize(50));
    assertThat(epoch.stream().flatMapToInt(Arrays::stream).distinct().count()).isEqualTo(1000);
  }

  @Test
  void tfPrivacyTutorialShape() {
    ShuffledSampler sampler = new ShuffledSampler(60000, 250);
    assertThat(sampler.stepsPerEpoch()).isEqualTo(240);
    assertThat(sampler.samplingRate()).isEqualTo(250.0 / 60000);
    assertThat(sampler.expectedBatchSize()).isEqualTo(250.0);
    assertThat(sampler.mode()).isEqualTo(SamplingMode.SHUFFLED);
    assertThat(sampler.isPredictable()).isFalse();
    assertThat(sampler.nextEpoch()).hasSize(240).allSatisfy(b -> assertThat(b).hasSize(250));
  }

  @Test
  void shufflesDifferentlyEachEpochAndUniformly() {
    // Position of example 0 in the first batch slot: uniform over n examples.
    int n = 10;
    ShuffledSampler sampler = ShuffledSampler.seeded(n, 2, false, 11);
    int m = 50_000;
    int[] firstCounts = new int[n];
    for (int e = 0; e < m; e++) {
      firstCounts[sampler.nextEpoch().get(0)[0]]++;
    }
    double p = 1.0 / n;
    double sd = Math.sqrt(m * p * (1 - p));
    for (int c : firstCounts) {
      assertThat(Math.abs(c - m * p)).isLessThan(5 * sd);
    }
  }

  @Test
  void reportsSeeding() {
    assertThat(new ShuffledSampler(10, 2, new SecureRandom()).isPredictable()).isFalse();
    assertThat(new ShuffledSampler(10, 2, new SplittableRandom(3)).isPredictable()).isTrue();
    assertThat(ShuffledSampler.seeded(10, 2, false, 3).isPredictable()).isTrue();
    assertThat(ShuffledSampler.seeded(10, 2, false, 3).seed()).hasValue(3);
    assertThat(new ShuffledSampler(10, 2).seed()).isEmpty();
    assertThat(new ShuffledSampler(10, 2).isPredictable()).isFalse();
  }

  @Test
  void rejectsInvalidParametersNamingThem() {
    assertThatThrownBy(() -> new ShuffledSampler(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n must be >= 1");
    assertThatThrownBy(() -> new ShuffledSampler(10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize must be in [1, n] = [1, 10], got 0");
    assertThatThrownBy(() -> new ShuffledSampler(10, 11))
        .hasMessageContaining("batchSize must be in [1, n] = [1, 10], got 11");
    assertThatThrownBy(() -> new ShuffledSampler(10, 2, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rng");
  }
}
