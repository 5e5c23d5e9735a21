package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one step count of planning, calibration, statements and training. */
class StepCountTest {
  @Test
  void anEpochIsCeilOfNOverB() {
    assertThat(StepCount.perEpoch(1000, 400)).isEqualTo(3);
    assertThat(StepCount.perEpoch(60000, 250)).isEqualTo(240);
    assertThat(StepCount.perEpoch(60000, 256)).isEqualTo(235);
    assertThat(StepCount.perEpoch(7, 7)).isEqualTo(1);
    // integer arithmetic as the independent reference, over many shapes
    for (long n = 1; n <= 500; n++) {
      for (long b = 1; b <= n; b += 3) {
        assertThat(StepCount.perEpoch(n, b)).as("n=%d b=%d", n, b).isEqualTo((n + b - 1) / b);
      }
    }
  }

  @Test
  void aRateGivenAsADoubleSnapsToTheExactQuotient() {
    // q·n for q = 250/60000 is 250 only up to round-off; the count must still be 240, not 241
    double q = 250.0 / 60000;
    assertThat(StepCount.perEpoch(60000, q * 60000)).isEqualTo(240);
    for (long n = 1000; n <= 100_000; n += 997) {
      for (long b : new long[] {1, 3, 64, 250, 256, 999}) {
        double rate = (double) b / n;
        assertThat(StepCount.perEpoch(n, rate * n))
            .as("n=%d b=%d", n, b)
            .isEqualTo((n + b - 1) / b);
      }
    }
  }

  @Test
  void theIssueShapeIsSixStepsNotFive() {
    // n 1000, b 400, E 2: training runs 2 epochs of 3 steps; TF Privacy's ceil(E·n/b) is 5
    assertThat(StepCount.of(1000, 400, 2)).isEqualTo(6);
    assertThat(DpSgdPrivacy.steps(1000, 400, 2)).isEqualTo(5);
  }

  @Test
  void wholeEpochsAreWholeMultiplesAndFractionalOnesRoundUp() {
    assertThat(StepCount.of(60000, 250, 15)).isEqualTo(3600);
    assertThat(StepCount.of(1000, 400, 0.5)).isEqualTo(2); // ceil(1.5)
    assertThat(StepCount.of(1000, 400, 1.0 / 3)).isEqualTo(1); // 1/3 · 3 = 1 up to round-off
    assertThat(StepCount.of(10, 3, 2.5)).isEqualTo(10);
  }

  @Test
  void badArgumentsNameTheParameter() {
    assertThatThrownBy(() -> StepCount.perEpoch(0, 1)).hasMessageContaining("n must be");
    assertThatThrownBy(() -> StepCount.perEpoch(10, 11))
        .hasMessageContaining("expectedBatchSize must be in (0, n]");
    assertThatThrownBy(() -> StepCount.of(10, 2, 0)).hasMessageContaining("epochs must be");
    assertThatThrownBy(() -> StepCount.of(10, 2, Double.NaN)).hasMessageContaining("epochs");
    assertThatThrownBy(() -> StepCount.of(10, 2, 1e300))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("below 2^63 steps");
  }

  @Test
  void theStatementCountsTheStepsTrainingRuns() {
    String statement = PrivacyStatement.of(1000, 400, 2, 1.1, 1e-4, false, true);
    assertThat(statement).contains("2 epochs = 6 steps");
    assertThat(
            DpSgdBudget.forEpochs(1000, 400, 1.1, false, 2, 1e-4, DpSgdBudget.Accountants.RDP)
                .steps())
        .isEqualTo(6);
  }
}
