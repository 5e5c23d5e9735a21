package io.dp4j.privacy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.nn.train.History;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a {@link TrainingPlan} run spent, read from the model's privacy log when it ended: ε under
 * both accountants over all the steps the log composes (a continued history included).
 *
 * @param plan the plan that ran
 * @param history per-epoch loss and metrics (on private batches: not covered by ε)
 * @param rdp ε at the plan's δ from the RDP accountant
 * @param pld ε at the plan's δ from the PLD accountant
 * @param stepsBefore steps the log held before the run (a checkpoint's, or a model's history)
 * @param events the log's runs of identical steps after the run, so that a caller composing several
 *     runs on the same data (a sweep) composes what really ran
 * @param ledgerRun the ledger run charged, if the run was charged to a ledger
 */
public record TrainingResult(
    TrainingPlan plan,
    History history,
    PrivacySpent rdp,
    PrivacySpent pld,
    long stepsBefore,
    List<SelfComposedDpEvent> events,
    OptionalLong ledgerRun) {
  public TrainingResult {
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(rdp, "rdp");
    Objects.requireNonNull(pld, "pld");
    Objects.requireNonNull(ledgerRun, "ledgerRun");
    events = List.copyOf(events);
  }

  /** ε under the plan's accountant (the one of its calibration and target check). */
  public PrivacySpent spent() {
    return plan.accountant() == AccountantKind.PLD ? pld : rdp;
  }

  /**
   * Whether the run kept within the plan's target ε under its accountant (true without a target).
   * The plan checked its planned event before the run; this checks what the log recorded.
   */
  public boolean withinTarget() {
    return plan.targetEpsilon().isEmpty()
        || spent().epsilon() <= plan.targetEpsilon().getAsDouble();
  }
}
