package io.dp4j.data;

import java.util.List;
import java.util.OptionalLong;

/** Chooses the examples of each training step. */
public interface BatchSampler {
  /** The example indices of every step of the next epoch (a batch may be empty under Poisson). */
  List<int[]> nextEpoch();

  /** Steps per epoch: {@code round(1 / q)} for Poisson, {@code ceil(n / batchSize)} otherwise. */
  int stepsPerEpoch();

  /** q: the expected batch size divided by the number of examples. */
  double samplingRate();

  /** The expected batch size (q·n), by which DP-SGD normalizes the noisy sum. */
  double expectedBatchSize();

  SamplingMode mode();

  /**
   * Whether the batches come from a predictable generator (a fixed test seed or a caller-supplied
   * non-{@link java.security.SecureRandom} generator); privacy reports must say so.
   *
   * <p>The default answers {@code true}, the conservative claim; samplers that draw from a {@code
   * SecureRandom} they seeded themselves override it.
   */
  default boolean isPredictable() {
    return true;
  }

  /** The fixed test seed the batches come from, if one was given (for the privacy report). */
  default OptionalLong seed() {
    return OptionalLong.empty();
  }
}
