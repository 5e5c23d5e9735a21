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
 *
 * <p>The draws are made by gap sampling (Devroye 1986, ch. 10; Spark's {@code GapSampling}): the
 * numbers of rows passed over before each joining row are independent, geometric with P(gap ≥ k) =
 * (1 − q)^k, which is the distribution of independent Bernoulli(q) draws, one per row. It costs one
 * draw per joining row instead of one per row: at the small q of DP-SGD, the per-row draw was most
 * of a step's time (every step reads every row of the table).
 */
final class RowSampler {
  private final SecureRandom stream;
  private final double q;
  private final double log1mq;
  private long gap;

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
    this.log1mq = Math.log1p(-q);
    gap = nextGap();
  }

  /** Whether the partition's next row joins the step's sample. */
  boolean nextJoins() {
    if (gap > 0) {
      gap--;
      return false;
    }
    gap = nextGap();
    return true;
  }

  /** A geometric gap: floor(ln U / ln(1 − q)) for U uniform in (0, 1]; 0 when q = 1. */
  private long nextGap() {
    if (q >= 1) {
      return 0;
    }
    double g = Math.floor(Math.log(1 - stream.nextDouble()) / log1mq);
    return g >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) g;
  }
}
