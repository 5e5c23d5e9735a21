package io.dp4j.ledger;

import io.dp4j.accounting.Arguments;

/**
 * An open training run in the {@link PrivacyLedger}: its plan is reserved against the dataset's
 * budget, and it is charged the steps recorded with {@link #recordSteps}.
 *
 * <p>Use it with try-with-resources:
 *
 * <pre>{@code
 * try (RunCharge run = ledger.startRun("mnist", "alice", "cnn v3", stepEvent, steps, "rdp")) {
 *   for (long step = 0; step < steps; step++) {
 *     run.recordSteps(step + 1); // before the step's noisy gradient is released
 *     trainStep();
 *   }
 *   run.finish();
 * }
 * }</pre>
 *
 * <p>Each {@link #recordSteps} call is one durable SQLite transaction (a few milliseconds with
 * {@code synchronous=FULL}); to record every N steps instead, record {@code done + N} before
 * running the next N steps, so a crash over-charges at most N - 1 steps and never under-charges.
 * After a crash the ledger charges exactly the steps last recorded. {@link #close()} without {@link
 * #finish()} ends the run as interrupted, charged the steps recorded.
 *
 * <p>Thread-safe; calls on a closed run throw {@link IllegalStateException}.
 */
public final class RunCharge implements AutoCloseable {
  private final PrivacyLedger ledger;
  private final long id;
  private final String dataset;
  private final long plannedSteps;
  private long stepsCharged;
  private RunStatus status = RunStatus.RUNNING;

  RunCharge(PrivacyLedger ledger, long id, String dataset, long plannedSteps) {
    this.ledger = ledger;
    this.id = id;
    this.dataset = dataset;
    this.plannedSteps = plannedSteps;
  }

  /** The run's id in the ledger. */
  public long id() {
    return id;
  }

  /** The dataset's name. */
  public String dataset() {
    return dataset;
  }

  /** The steps the budget was checked for. */
  public long plannedSteps() {
    return plannedSteps;
  }

  /** The steps recorded (charged) so far. */
  public synchronized long stepsCharged() {
    return stepsCharged;
  }

  /** Running, or how this charge was ended. */
  public synchronized RunStatus status() {
    return status;
  }

  /**
   * Charges the run for {@code stepsDone} steps in total (not an increment), durably, before
   * returning. Call it before releasing the noisy gradient of step {@code stepsDone}.
   *
   * @param stepsDone steps started so far, from the last value recorded up to {@link
   *     #plannedSteps()}; the same value again does nothing
   * @throws IllegalArgumentException if {@code stepsDone} is below the steps already recorded
   * @throws IllegalStateException if it is above the plan, or the run is no longer running (closed
   *     here, or interrupted through the ledger): the trainer must stop
   */
  public synchronized void recordSteps(long stepsDone) {
    requireRunning();
    Arguments.requireNonNegative("stepsDone", stepsDone);
    if (stepsDone < stepsCharged) {
      throw new IllegalArgumentException(
          "stepsDone must not go down: run "
              + id
              + " already recorded "
              + stepsCharged
              + " steps, got "
              + stepsDone);
    }
    if (stepsDone > plannedSteps) {
      throw new IllegalStateException(
          "run "
              + id
              + " on dataset '"
              + dataset
              + "' was admitted for "
              + plannedSteps
              + " steps, got stepsDone "
              + stepsDone
              + "; start a new run for more steps");
    }
    if (stepsDone == stepsCharged) {
      return;
    }
    ledger.recordSteps(id, stepsDone);
    stepsCharged = stepsDone;
  }

  /** Records {@code stepsDone} and ends the run as finished. */
  public synchronized void finish(long stepsDone) {
    recordSteps(stepsDone);
    finish();
  }

  /** Ends the run as finished, charged the steps recorded; its unused plan is released. */
  public synchronized void finish() {
    requireRunning();
    ledger.endRun(this, RunStatus.FINISHED);
    status = RunStatus.FINISHED;
  }

  /**
   * Ends the run as interrupted, charged the steps recorded, unless it already finished. Does
   * nothing if already closed.
   */
  @Override
  public synchronized void close() {
    if (status != RunStatus.RUNNING) {
      return;
    }
    status = RunStatus.INTERRUPTED;
    ledger.endRun(this, RunStatus.INTERRUPTED);
  }

  private void requireRunning() {
    if (status != RunStatus.RUNNING) {
      throw new IllegalStateException("run " + id + " is " + status.label());
    }
  }

  @Override
  public String toString() {
    return "RunCharge[run "
        + id
        + " on '"
        + dataset
        + "', "
        + stepsCharged
        + "/"
        + plannedSteps
        + " steps, "
        + status.label()
        + "]";
  }
}
