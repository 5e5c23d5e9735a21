package io.dp4j.ledger;

import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a dataset's ε is computed: one accountant of the dataset's kind composed with the runs' step
 * events, each for its steps; ε's of separate runs are never added. No ε is stored: every one is
 * recomputed from the events, so a better accountant never leaves stale numbers.
 */
final class Composition {
  private Composition() {}

  /**
   * ε at {@code delta} of one accountant composed with all the charges; 0 if nothing ran. Where PLD
   * has no bound (+∞ beyond its work limit), the RDP bound of the same charges is taken: both are
   * upper bounds. +∞ when neither bounds it (never NaN).
   */
  static double epsilonOf(List<Charge> charges, String method, double delta) {
    double epsilon = composedEpsilon(charges, method, delta);
    if (!(epsilon < Double.POSITIVE_INFINITY) && method.equals("pld")) {
      epsilon = composedEpsilon(charges, "rdp", delta);
    }
    return Double.isNaN(epsilon) ? Double.POSITIVE_INFINITY : epsilon;
  }

  private static double composedEpsilon(List<Charge> charges, String method, double delta) {
    PrivacyAccountant accountant = newAccountant(method);
    boolean any = false;
    for (Charge charge : charges) {
      if (charge.steps() > 0) {
        accountant.compose(charge.event(), charge.steps());
        any = true;
      }
    }
    return any ? accountant.epsilon(delta) : 0.0;
  }

  static PrivacyAccountant newAccountant(String method) {
    return switch (method) {
      case "rdp" -> new RdpAccountant();
      case "pld" -> new PldAccountant();
      default ->
          throw new IllegalArgumentException(
              "accountant must be \"rdp\" or \"pld\", got \"" + method + "\"");
    };
  }

  /** What each run is charged: its recorded steps. */
  static List<Charge> charged(List<AdmissionPolicy.Reservation> runs) {
    List<Charge> charges = new ArrayList<>();
    for (AdmissionPolicy.Reservation run : runs) {
      charges.add(new Charge(run.event(), run.stepsCharged()));
    }
    return charges;
  }

  /** What each run holds against the budget: its plan while running, else its recorded steps. */
  static List<Charge> committed(List<AdmissionPolicy.Reservation> runs) {
    List<Charge> charges = new ArrayList<>();
    for (AdmissionPolicy.Reservation run : runs) {
      charges.add(new Charge(run.event(), run.running() ? run.plannedSteps() : run.stepsCharged()));
    }
    return charges;
  }

  /** The dataset's status: its budget, the composed spend, and each run with its own ε. */
  static DatasetStatus status(StoredDataset dataset, List<StoredRun> runs) {
    List<RunRecord> records = new ArrayList<>();
    List<AdmissionPolicy.Reservation> reservations = new ArrayList<>();
    for (StoredRun run : runs) {
      double epsilon =
          epsilonOf(
              List.of(new Charge(run.event(), run.steps())), run.accountant(), dataset.delta());
      records.add(
          new RunRecord(
              run.id(),
              run.who(),
              run.what(),
              run.started(),
              run.ended(),
              run.event(),
              run.q(),
              run.sigma(),
              run.plannedSteps(),
              run.steps(),
              run.accountant(),
              run.status(),
              epsilon));
      reservations.add(run.reservation());
    }
    double spent = epsilonOf(charged(reservations), dataset.accountant(), dataset.delta());
    double committed = epsilonOf(committed(reservations), dataset.accountant(), dataset.delta());
    return new DatasetStatus(
        dataset.name(),
        dataset.epsilonBudget(),
        dataset.delta(),
        dataset.accountant(),
        dataset.created(),
        spent,
        committed,
        dataset.epsilonBudget() - spent,
        records);
  }
}
