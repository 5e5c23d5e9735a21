package io.dp4j.cli;

import io.dp4j.accounting.DeltaDefault;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The shape of a DP-SGD run that the accounting commands share: data size, batch, length, δ. */
final class RunShapeOptions {
  /** The command this mixin belongs to, for its standard error. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--n", required = true, description = "Examples in the training data.")
  long n;

  @Option(
      names = "--batch-size",
      required = true,
      description = "Expected batch size; the sampling rate is q = batch-size / n.")
  long batchSize;

  @ArgGroup(multiplicity = "1")
  StepsOption length;

  @Option(
      names = "--delta",
      required = true,
      description = "Target delta, in (0, 1); a delta of 1/n or more is warned about.")
  double delta;

  /**
   * Checks n and the batch size, which the accountants cannot name as the user typed them, and
   * warns on standard error when δ is 1/n or more.
   */
  void validate() {
    if (n < 1) {
      throw new IllegalArgumentException("--n must be >= 1, got " + n);
    }
    if (batchSize < 1 || batchSize > n) {
      throw new IllegalArgumentException(
          "--batch-size must be in [1, n=" + n + "], got " + batchSize);
    }
    PrintWriter err = command.commandLine().getErr();
    DeltaDefault.warning(delta, n).ifPresent(w -> err.println("dp4j: warning: " + w));
    err.flush();
  }

  double samplingRate() {
    return (double) batchSize / n;
  }

  long steps() {
    return length.steps(n, batchSize);
  }

  double epochs() {
    return length.epochs(n, batchSize);
  }
}
