package io.dp4j.cli;

import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.LedgerJson;
import io.dp4j.ledger.PrivacyLedger;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dp4j ledger list}: every dataset in the ledger with its budget and spend. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the ledger's datasets with their budgets and spend.")
final class LedgerListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--json",
      description = "Print a JSON array of datasets, each as `show --json` prints it.")
  boolean json;

  @Mixin LedgerCommand.DbOption db;

  @Override
  public Integer call() {
    List<DatasetStatus> datasets;
    try (PrivacyLedger ledger = db.openForReading()) {
      datasets = ledger.datasets();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(LedgerJson.toJson(datasets));
    } else if (datasets.isEmpty()) {
      out.println("no datasets");
    } else {
      out.printf(
          Locale.ROOT,
          "%-24s %-10s %-10s %-10s %-10s %-10s %s%n",
          "dataset",
          "accountant",
          "delta",
          "budget",
          "spent",
          "remaining",
          "runs");
      for (DatasetStatus s : datasets) {
        out.printf(
            Locale.ROOT,
            "%-24s %-10s %-10.3g %-10.4g %-10.4g %-10.4g %d%n",
            s.name(),
            s.accountant(),
            s.delta(),
            s.epsilonBudget(),
            s.epsilonSpent(),
            s.epsilonRemaining(),
            s.runs().size());
      }
    }
    out.flush();
    return 0;
  }
}
