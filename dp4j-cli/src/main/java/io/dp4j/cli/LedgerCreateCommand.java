package io.dp4j.cli;

import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.LedgerJson;
import io.dp4j.ledger.PrivacyLedger;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dp4j ledger create NAME --epsilon E --delta D}: registers a dataset and its budget. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Register a dataset with its total (epsilon, delta) privacy budget.")
final class LedgerCreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The dataset's name.")
  String name;

  @Option(
      names = "--epsilon",
      required = true,
      paramLabel = "E",
      description = "Total epsilon budget (> 0).")
  double epsilon;

  @Option(
      names = "--delta",
      required = true,
      paramLabel = "D",
      description = "The delta of the budget, in (0, 1).")
  double delta;

  @Option(
      names = "--accountant",
      defaultValue = PrivacyLedger.DEFAULT_ACCOUNTANT,
      paramLabel = "rdp|pld",
      description = "Accountant composing the dataset's runs (default: ${DEFAULT-VALUE}).")
  String accountant;

  @Mixin LedgerCommand.DbOption db;

  @Option(names = "--json", description = "Print the new dataset's status as JSON.")
  boolean json;

  @Override
  public Integer call() {
    try (PrivacyLedger ledger = db.open()) {
      DatasetStatus status = ledger.createDataset(name, epsilon, delta, accountant);
      if (json) {
        spec.commandLine().getOut().println(LedgerJson.toJson(status));
        spec.commandLine().getOut().flush();
        return 0;
      }
      spec.commandLine()
          .getOut()
          .println(
              String.format(
                  Locale.ROOT,
                  "created dataset '%s': epsilon budget %s at delta %s (%s accountant) in %s",
                  status.name(),
                  status.epsilonBudget(),
                  status.delta(),
                  status.accountant(),
                  ledger.location()));
    }
    return 0;
  }
}
