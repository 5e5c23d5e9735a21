package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import java.time.Instant;

/** A run's row as the store keeps it. */
record StoredRun(
    long id,
    String who,
    String what,
    Instant started,
    Instant ended,
    DpEvent event,
    Double q,
    Double sigma,
    long plannedSteps,
    long steps,
    String accountant,
    RunStatus status) {

  /** What the run holds against the budget, for the admission policy. */
  AdmissionPolicy.Reservation reservation() {
    return new AdmissionPolicy.Reservation(event, steps, plannedSteps, status == RunStatus.RUNNING);
  }
}
