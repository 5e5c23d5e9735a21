package io.dp4j.cli;

import io.dp4j.accounting.StepCount;
import picocli.CommandLine.Option;

/** The training length, given either in epochs or in steps (exactly one). */
final class StepsOption {
  @Option(
      names = "--epochs",
      required = true,
      description =
          "Epochs of training (may be fractional); steps = ceil(epochs * ceil(n / batch)), the"
              + " steps `dp4j train` runs.")
  Double epochs;

  @Option(
      names = "--steps",
      required = true,
      converter = NumberOptions.NonNegativeLong.class,
      description = "Training steps. 0: none (epsilon 0).")
  Long steps;

  /** Steps of a run over {@code n} examples with batches of {@code batchSize}. */
  long steps(long n, long batchSize) {
    return steps != null ? steps : StepCount.of(n, batchSize, epochs);
  }

  /** Epochs of a run over {@code n} examples with batches of {@code batchSize}. */
  double epochs(long n, long batchSize) {
    return epochs != null ? epochs : steps * (double) batchSize / n;
  }
}
