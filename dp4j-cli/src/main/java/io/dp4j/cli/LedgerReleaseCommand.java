package io.dp4j.cli;

import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j ledger release RUN --reason TEXT}: ends a run held by a host that is gone, charged
 * the steps it recorded (exit 1 if it was not running).
 */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description = {
      "End a running run whose host is gone, as interrupted: it is charged the steps it recorded"
          + " and its unused plan stops being reserved. If its trainer is alive after all, its"
          + " next recorded step fails and it stops."
    })
final class LedgerReleaseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "The run's id (ledger show).")
  long run;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why it is released; kept with the run.")
  String reason;

  @Mixin LedgerCommand.DbOption db;

  @Override
  public Integer call() {
    Optional<RunRecord> released;
    try (PrivacyLedger ledger = db.open()) {
      released = ledger.releaseRun(run, reason);
    }
    if (released.isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "dp4j: run " + run + " is not running (finished or ended before); nothing changed");
      err.flush();
      return 1;
    }
    RunRecord r = released.get();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "released run %d: interrupted, charged %d of %d planned steps (epsilon %.4g alone)%n",
        r.id(),
        r.steps(),
        r.plannedSteps(),
        r.epsilon());
    out.flush();
    return 0;
  }
}
