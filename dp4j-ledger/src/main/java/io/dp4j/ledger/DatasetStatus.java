package io.dp4j.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A dataset's privacy budget and what has been spent of it.
 *
 * <p>Every ε is at the dataset's {@code delta} and comes from composing the runs' step events in
 * one accountant of the dataset's kind ({@code accountant}); ε's of separate runs are never added.
 *
 * @param name the dataset's name
 * @param epsilonBudget the total ε allowance
 * @param delta the δ of the allowance
 * @param accountant the accountant that composes the runs ("rdp" or "pld")
 * @param created when the dataset was registered
 * @param epsilonSpent ε of all steps charged so far, composed across runs
 * @param epsilonCommitted ε of the steps charged plus the planned steps of runs still running: what
 *     a new run is checked against
 * @param epsilonRemaining {@code epsilonBudget - epsilonSpent}
 * @param runs the runs, oldest first
 */
public record DatasetStatus(
    String name,
    double epsilonBudget,
    double delta,
    String accountant,
    Instant created,
    double epsilonSpent,
    double epsilonCommitted,
    double epsilonRemaining,
    List<RunRecord> runs) {
  public DatasetStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(accountant, "accountant");
    Objects.requireNonNull(created, "created");
    runs = List.copyOf(runs);
  }
}
