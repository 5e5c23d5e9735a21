package io.dp4j.cli;

import io.dp4j.ledger.PrivacyLedger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j ledger}: the persistent privacy budget ledger of datasets and the training runs
 * charged against them ({@link PrivacyLedger}).
 */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = {
      "Privacy budget ledger: datasets with an (epsilon, delta) allowance and the training runs"
          + " charged against it, composed with a privacy accountant.",
      "The ledger is a file, or a PostgreSQL database a team shares (--db"
          + " jdbc:postgresql://HOST/DB); it defaults to $DP4J_LEDGER, else"
          + " ~/.local/share/dp4j/ledger.db."
    },
    subcommands = {
      LedgerCreateCommand.class,
      LedgerShowCommand.class,
      LedgerListCommand.class,
      LedgerReleaseCommand.class
    })
public final class LedgerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The {@code --db} option shared by the subcommands. */
  static final class DbOption {
    @Option(
        names = "--db",
        paramLabel = "PATH|URL",
        description =
            "Ledger file, or jdbc:postgresql://HOST/DB for a team's shared ledger (default:"
                + " $DP4J_LEDGER, else ~/.local/share/dp4j/ledger.db).")
    String db;

    PrivacyLedger open() {
      return PrivacyLedger.open(path());
    }

    /** Opens the ledger to read it: a write-protected file can still be listed and shown. */
    PrivacyLedger openForReading() {
      return PrivacyLedger.openForReading(path());
    }

    private String path() {
      return db != null ? db : PrivacyLedger.defaultLocation();
    }
  }
}
