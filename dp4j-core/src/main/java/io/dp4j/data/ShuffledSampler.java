package io.dp4j.data;

import io.dp4j.accounting.StepCount;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Fixed-size batches from a fresh uniform shuffle of the examples every epoch: TF Privacy's (and
 * Keras') batching, offered for compatibility ({@link SamplingMode#SHUFFLED}). The accountant
 * models Poisson sampling, so privacy reports state that its figure is then an assumption.
 *
 * <p>When {@code batchSize} does not divide {@code n}, the last, smaller batch is kept by default
 * (as Keras does; {@code ceil(n / batchSize)} steps, each example exactly once per epoch) or
 * dropped with {@code dropRemainder} ({@code floor(n / batchSize)} steps). The TF Privacy MNIST
 * tutorial (n = 60000, batch 250) divides exactly, so both agree there.
 *
 * <p>Randomness comes from {@link java.security.SecureRandom} unless a generator or a test seed is
 * given ({@link #isPredictable()}). Instances are not thread-safe.
 */
public final class ShuffledSampler implements BatchSampler {
  private final int n;
  private final int batchSize;
  private final boolean dropRemainder;
  private final RandomGenerator rng;
  private final boolean seeded;
  private final OptionalLong seed;
  private final int[] permutation;

  /** Keeps the last partial batch; shuffles with a fresh {@link java.security.SecureRandom}. */
  public ShuffledSampler(int n, int batchSize) {
    this(n, batchSize, false, Randomness.secure(), false, OptionalLong.empty());
  }

  /** Keeps the last partial batch; shuffles with {@code rng}. */
  public ShuffledSampler(int n, int batchSize, RandomGenerator rng) {
    this(n, batchSize, false, rng);
  }

  /**
   * @param n number of examples, at least 1
   * @param batchSize in [1, n]
   * @param dropRemainder drop the last batch when it would be smaller than {@code batchSize}
   * @param rng the random source; the sampler reports itself as seeded unless it is a {@link
   *     java.security.SecureRandom}
   */
  public ShuffledSampler(int n, int batchSize, boolean dropRemainder, RandomGenerator rng) {
    this(
        n,
        batchSize,
        dropRemainder,
        Randomness.requireNonNull(rng),
        Randomness.isPredictable(rng),
        OptionalLong.empty());
  }

  private ShuffledSampler(
      int n,
      int batchSize,
      boolean dropRemainder,
      RandomGenerator rng,
      boolean seeded,
      OptionalLong seed) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 (number of examples), got " + n);
    }
    if (batchSize < 1 || batchSize > n) {
      throw new IllegalArgumentException(
          "batchSize must be in [1, n] = [1, " + n + "], got " + batchSize);
    }
    this.n = n;
    this.batchSize = batchSize;
    this.dropRemainder = dropRemainder;
    this.rng = rng;
    this.seeded = seeded;
    this.seed = seed;
    this.permutation = new int[n];
    Arrays.setAll(permutation, i -> i);
  }

  /** For tests only: reproducible shuffles from a fixed seed; {@link #isPredictable()} is true. */
  public static ShuffledSampler seeded(int n, int batchSize, boolean dropRemainder, long seed) {
    return new ShuffledSampler(
        n, batchSize, dropRemainder, Randomness.seeded(seed), true, OptionalLong.of(seed));
  }

  @Override
  public List<int[]> nextEpoch() {
    // Fisher-Yates; nextInt(bound) is unbiased, so every permutation is equally likely.
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = permutation[i];
      permutation[i] = permutation[j];
      permutation[j] = t;
    }
    int steps = stepsPerEpoch();
    List<int[]> epoch = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      int from = s * batchSize;
      epoch.add(Arrays.copyOfRange(permutation, from, Math.min(n, from + batchSize)));
    }
    return epoch;
  }

  /**
   * {@code ceil(n / batchSize)} ({@link StepCount#perEpoch}, so an epoch is as many steps as under
   * Poisson sampling), or {@code floor(n / batchSize)} with {@code dropRemainder}.
   */
  @Override
  public int stepsPerEpoch() {
    return dropRemainder ? n / batchSize : (int) StepCount.perEpoch(n, batchSize);
  }

  /** {@code batchSize / n}, the rate the (assumed) Poisson accounting uses. */
  @Override
  public double samplingRate() {
    return (double) batchSize / n;
  }

  /** The fixed batch size (the last batch may be smaller unless the remainder is dropped). */
  @Override
  public double expectedBatchSize() {
    return batchSize;
  }

  public int batchSize() {
    return batchSize;
  }

  public boolean dropsRemainder() {
    return dropRemainder;
  }

  /** Number of examples sampled from. */
  public int size() {
    return n;
  }

  @Override
  public SamplingMode mode() {
    return SamplingMode.SHUFFLED;
  }

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
    return "ShuffledSampler[n="
        + n
        + ", batchSize="
        + batchSize
        + (dropRemainder ? ", drop remainder" : ", keep remainder")
        + (seed.isPresent()
            ? ", test seed " + seed.getAsLong()
            : seeded ? ", predictable generator" : ", SecureRandom")
        + "]";
  }
}
