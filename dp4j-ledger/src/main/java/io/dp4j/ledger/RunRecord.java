package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * One training run as recorded in the ledger.
 *
 * @param id the run's number in the ledger
 * @param who who ran it (a user or service name)
 * @param what what it trained (a model, a job, a commit)
 * @param started when it was started (admitted)
 * @param ended when it finished or was found interrupted; {@code null} while running
 * @param stepEvent the DP event of one training step
 * @param samplingProbability q of the step event if it is a (Poisson-sampled) Gaussian, else {@code
 *     null}
 * @param noiseMultiplier σ of the step event if it is a (Poisson-sampled) Gaussian, else {@code
 *     null}
 * @param plannedSteps the steps the budget was checked for when the run started
 * @param steps the steps charged (recorded as started)
 * @param accountant the accountant the run's own ε is stated with ("rdp" or "pld")
 * @param status running, finished or interrupted
 * @param epsilon ε of this run's charged steps alone, at the dataset's δ, under {@code accountant}
 */
public record RunRecord(
    long id,
    String who,
    String what,
    Instant started,
    Instant ended,
    DpEvent stepEvent,
    Double samplingProbability,
    Double noiseMultiplier,
    long plannedSteps,
    long steps,
    String accountant,
    RunStatus status,
    double epsilon) {
  public RunRecord {
    Objects.requireNonNull(who, "who");
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(stepEvent, "stepEvent");
    Objects.requireNonNull(accountant, "accountant");
    Objects.requireNonNull(status, "status");
  }
}
