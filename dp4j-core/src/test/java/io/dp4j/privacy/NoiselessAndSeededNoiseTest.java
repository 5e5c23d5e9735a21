package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.History;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Steps without noise spend infinite ε; test-seeded noise never repeats across steps. */
class NoiselessAndSeededNoiseTest {

  @Test
  void trainingWithNoiseMultiplierZeroReportsInfiniteEpsilonNotZero() {
    Dataset data = TestData.random(60, new long[] {4}, 3, 5);
    try (DPSequential model =
        new DPSequential(1.0, 0.0, Dense.builder().setUnits(3).optInputShape(4).build())) {
      model.setTargetDelta(1e-5);
      model.compile(new SGD(0.1f), DpStepTest.PER_EXAMPLE);
      History history = model.fit(data, PoissonSampler.seeded(60, 0.2, 3), 2);
      PrivacySpent spent = model.privacySpent(1e-5);
      assertThat(spent.epsilon()).isInfinite().isPositive();
      assertThat(spent.method()).isEqualTo("none");
      assertThat(spent.kind()).hasValue(AccountantKind.NONE);
      assertThat(spent.steps()).isEqualTo(10).isEqualTo(model.privacyLog().noiselessSteps());
      assertThat(history.get("epsilon")).hasSize(2).allMatch(e -> e == Double.POSITIVE_INFINITY);
      assertThatThrownBy(() -> PrivacyRecord.of(model, 1e-5))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("noiseMultiplier 0")
          .hasMessageContaining("no DP guarantee");
    }
  }

  @Test
  void oneStepWithoutNoiseMakesEpsilonInfiniteAfterNoisySteps() {
    PrivacyLog log = new PrivacyLog();
    log.recordStep(0.01, 1.1, SamplingMode.POISSON);
    assertThat(log.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new).epsilon()).isFinite();
    log.recordStep(0.01, 0, SamplingMode.POISSON);
    PrivacySpent spent = log.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new);
    assertThat(spent.epsilon()).isInfinite();
    assertThat(spent.steps()).isEqualTo(2);
    assertThatThrownBy(() -> log.recordStep(0.01, -1, SamplingMode.POISSON))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier");
  }

  /**
   * The test seed feeds {seed, step}; each parameter's noise must still differ from every other
   * parameter's at every step (a parameter offset in the step word made the bias noise of step s
   * the kernel noise of step s + 1).
   */
  @Test
  void testSeededNoiseDiffersAcrossParametersAndSteps() {
    Dataset data = TestData.random(8, new long[] {2}, 2, 3);
    List<float[]> noises = new ArrayList<>();
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
      ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(77);
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 1f), DpStepTest.PER_EXAMPLE);
      for (int step = 0; step < 4; step++) {
        List<float[]> before = model.getWeights();
        // an empty Poisson batch: the update is the noise alone, -lr * sigma * C * z / 8
        model.fit(data, TestData.fixed(8, SamplingMode.POISSON, new int[0]), 1);
        List<float[]> after = model.getWeights();
        for (int p = 0; p < before.size(); p++) {
          float[] z = new float[before.get(p).length];
          for (int i = 0; i < z.length; i++) {
            z[i] = (before.get(p)[i] - after.get(p)[i]) * 8;
          }
          noises.add(z);
        }
      }
    }
    assertThat(noises).hasSize(8);
    for (int a = 0; a < noises.size(); a++) {
      for (int b = a + 1; b < noises.size(); b++) {
        float[] x = noises.get(a);
        float[] y = noises.get(b);
        boolean samePrefix = true;
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
          samePrefix &= Math.abs(x[i] - y[i]) < 1e-4f;
        }
        assertThat(samePrefix).as("noise draws %d and %d share their first values", a, b).isFalse();
      }
    }
  }
}
