package io.dp4j.data;

import io.dp4j.accounting.StepCount;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Poisson sampling, the sampling DP-SGD's accountant models: in every step each of the {@code n}
 * examples joins the batch independently with probability {@code q}. Batch sizes are therefore
 * Binomial(n, q), with mean {@code n·q}, and a batch may be empty.
 *
 * <p>An "epoch" is {@code ceil(1 / q)} steps (at least 1), so that on average each example is seen
 * at least once per epoch; it is a bookkeeping unit only, as every step samples afresh from all
 * examples. The count is {@link StepCount#perEpoch}, the one the planning commands and the privacy
 * statement use.
 *
 * <p>Batches are drawn by geometric skipping: the gap before the next included example is drawn as
 * {@code floor(ln U / ln(1 - q))} with {@code U} uniform on (0, 1], whose distribution is exactly
 * that of the run of failures before a success in Bernoulli(q) trials. This costs about {@code n·q
 * + 1} random draws per step instead of {@code n}, with the same distribution (up to the 53-bit
 * resolution of {@code U}).
 *
 * <p>By default the randomness comes from {@link java.security.SecureRandom}: the batch membership
 * is part of what DP hides, so it must not be predictable. {@link #seeded} exists for tests, and
 * {@link #isPredictable()} tells the privacy report which kind ran. Instances are not thread-safe.
 */
public final class PoissonSampler implements BatchSampler {
  private final int n;
  private final double q;
  private final int steps;
  private final double logOneMinusQ;
  private final RandomGenerator rng;
  private final boolean seeded;
  private final OptionalLong seed;

  /**
   * Poisson sampling at rate {@code samplingRate} from a fresh {@link java.security.SecureRandom}.
   *
   * @param n number of examples, at least 1
   * @param samplingRate q, in (0, 1]
   */
  public PoissonSampler(int n, double samplingRate) {
    this(n, samplingRate, Randomness.secure(), false, OptionalLong.empty());
  }

  /**
   * Poisson sampling at rate {@code samplingRate} from {@code rng}. The sampler reports itself as
   * seeded ({@link #isPredictable()}) unless {@code rng} is a {@link java.security.SecureRandom}.
   *
   * @param n number of examples, at least 1
   * @param samplingRate q, in (0, 1]
   * @param rng the random source
   */
  public PoissonSampler(int n, double samplingRate, RandomGenerator rng) {
    this(
        n,
        samplingRate,
        Randomness.requireNonNull(rng),
        Randomness.isPredictable(rng),
        OptionalLong.empty());
  }

  private PoissonSampler(
      int n, double samplingRate, RandomGenerator rng, boolean seeded, OptionalLong seed) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 (number of examples), got " + n);
    }
    if (!(samplingRate > 0.0 && samplingRate <= 1.0)) {
      throw new IllegalArgumentException("samplingRate must be in (0, 1], got " + samplingRate);
    }
    this.n = n;
    this.q = samplingRate;
    this.steps = (int) Math.min(Integer.MAX_VALUE, StepCount.perEpoch(n, samplingRate * n));
    this.logOneMinusQ = Math.log1p(-samplingRate);
    this.rng = rng;
    this.seeded = seeded;
    this.seed = seed;
  }

  /**
   * Poisson sampling with rate {@code expectedBatchSize / n} from a fresh {@link
   * java.security.SecureRandom}.
   *
   * @param expectedBatchSize in (0, n]
   */
  public static PoissonSampler withExpectedBatchSize(int n, double expectedBatchSize) {
    return new PoissonSampler(n, rateOf(n, expectedBatchSize));
  }

  /** Poisson sampling with rate {@code expectedBatchSize / n} from {@code rng}. */
  public static PoissonSampler withExpectedBatchSize(
      int n, double expectedBatchSize, RandomGenerator rng) {
    return new PoissonSampler(n, rateOf(n, expectedBatchSize), rng);
  }

  /**
   * For tests only: a reproducible sampler from a fixed seed. It reports {@link #isPredictable()}
   * as {@code true}, and privacy reports say the sampling was predictable.
   */
  public static PoissonSampler seeded(int n, double samplingRate, long seed) {
    return new PoissonSampler(
        n, samplingRate, Randomness.seeded(seed), true, OptionalLong.of(seed));
  }

  private static double rateOf(int n, double expectedBatchSize) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 (number of examples), got " + n);
    }
    if (!(expectedBatchSize > 0.0 && expectedBatchSize <= n)) {
      throw new IllegalArgumentException(
          "expectedBatchSize must be in (0, n] = (0, " + n + "], got " + expectedBatchSize);
    }
    return expectedBatchSize / n;
  }

  /** One step's batch: the included indices in increasing order (possibly none). */
  public int[] nextBatch() {
    if (q == 1.0) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int capacity = (int) Math.min(n, n * q + 6 * Math.sqrt(n * q) + 16);
    int[] batch = new int[capacity];
    int size = 0;
    double position = -1; // double: the skip can exceed int range when q is tiny
    while (true) {
      double u = 1.0 - rng.nextDouble(); // uniform on (0, 1]
      double gap = Math.floor(Math.log(u) / logOneMinusQ); // failures before the next success
      position += gap + 1;
      if (position >= n) {
        break;
      }
      if (size == batch.length) {
        batch = Arrays.copyOf(batch, Math.min(n, batch.length * 2));
      }
      batch[size++] = (int) position;
    }
    return size == batch.length ? batch : Arrays.copyOf(batch, size);
  }

  @Override
  public List<int[]> nextEpoch() {
    List<int[]> epoch = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      epoch.add(nextBatch());
    }
    return epoch;
  }

  /** {@code ceil(1 / q)}, at least 1 ({@link StepCount#perEpoch}). */
  @Override
  public int stepsPerEpoch() {
    return steps;
  }

  @Override
  public double samplingRate() {
    return q;
  }

  /** {@code q·n}. */
  @Override
  public double expectedBatchSize() {
    return q * n;
  }

  /** Number of examples sampled from. */
  public int size() {
    return n;
  }

  @Override
  public SamplingMode mode() {
    return SamplingMode.POISSON;
  }

  /** {@code false} only when the randomness comes from a {@link java.security.SecureRandom}. */
  @Override
  public boolean isPredictable() {
    return seeded;
  }

  @Override
  public OptionalLong seed() {
    return seed;
  }

  @Override
  public String toString() {
    return "PoissonSampler[n="
        + n
        + ", q="
        + q
        + ", stepsPerEpoch="
        + steps
        + (seed.isPresent()
            ? ", test seed " + seed.getAsLong()
            : seeded ? ", predictable generator" : ", SecureRandom")
        + "]";
  }
}
