package io.dp4j.ledger;

import java.time.Instant;

/** A dataset's row as the store keeps it. */
record StoredDataset(
    long id, String name, double epsilonBudget, double delta, String accountant, Instant created) {

  AdmissionPolicy.Budget budget() {
    return new AdmissionPolicy.Budget(epsilonBudget, delta, accountant);
  }
}
