package io.dp4j.cli;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.train.History;
import io.dp4j.privacy.keras.LedgerCharge;
import io.dp4j.privacy.keras.LedgerFit;
import java.io.PrintWriter;
import java.util.Locale;
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
   * Trains {@code model}, charged to the ledger dataset when {@code --ledger} was given; then
   * prints the dataset's spend to {@code log}.
   */
  History fit(
      Sequential model,
      Dataset data,
      BatchSampler sampler,
      int epochs,
      String what,
      PrintWriter log) {
    if (ledger == null) {
      return model.fit(data, sampler, epochs);
    }
    try (PrivacyLedger l = PrivacyLedger.open(location())) {
      String runner = who != null ? who : System.getProperty("user.name", "unknown");
      LedgerFit.ChargedRun run =
          LedgerFit.fit(model, data, sampler, epochs, new LedgerCharge(l, ledger, runner, what));
      DatasetStatus status = l.dataset(ledger);
      log.printf(
          Locale.ROOT,
          "ledger: run %d charged to '%s': epsilon spent %.4f of %.4g (delta %s), %.4f"
              + " remaining%n",
          run.runId(),
          ledger,
          status.epsilonSpent(),
          status.epsilonBudget(),
          status.delta(),
          status.epsilonRemaining());
      log.flush();
      return run.history();
    }
  }
}
