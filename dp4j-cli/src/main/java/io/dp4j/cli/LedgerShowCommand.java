package io.dp4j.cli;

import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.LedgerJson;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dp4j ledger show NAME}: a dataset's budget, spend and runs. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = "Show a dataset's budget, what has been spent of it, and its runs.")
final class LedgerShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The dataset's name.")
  String name;

  @Option(names = "--json", description = "Print JSON (stable field names) instead of text.")
  boolean json;

  @Mixin LedgerCommand.DbOption db;

  @Override
  public Integer call() {
    DatasetStatus status;
    try (PrivacyLedger ledger = db.openForReading()) {
      status = ledger.dataset(name);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(LedgerJson.toJson(status));
    } else {
      print(out, status);
    }
    out.flush();
    return 0;
  }

  static void print(PrintWriter out, DatasetStatus s) {
    out.printf(
        Locale.ROOT,
        "dataset %s (%s accountant, delta %s)%n"
            + "  epsilon budget %.4g, spent %.4g, remaining %.4g%n",
        s.name(),
        s.accountant(),
        s.delta(),
        s.epsilonBudget(),
        s.epsilonSpent(),
        s.epsilonRemaining());
    if (s.epsilonCommitted() > s.epsilonSpent()) {
      out.printf(
          Locale.ROOT,
          "  with the plans of running runs: %.4g (what a new run is checked against)%n",
          s.epsilonCommitted());
    }
    if (s.runs().isEmpty()) {
      out.println("  no runs");
      return;
    }
    out.printf(
        Locale.ROOT,
        "  %-5s %-11s %-20s %-12s %-10s %-8s %-17s %-8s %s%n",
        "run",
        "status",
        "when",
        "who",
        "q",
        "sigma",
        "steps/planned",
        "epsilon",
        "what");
    for (RunRecord r : s.runs()) {
      out.printf(
          Locale.ROOT,
          "  %-5d %-11s %-20s %-12s %-10s %-8s %-17s %-8.4g %s%n",
          r.id(),
          r.status().label(),
          r.started().toString().replaceFirst("\\.\\d+Z$", "Z"),
          r.who(),
          r.samplingProbability() == null
              ? "-"
              : String.format(Locale.ROOT, "%.4g", r.samplingProbability()),
          r.noiseMultiplier() == null
              ? "-"
              : String.format(Locale.ROOT, "%.4g", r.noiseMultiplier()),
          r.steps() + "/" + r.plannedSteps(),
          r.epsilon(),
          r.what());
    }
  }
}
