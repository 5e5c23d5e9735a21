package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admission decision on its own: budgets, reservations and plans, no database. */
class AdmissionPolicyTest {
  private static final double DELTA = 1e-5;
  private static final DpEvent STEP = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));

  private static double rdp(DpEvent event, long steps) {
    return new RdpAccountant().compose(event, steps).epsilon(DELTA);
  }

  @Test
  void aPlanThatFitsIsAdmittedWithTheComposedNumbers() {
    var budget = new AdmissionPolicy.Budget(3.0, DELTA, "rdp");
    var finished = new AdmissionPolicy.Reservation(STEP, 500, 1000, false);

    AdmissionPolicy.Decision decision =
        AdmissionPolicy.decide(budget, List.of(finished), STEP, 300, "rdp");

    assertThat(decision.admitted()).isTrue();
    assertThat(decision.epsilonSpent()).isEqualTo(rdp(STEP, 500));
    assertThat(decision.epsilonCommitted())
        .isEqualTo(rdp(STEP, 500)); // a finished run holds no plan
    assertThat(decision.epsilonPlannedRun()).isEqualTo(rdp(STEP, 300));
    assertThat(decision.epsilonAfterRun()).isEqualTo(rdp(STEP, 800)).isLessThan(3.0);
    assertThatThrownBy(() -> decision.refusal("d")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aRunningRunReservesItsWholePlan() {
    double plan = rdp(STEP, 1500);
    var budget = new AdmissionPolicy.Budget(2.5, DELTA, "rdp");
    assertThat(plan).isLessThan(2.5);
    assertThat(rdp(STEP, 3000)).isGreaterThan(2.5);
    var running = new AdmissionPolicy.Reservation(STEP, 10, 1500, true);

    AdmissionPolicy.Decision decision =
        AdmissionPolicy.decide(budget, List.of(running), STEP, 1500, "rdp");

    assertThat(decision.admitted()).isFalse();
    assertThat(decision.epsilonSpent()).isEqualTo(rdp(STEP, 10));
    assertThat(decision.epsilonCommitted()).isEqualTo(plan);
    assertThat(decision.epsilonAfterRun()).isEqualTo(rdp(STEP, 3000));
    BudgetExceededException refusal = decision.refusal("mnist");
    assertThat(refusal.dataset()).isEqualTo("mnist");
    assertThat(refusal.epsilonBudget()).isEqualTo(2.5);
    assertThat(refusal.getMessage())
        .contains("1500 steps")
        .contains("with the plans of running runs");

    // the same run interrupted at 10 steps holds only those
    var interrupted = new AdmissionPolicy.Reservation(STEP, 10, 1500, false);
    assertThat(AdmissionPolicy.decide(budget, List.of(interrupted), STEP, 1500, "rdp").admitted())
        .isTrue();
  }

  @Test
  void runsAreComposedInTheDatasetsAccountantNotSummed() {
    DpEvent other = new PoissonSampledDpEvent(0.02, new GaussianDpEvent(1.3));
    double composed = new PldAccountant().compose(STEP, 2000).compose(other, 1000).epsilon(DELTA);
    double sum =
        new PldAccountant().compose(STEP, 2000).epsilon(DELTA)
            + new PldAccountant().compose(other, 1000).epsilon(DELTA);
    // a budget between the composed ε and the sum: only composition admits it
    var budget = new AdmissionPolicy.Budget((composed + sum) / 2, DELTA, "pld");

    AdmissionPolicy.Decision decision =
        AdmissionPolicy.decide(
            budget,
            List.of(new AdmissionPolicy.Reservation(STEP, 2000, 2000, false)),
            other,
            1000,
            "rdp");

    assertThat(decision.epsilonAfterRun()).isEqualTo(composed);
    assertThat(decision.admitted()).isTrue();
    // the run's own ε is stated with its accountant
    assertThat(decision.epsilonPlannedRun()).isEqualTo(rdp(other, 1000));
  }

  @Test
  void aRunOverItsOwnBudgetIsRefusedEvenOnAnEmptyDataset() {
    var budget = new AdmissionPolicy.Budget(1.0, DELTA, "rdp");
    assertThat(rdp(STEP, 5000)).isGreaterThan(1.0);
    AdmissionPolicy.Decision decision =
        AdmissionPolicy.decide(budget, List.of(), STEP, 5000, "rdp");
    assertThat(decision.admitted()).isFalse();
    assertThat(decision.epsilonSpent()).isZero();
    assertThat(decision.epsilonCommitted()).isZero();
  }

  // issue 19 A1: σ = 1e-6 was accounted as ε = 0 and admitted
  @ParameterizedTest
  @ValueSource(doubles = {1e-12, 1e-9, 1e-6})
  void aNearlyNoiselessRunIsRefused(double sigma) {
    DpEvent noiseless = new PoissonSampledDpEvent(250.0 / 60000, new GaussianDpEvent(sigma));
    for (String accountant : List.of("rdp", "pld")) {
      var budget = new AdmissionPolicy.Budget(1e6, DELTA, accountant);
      AdmissionPolicy.Decision decision =
          AdmissionPolicy.decide(budget, List.of(), noiseless, 6, accountant);
      assertThat(decision.admitted()).as("σ=%s %s", sigma, accountant).isFalse();
      assertThat(decision.epsilonPlannedRun()).isNotNaN().isGreaterThan(1e9);
      assertThat(decision.refusal("x").getMessage()).doesNotContain("NaN");
    }
  }

  @Test
  void anInfiniteOrNanEpsilonIsNeverWithinABudget() {
    assertThat(AdmissionPolicy.withinBudget(Double.POSITIVE_INFINITY, Double.MAX_VALUE)).isFalse();
    assertThat(AdmissionPolicy.withinBudget(Double.NaN, Double.MAX_VALUE)).isFalse();
    assertThat(AdmissionPolicy.withinBudget(2.0, 2.0)).isTrue();
    assertThat(AdmissionPolicy.withinBudget(Math.nextUp(2.0), 2.0)).isFalse();
  }

  @Test
  void aRefusalWithoutABoundSaysSo() {
    var budget = new AdmissionPolicy.Budget(1.0, DELTA, "rdp");
    var decision =
        new AdmissionPolicy.Decision(
            false, budget, 6, Double.POSITIVE_INFINITY, 0.0, 0.0, Double.POSITIVE_INFINITY);
    assertThat(decision.refusal("x").getMessage())
        .contains("no bound (infinite)")
        .doesNotContain("NaN")
        .doesNotContain("Infinity");
  }
}
