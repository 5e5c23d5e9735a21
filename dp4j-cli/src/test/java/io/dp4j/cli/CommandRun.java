package io.dp4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/** One in-process run of the dp4j command: exit code, standard output and standard error. */
record CommandRun(int exitCode, String out, String err) {
  static CommandRun of(String... args) {
    CommandLine cli = Dp4jCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }

  /** A run of the parts' arguments in order: e.g. a command, a {@link SyntheticCsv}'s options. */
  @SafeVarargs
  static CommandRun of(List<String>... parts) {
    return of(Stream.of(parts).flatMap(List::stream).toArray(String[]::new));
  }
}
