package io.dp4j.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.audit.MembershipInference.Report;
import io.dp4j.audit.MembershipInference.Result;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPSequential;
import io.dp4j.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The attacks on trained models. Features and labels are random (20 Gaussian features, 4 classes),
 * so nothing generalizes: whatever the model gets right about its training examples it memorized,
 * which is what membership inference detects.
 */
class MembershipInferenceModelTest {
  private static final int N = 200;
  private static final Dataset MEMBERS = TestData.random(N, new long[] {20}, 4, 1);
  private static final Dataset NON_MEMBERS = TestData.random(N, new long[] {20}, 4, 2);

  private static Dense hidden() {
    return Dense.builder()
        .setUnits(64)
        .optActivation(ActivationFunction.RELU)
        .optInputShape(20)
        .build();
  }

  @Test
  void anOverfitModelIsExposed() {
    try (Sequential model = new Sequential(hidden(), new Dense(4)).setSeed(1)) {
      model.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(true));
      model.fit(MEMBERS, 50, 150);
      Report report = new MembershipInference(1).attack(model, MEMBERS, NON_MEMBERS, true);
      Result threshold = report.entireData().get(0);
      assertThat(threshold.auc()).isGreaterThan(0.95);
      assertThat(threshold.advantage()).isGreaterThan(0.8);
      assertThat(report.highestAuc().auc()).isGreaterThan(0.95);
    }
  }

  /**
   * DP-SGD with σ = 2, q = 0.25, 40 steps (ε ≈ 1.9 at δ = 1e-3 under RDP): the model cannot
   * memorize. If the attacks had no signal at all, each AUC over m = n = 200 out-of-sample scores
   * would be a Mann-Whitney statistic with mean 1/2 and standard deviation √((m + n + 1)/(12mn)) =
   * 0.029; allowing 4.5 of them (0.13) covers the three attacks on the entire data, while the
   * overfit model above scores above 0.95.
   */
  @Test
  void aDpModelIsNot() {
    try (DPSequential model = new DPSequential(1.0, 2.0, hidden(), new Dense(4))) {
      model.setSeed(1);
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
      model.useFixedNoiseSeedForTesting(3);
      model.fit(MEMBERS, PoissonSampler.seeded(N, 0.25, 7), 10);
      Report report = new MembershipInference(1).attack(model, MEMBERS, NON_MEMBERS, true);
      double sd = Math.sqrt((2.0 * N + 1) / (12.0 * N * N));
      for (Result r : report.entireData()) {
        assertThat(r.auc()).as(r.attack().description()).isCloseTo(0.5, within(4.5 * sd));
      }
    }
  }
}
