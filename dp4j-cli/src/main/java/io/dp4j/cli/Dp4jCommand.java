package io.dp4j.cli;

import io.dp4j.nn.train.NonFiniteWeightsException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dp4j} command: the entry point of the shaded jar run by the {@code ./dp4j} launcher.
 */
@Command(
    name = "dp4j",
    mixinStandardHelpOptions = true,
    version = "dp4j 0.1.0-SNAPSHOT",
    description = "Differentially private deep learning for the JVM.",
    subcommands = {
      TutorialCommand.class,
      BudgetCommand.class,
      CalibrateCommand.class,
      LedgerCommand.class,
      BenchCommand.class,
      PrivateTrainCommand.class,
      TrainModelCommand.class,
      SweepCommand.class,
      InspectCommand.class,
      PredictCommand.class,
      AuditCommand.class
    })
public final class Dp4jCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with dp4j's error handling: user errors (a bad option value, a file that does
   * not exist) exit 2 with one line, no trace; a run that fails (an unreadable file, weights that
   * became non-finite) exits 1 with one line.
   */
  static CommandLine commandLine() {
    CommandLine cli = NumberOptions.register(new CommandLine(new Dp4jCommand()));
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          ex.getCommandLine().getErr().println("dp4j: " + ex.getMessage());
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof io.dp4j.ledger.BudgetExceededException) {
            commandLine.getErr().println("dp4j: refused by the ledger: " + ex.getMessage());
            commandLine.getErr().flush();
            return 1;
          }
          NoSuchFileException missing = missingFile(ex);
          if (missing != null) {
            // a path the user typed that does not exist: bad usage, whichever reader met it
            commandLine.getErr().println("dp4j: file not found: " + missing.getFile());
            commandLine.getErr().flush();
            return 2;
          }
          // a damaged, empty or read-only ledger file, or a step that made a weight non-finite: the
          // message names the file or the step and the remedy
          if (ex instanceof io.dp4j.ledger.LedgerException
              || ex instanceof NonFiniteWeightsException) {
            commandLine.getErr().println("dp4j: " + ex.getMessage());
            commandLine.getErr().flush();
            return 1;
          }
          if (ex instanceof IllegalArgumentException) {
            commandLine.getErr().println("dp4j: " + ex.getMessage());
            return 2;
          }
          if (ex instanceof java.io.IOException) {
            commandLine.getErr().println("dp4j: " + ex.getMessage());
            commandLine.getErr().flush();
            return 1;
          }
          throw ex;
        });
    return cli;
  }

  /** The missing file behind {@code ex} (itself, or a cause: readers wrap I/O errors), or null. */
  private static NoSuchFileException missingFile(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof NoSuchFileException missing) {
        return missing;
      }
    }
    return null;
  }
}
