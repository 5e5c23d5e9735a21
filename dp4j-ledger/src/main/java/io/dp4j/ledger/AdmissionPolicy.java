package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether a planned run fits in a dataset's budget: pure arithmetic on the budget, the runs already
 * recorded and the plan, no database.
 *
 * <p>The dataset's accountant is composed with the steps charged to every run, the full plans of
 * runs still running, and the planned steps of the new run's step event. The run is admitted only
 * if that ε, at the dataset's δ, is within the budget, and so is the run's own ε under the
 * accountant it is stated with. A run the accountants cannot bound (ε +∞ or NaN, e.g. a noise
 * multiplier near 0) is never admitted, whatever the composition says.
 */
final class AdmissionPolicy {
  private AdmissionPolicy() {}

  /** A dataset's allowance: total ε at δ, composed with {@code accountant} ("rdp" or "pld"). */
  record Budget(double epsilon, double delta, String accountant) {
    Budget {
      Objects.requireNonNull(accountant, "accountant");
    }
  }

  /**
   * A recorded run as the budget sees it: charged {@code stepsCharged}; while {@code running}, its
   * whole {@code plannedSteps} stay reserved.
   */
  record Reservation(DpEvent event, long stepsCharged, long plannedSteps, boolean running) {
    Reservation {
      Objects.requireNonNull(event, "event");
    }
  }

  /**
   * The decision and the numbers behind it, every ε at the budget's δ.
   *
   * @param epsilonPlannedRun the planned run alone, under its own accountant
   * @param epsilonSpent the steps already charged, composed
   * @param epsilonCommitted the steps charged plus the plans of running runs, composed
   * @param epsilonAfterRun {@code epsilonCommitted} with the planned run composed in
   */
  record Decision(
      boolean admitted,
      Budget budget,
      long plannedSteps,
      double epsilonPlannedRun,
      double epsilonSpent,
      double epsilonCommitted,
      double epsilonAfterRun) {

    /** The refusal to throw for dataset {@code dataset}. */
    BudgetExceededException refusal(String dataset) {
      if (admitted) {
        throw new IllegalStateException("the run was admitted");
      }
      return new BudgetExceededException(
          dataset,
          budget.epsilon(),
          budget.delta(),
          epsilonSpent,
          epsilonCommitted,
          plannedSteps,
          epsilonPlannedRun,
          epsilonAfterRun);
    }
  }

  /**
   * Decides on a run of {@code plannedSteps} steps of {@code stepEvent}, stated with {@code
   * runAccountant}, given the dataset's {@code budget} and its recorded {@code runs}.
   */
  static Decision decide(
      Budget budget,
      List<Reservation> runs,
      DpEvent stepEvent,
      long plannedSteps,
      String runAccountant) {
    Charge planned = new Charge(stepEvent, plannedSteps);
    double plannedEpsilon = Composition.epsilonOf(List.of(planned), runAccountant, budget.delta());
    double spent =
        Composition.epsilonOf(Composition.charged(runs), budget.accountant(), budget.delta());
    List<Charge> committed = Composition.committed(runs);
    double committedEpsilon = Composition.epsilonOf(committed, budget.accountant(), budget.delta());
    List<Charge> after = new ArrayList<>(committed);
    after.add(planned);
    double afterEpsilon = Composition.epsilonOf(after, budget.accountant(), budget.delta());
    boolean admitted =
        withinBudget(plannedEpsilon, budget.epsilon())
            && withinBudget(afterEpsilon, budget.epsilon());
    return new Decision(
        admitted, budget, plannedSteps, plannedEpsilon, spent, committedEpsilon, afterEpsilon);
  }

  /** {@code epsilon <= budget}, false for +∞ and NaN (no bound): those are never admitted. */
  static boolean withinBudget(double epsilon, double budget) {
    return epsilon <= budget;
  }
}
