package io.dp4j.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one-run audit on the correct engine never refutes the accountant: over (σ, q, steps) with
 * claimed ε from about 1 to 8, the 95% lower bound stays at or below it. Seeds are fixed (a correct
 * engine is flagged with probability up to 5% per random seed, by the bound's construction); the
 * figures are in docs/auditing.md.
 */
class CanaryAuditTest {
  private static final SparseCategoricalCrossentropy LOSS =
      new SparseCategoricalCrossentropy(true, Reduction.NONE);

  @ParameterizedTest
  @CsvSource({"5.0, 0.5, 4", "2.0, 1.0, 2", "1.0, 0.25, 8", "1.0, 0.5, 4", "0.8, 0.5, 8"})
  void theCorrectEngineIsNeverRefuted(double sigma, double q, int steps) {
    try (Sequential model =
        new Sequential(Dense.builder().setUnits(32).optInputShape(32).build())) {
      CanaryAuditResult r =
          CanaryAudit.builder()
              .setCanaries(1000)
              .optGuessesPerSide(50)
              .optSeed(14)
              .build()
              .whiteBox(
                  model,
                  new DPKerasSGDOptimizer(1.0, sigma, 0, 0.1f),
                  LOSS,
                  TestData.random(100, new long[] {32}, 32, 14),
                  q,
                  steps);
      assertThat(r.epsilonClaimed()).isBetween(0.5, 20.0);
      assertThat(r.epsilonLowerBound()).isLessThanOrEqualTo(r.epsilonClaimed());
      assertThat(r.guesses()).isEqualTo(100);
      assertThat(r.mode()).isEqualTo("white-box");
    }
  }

  /**
   * Mislabeled canaries in a model trained without effective noise (σ 1e-6) are memorized: the loss
   * on the wrong label falls for members, so the bound is clearly positive (1.50 here).
   */
  @Test
  void inputSpaceCanariesFindMembersOfAModelWithoutEffectiveNoise() {
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(64)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(20)
                .build(),
            Dense.builder().setUnits(4).build())) {
      CanaryAuditResult r =
          CanaryAudit.builder()
              .setCanaries(200)
              .optGuessesPerSide(20)
              .optSeed(3)
              .build()
              .inputSpace(
                  model,
                  new DPKerasSGDOptimizer(100.0, 1e-6, 0, 0.2f),
                  LOSS,
                  true,
                  TestData.random(400, new long[] {20}, 4, 3),
                  0.25,
                  200);
      assertThat(r.mode()).isEqualTo("input-space");
      assertThat(r.epsilonLowerBound()).isGreaterThan(0.5);
    }
  }

  @Test
  void refusesMoreCanariesThanKernelEntries() {
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(3).build())) {
      CanaryAudit audit = CanaryAudit.builder().setCanaries(10).optGuessesPerSide(2).build();
      assertThatThrownBy(
              () ->
                  audit.whiteBox(
                      model,
                      new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f),
                      LOSS,
                      TestData.random(10, new long[] {3}, 2, 1),
                      0.5,
                      1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("canaries 10 exceeds the 6 kernel entries");
    }
    assertThatThrownBy(() -> CanaryAudit.builder().setCanaries(10).optGuessesPerSide(6).build())
        .hasMessageContaining("= [1, 5], got 6");
  }
}
