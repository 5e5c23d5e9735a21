package io.dp4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

/**
 * The heap a fuzz target's reader may allocate for one input. A header that claims more elements
 * than its file holds must be refused before the array is allocated; with a large heap such an
 * allocation would succeed and the reader fail later with a proper message, so the fuzzer's
 * OutOfMemoryError alone would miss it. Counting the thread's allocated bytes catches it at any
 * heap size.
 */
public final class AllocationLimit {
  /** Fixed inputs are at most a few hundred KiB: a reader needs far less than this for them. */
  public static final long BYTES = 256L << 20;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private AllocationLimit() {}

  /** A reader call that may throw. */
  @FunctionalInterface
  public interface Read {
    void run() throws Exception;
  }

  /**
   * Runs {@code read} and asserts that it allocated at most {@link #BYTES} of heap. Over the limit,
   * it is run once more and only that run counts: the first read of a process also pays, on this
   * thread, for one-time work (class loading and Jazzer's instrumentation of the loaded classes,
   * TensorFlow's start-up), which a repeated read of the same input does not.
   */
  public static void check(Read read) throws Exception {
    if (allocatedBy(read) > BYTES) {
      assertThat(allocatedBy(read))
          .as("heap allocated reading one input (limit %d MiB)", BYTES >> 20)
          .isLessThanOrEqualTo(BYTES);
    }
  }

  private static long allocatedBy(Read read) throws Exception {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    read.run();
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }
}
