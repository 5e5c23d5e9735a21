package io.dp4j.privacy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The randomness of a model's DP steps: the seeds of the in-graph noise, or the noise itself in
 * secure mode, the random assignment of Poisson-sampled examples to microbatches, and the draws of
 * augmented copies. One per model (kept with it across compiles); closed with it.
 *
 * <ul>
 *   <li>Default: every step's noise is drawn in-graph by TensorFlow's Philox-based stateless
 *       normal, from two fresh {@link SecureRandom} longs per step.
 *   <li>Secure mode ({@link #useSecureNoise()}): the noise of every parameter is drawn in Java by
 *       {@link SecureGaussianNoise} (each value the sum of four Gaussians over 2, after Opacus's
 *       {@code secure_mode} and Mironov 2012) and fed to the step; the next step's noise is drawn
 *       on a background thread while the current step runs. Slower: one CSPRNG draw per parameter
 *       value per step.
 *   <li>Fixed test seed ({@link #useFixedNoiseSeedForTesting}): everything derives from {@code
 *       (seed, step)}; no privacy.
 * </ul>
 */
public final class NoiseSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NoiseSource.class);

  private final SecureRandom secureRandom = new SecureRandom();
  private Long fixedSeed;
  private boolean secure;
  private SecureGaussianNoise secureGaussian;
  private ExecutorService executor;
  private Future<List<float[]>> pending;

  /**
   * FOR TESTS ONLY: derive the DP noise and microbatch assignment of step s from {@code (seed, s)}
   * instead of {@link SecureRandom}. The noise is then predictable and gives no privacy; the steps
   * are recorded as predictable and a warning is logged.
   */
  public synchronized void useFixedNoiseSeedForTesting(long seed) {
    LOG.warn("DP noise uses the fixed test seed {}: no privacy guarantee", seed);
    this.fixedSeed = seed;
  }

  /** The fixed test noise seed, if one was set. */
  public synchronized OptionalLong fixedSeed() {
    return fixedSeed == null ? OptionalLong.empty() : OptionalLong.of(fixedSeed);
  }

  /** Secure mode (see above); takes effect at the model's next compile. */
  public synchronized void useSecureNoise() {
    this.secure = true;
  }

  /** Whether secure mode was asked for (the compiled step reports the mode it uses). */
  public synchronized boolean secureRequested() {
    return secure;
  }

  /**
   * The Philox seed of step {@code step}'s in-graph noise: {@code {seed, step}} with the test seed
   * (the graph adds the parameter index to the first word, so no two (parameter, step) pairs share
   * a seed), else two {@link SecureRandom} longs.
   */
  synchronized long[] philoxSeed(long step) {
    return fixedSeed != null
        ? new long[] {fixedSeed, step}
        : new long[] {secureRandom.nextLong(), secureRandom.nextLong()};
  }

  /** Draws of a uniformly random microbatch in [0, M) for step {@code step}'s examples. */
  synchronized IntUnaryOperator microbatchDraws(long step) {
    if (fixedSeed != null) {
      SplittableRandom seeded = new SplittableRandom(fixedSeed * 0x9E3779B97F4A7C15L + step + 1);
      return seeded::nextInt;
    }
    return secureRandom::nextInt;
  }

  /**
   * The draws of step {@code step}'s augmented copies ({@link AugmentationMultiplicity}): a fast
   * generator seeded from {@code (seed, step)} with the test seed, else from a fresh {@link
   * SecureRandom} long, so that the crops and flips are as unpredictable as the noise.
   */
  synchronized RandomGenerator augmentationDraws(long step) {
    if (fixedSeed != null) {
      return new SplittableRandom((fixedSeed ^ 0x5851F42D4C957F2DL) * 0x9E3779B97F4A7C15L + step);
    }
    return new SplittableRandom(secureRandom.nextLong());
  }

  /**
   * Secure mode: step {@code step}'s standard normal noise, one array per shape. Without the test
   * seed it is the noise prefetched during the previous step (when the shapes match), and the next
   * step's starts drawing on a background thread; noise drawn for a step that never runs is
   * discarded, and each draw is used at most once.
   */
  synchronized List<float[]> secureStandardNormals(List<long[]> shapes, long step) {
    if (fixedSeed != null) {
      return draw(
          new SecureGaussianNoise(
              new SplittableRandom((fixedSeed ^ 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L + step)
                  ::nextBytes),
          shapes);
    }
    List<float[]> values = null;
    if (pending != null) {
      try {
        List<float[]> drawn = pending.get();
        if (sameShapes(drawn, shapes)) {
          values = drawn;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while drawing DP noise", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("drawing DP noise failed", e.getCause());
      } finally {
        pending = null;
      }
    }
    if (secureGaussian == null) {
      secureGaussian = SecureGaussianNoise.secure();
    }
    SecureGaussianNoise gaussian = secureGaussian;
    if (values == null) {
      values = draw(gaussian, shapes);
    }
    if (executor == null) {
      executor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "dp4j-secure-noise");
                t.setDaemon(true);
                return t;
              });
    }
    List<long[]> next = List.copyOf(shapes);
    pending = executor.submit(() -> draw(gaussian, next));
    return values;
  }

  private static boolean sameShapes(List<float[]> values, List<long[]> shapes) {
    if (values.size() != shapes.size()) {
      return false;
    }
    for (int i = 0; i < shapes.size(); i++) {
      if (values.get(i).length != numElements(shapes.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<float[]> draw(SecureGaussianNoise gaussian, List<long[]> shapes) {
    List<float[]> values = new ArrayList<>();
    for (long[] shape : shapes) {
      values.add(gaussian.next(Math.toIntExact(numElements(shape))));
    }
    return values;
  }

  private static long numElements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Stops the prefetch thread (a later secure step starts a new one). */
  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
      pending = null;
    }
  }
}
