package io.dp4j.privacy.keras;

import io.dp4j.ledger.RunCharge;
import io.dp4j.nn.train.StepContext;
import io.dp4j.nn.train.StepHook;
import java.util.Objects;

/**
 * The before-step hook that charges a ledger run: before step s of a fit runs (its batch gathered,
 * its noise drawn, its update computed), {@link RunCharge#recordSteps} has durably recorded s
 * steps. If the ledger refuses or fails, the hook throws and the {@link io.dp4j.nn.train.Trainer}
 * stops before the step: the noisy gradient of an uncharged step never exists.
 *
 * <p>Public for trainers outside {@link io.dp4j.nn.train.Trainer} that run the same hooks (the
 * Spark trainer charges its driver-side steps with it).
 *
 * <p>A hook always has a run to charge (the constructor refuses null); training that is not charged
 * to a ledger simply has no such hook, so nothing looks charged and charges nothing.
 */
public final class LedgerStepCharge implements StepHook {
  private final RunCharge run;

  /**
   * @param run the ledger run to charge, started for the fit's steps
   */
  public LedgerStepCharge(RunCharge run) {
    this.run = Objects.requireNonNull(run, "run: a ledger charge needs a ledger run to charge");
  }

  @Override
  public void onStep(StepContext step) {
    long steps = step.stepOfFit() + 1;
    if (steps > run.stepsCharged()) {
      run.recordSteps(steps);
    }
  }
}
