package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one home of the σ/2 microbatch rule. */
class RunShapeTest {
  private static final double Q = 0.01;
  private static final double SIGMA = 1.1;

  @Test
  void perExampleClippingKeepsSigma() {
    RunShape shape = new RunShape(Q, SIGMA, 30, 1);
    assertThat(shape.sensitivityDoubled()).isFalse();
    assertThat(shape.effectiveNoiseMultiplier()).isEqualTo(SIGMA);
    assertThat(shape.stepEvent())
        .isEqualTo(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA)));
    assertThat(shape.event())
        .isEqualTo(
            new SelfComposedDpEvent(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA)), 30));
  }

  @Test
  void microbatchesOfMoreThanOneExampleAreAccountedWithHalfSigma() {
    // sensitivity 2C under add/remove: Gaussian(σ/2) at sensitivity C
    RunShape shape = new RunShape(Q, SIGMA, 30, 2.5);
    assertThat(shape.sensitivityDoubled()).isTrue();
    assertThat(shape.effectiveNoiseMultiplier()).isEqualTo(SIGMA / 2);
    assertThat(shape.stepEvent())
        .isEqualTo(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA / 2)));
  }

  @Test
  void calibratingInvertsTheRule() {
    for (boolean doubled : new boolean[] {false, true}) {
      double configured = RunShape.configuredNoiseMultiplier(0.7, doubled);
      assertThat(RunShape.effectiveNoiseMultiplier(configured, doubled)).isEqualTo(0.7);
    }
  }

  @Test
  void microbatchSizeFollowsTheClippingUnits() {
    assertThat(RunShape.microbatchSize(0, 256, true)).isEqualTo(1);
    // Poisson: M equal to the expected batch size (up to rounding) clips per example
    assertThat(RunShape.microbatchSize(256, 256.0000001, true)).isEqualTo(1);
    assertThat(RunShape.microbatchSize(64, 256, true)).isEqualTo(4);
    // shuffled fixed batches of b: b/M consecutive examples
    assertThat(RunShape.microbatchSize(64, 256, false)).isEqualTo(4);
    assertThat(RunShape.microbatchSize(256, 256, false)).isEqualTo(1);
    assertThat(RunShape.sensitivityDoubled(RunShape.microbatchSize(255, 256, true))).isTrue();
  }

  @Test
  void noiselessRunsHaveNoEvent() {
    RunShape shape = new RunShape(Q, 0, 5, 1);
    assertThat(shape.noisy()).isFalse();
    assertThatThrownBy(shape::stepEvent).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badShapesAreRefusedNamingTheParameter() {
    assertThatThrownBy(() -> new RunShape(Q, SIGMA, 1, 0.5))
        .hasMessageContaining("microbatchSize must be finite and >= 1, got 0.5");
    assertThatThrownBy(() -> new RunShape(Q, Double.NaN, 1, 1))
        .hasMessageContaining("noiseMultiplier must be finite and >= 0, got NaN");
    assertThatThrownBy(() -> new RunShape(Q, SIGMA, -1, 1)).hasMessageContaining("steps");
  }

  @Test
  void theBudgetUsesTheSameRule() {
    DpSgdBudget budget =
        DpSgdBudget.compute(60000, 256, SIGMA, true, 1000, 1e-5, DpSgdBudget.Accountants.RDP);
    assertThat(budget.effectiveNoiseMultiplier())
        .isEqualTo(new RunShape(256 / 60000.0, SIGMA, 1000, 4).effectiveNoiseMultiplier());
  }
}
