package io.dp4j.spark;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The Poisson sample of one partition at one step: every row joins independently with probability
 * q, drawn from a SHA1PRNG stream seeded with (master seed, step, partition). The master seed comes
 * from the driver's {@link SecureRandom}; the stream is a pure function of the three, so a retried
 * or speculative task draws the same rows as the first attempt (Spark's own {@code sample} seeds
 * are not relied on), and rows of other partitions or steps get independent draws.
 */
final class RowSampler {
  private final SecureRandom stream;
  private final double q;

  RowSampler(long masterSeed, long step, int partition, double q) {
    try {
      // SHA1PRNG seeded before its first output is deterministic (unlike the default DRBG)
      stream = SecureRandom.getInstance("SHA1PRNG");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA1PRNG", e);
    }
    stream.setSeed(
        ByteBuffer.allocate(20).putLong(masterSeed).putLong(step).putInt(partition).array());
    this.q = q;
  }

  /** Whether the partition's next row joins the step's sample. */
  boolean nextJoins() {
    return stream.nextDouble() < q;
  }
}
