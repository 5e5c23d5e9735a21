package io.dp4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code dp4j audit}: empirical privacy audits of trained models. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Audit a trained model's privacy empirically, by attacking it.",
    subcommands = {MiaCommand.class, CanaryCommand.class})
public final class AuditCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }
}
