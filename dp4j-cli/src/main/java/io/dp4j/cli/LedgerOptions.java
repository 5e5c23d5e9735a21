package io.dp4j.cli;

import io.dp4j.accounting.DpEvent;
import io.dp4j.data.Dataset;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import io.dp4j.nn.Sequential;
import io.dp4j.privacy.PlanEngine;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.privacy.keras.LedgerCharge;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * {@code --ledger NAME [--db PATH|URL] [--who NAME]}: charge a training run to a ledger dataset. A
 * run over the dataset's remaining budget is refused before it starts (exit 1).
 */
final class LedgerOptions {
  @Option(
      names = "--ledger",
      paramLabel = "NAME",
      description = "Charge the run to this ledger dataset (refused if over its budget).")
  String ledger;

  @Option(
      names = "--db",
      paramLabel = "PATH|URL",
      description =
          "Ledger file, or jdbc:postgresql://HOST/DB for a team's shared ledger (default:"
              + " $DP4J_LEDGER, else ~/.local/share/dp4j/ledger.db).")
  String db;

  @Option(names = "--who", description = "Who runs it, for the ledger (default: the user name).")
  String who;

  /** The ledger: {@code --db}, else the default ({@code $DP4J_LEDGER}, else the user's file). */
  String location() {
    return db != null ? db : PrivacyLedger.defaultLocation();
  }

  /**
   * Runs {@code plan} on {@code model}, charged to the ledger dataset when {@code --ledger} was
   * given; then prints the dataset's spend to {@code log}.
   */
  TrainingResult run(
      TrainingPlan plan, Sequential model, Dataset data, String what, PrintWriter log) {
    return run(what, log, charge -> plan.run(model, data, plan.sampler(), charge));
  }

  /** As {@link #run(TrainingPlan, Sequential, Dataset, String, PrintWriter)}, on a cluster. */
  TrainingResult run(
      TrainingPlan plan, Sequential model, PlanEngine engine, String what, PrintWriter log) {
    return run(what, log, charge -> plan.run(model, plan.sampler(), charge, engine));
  }

  /**
   * Charges a statistic released from the training data before training ({@code event}, applied
   * once) to the ledger dataset when {@code --ledger} was given: admitted against the remaining
   * budget, then recorded, before the statistic is computed. The training run that follows is
   * charged on its own; the ledger composes both.
   *
   * @throws io.dp4j.ledger.BudgetExceededException if the release does not fit in the budget
   */
  void chargeRelease(DpEvent event, String what, PrintWriter log) {
    if (ledger == null) {
      return;
    }
    try (PrivacyLedger l = PrivacyLedger.open(location());
        RunCharge run = l.startRun(ledger, runner(), what, event, 1)) {
      run.finish(1);
      log.printf(Locale.ROOT, "ledger: run %d charged to '%s': %s%n", run.id(), ledger, what);
      log.flush();
    }
  }

  /** Who is charged: {@code --who}, else the user running the command. */
  String runner() {
    return who != null ? who : System.getProperty("user.name", "unknown");
  }

  private TrainingResult run(
      String what, PrintWriter log, Function<LedgerCharge, TrainingResult> training) {
    if (ledger == null) {
      return training.apply(null);
    }
    try (PrivacyLedger l = PrivacyLedger.open(location())) {
      TrainingResult result = training.apply(new LedgerCharge(l, ledger, runner(), what));
      DatasetStatus status = l.dataset(ledger);
      log.printf(
          Locale.ROOT,
          "ledger: run %d charged to '%s': epsilon spent %.4f of %.4g (delta %s), %.4f"
              + " remaining%n",
          result.ledgerRun().getAsLong(),
          ledger,
          status.epsilonSpent(),
          status.epsilonBudget(),
          status.delta(),
          status.epsilonRemaining());
      log.flush();
      return result;
    }
  }
}
