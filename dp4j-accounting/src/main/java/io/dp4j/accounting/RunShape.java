package io.dp4j.accounting;

/**
 * The shape of a DP-SGD run, and the one place that turns it into the DP event the accountants
 * compose: {@code steps} steps of {@code PoissonSampled(q, Gaussian(σ'))}.
 *
 * <p><b>The microbatch rule.</b> σ' is the noise multiplier σ as configured when each clipping unit
 * holds one example, and σ/2 when a unit can hold more than one ({@code microbatchSize} &gt; 1).
 * Under Poisson sampling with examples assigned to random microbatches (or fixed-size batches split
 * into b/M consecutive groups), adding or removing one example changes one microbatch's clipped
 * gradient by up to 2C, not C: the sensitivity is 2C under add-or-remove adjacency, so the noise
 * σ·C is worth a Gaussian mechanism with σ/2 at sensitivity C (TF Privacy's {@code
 * compute_dp_sgd_privacy_statement}; Ponomareva et al. 2023, "How to DP-fy ML", Sec. 5.6). Every
 * caller that needs the event, the effective σ or the doubling goes through this class.
 *
 * <p>The event is Poisson-sampled for shuffled fixed-size batches too: reports of such runs say the
 * Poisson figure is an assumption. The sampling mode therefore enters only through {@link
 * #microbatchSize(int, double, boolean)}, which decides how large the clipping units are.
 *
 * @param samplingRate q, the probability of each example to be in a step's batch
 * @param noiseMultiplier σ as configured (noise standard deviation over the clipping norm C),
 *     finite and &gt;= 0; 0 means no noise and no DP event
 * @param steps the steps of the run, &gt;= 0
 * @param microbatchSize expected examples per clipping unit, finite and &gt;= 1: 1 when clipping
 *     per example, b/M for fixed-size batches, the expected (q·N)/M for Poisson batches
 */
public record RunShape(
    double samplingRate, double noiseMultiplier, long steps, double microbatchSize) {

  public RunShape {
    if (!(microbatchSize >= 1) || Double.isInfinite(microbatchSize)) {
      throw new IllegalArgumentException(
          "microbatchSize must be finite and >= 1, got " + microbatchSize);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    Arguments.requireNonNegative("steps", steps);
  }

  /** One step of this shape, clipped per example or in microbatches of {@code microbatchSize}. */
  public static RunShape step(double samplingRate, double noiseMultiplier, double microbatchSize) {
    return new RunShape(samplingRate, noiseMultiplier, 1, microbatchSize);
  }

  /**
   * Expected examples per clipping unit of a run with {@code numMicrobatches} M (0: per example)
   * and expected batch size b: 1 when clipping per example (M = 0, or Poisson batches with M equal
   * to b up to rounding), else b/M (at least 1).
   */
  public static double microbatchSize(
      int numMicrobatches, double expectedBatchSize, boolean poissonSampled) {
    if (numMicrobatches == 0
        || (poissonSampled && clipsPerExample(numMicrobatches, expectedBatchSize))) {
      return 1;
    }
    return Math.max(1, expectedBatchSize / numMicrobatches);
  }

  /**
   * Poisson batches clip per example when M is the expected batch size (up to rounding); the
   * training step plans its clipping units with the same test.
   */
  public static boolean clipsPerExample(int numMicrobatches, double expectedBatchSize) {
    return Math.abs(expectedBatchSize - numMicrobatches) <= 1e-6 * Math.max(1, numMicrobatches);
  }

  /** Whether units of {@code microbatchSize} expected examples double the sensitivity to 2C. */
  public static boolean sensitivityDoubled(double microbatchSize) {
    return microbatchSize > 1;
  }

  /** The microbatch rule: σ/2 when the sensitivity is doubled, else σ. */
  public static double effectiveNoiseMultiplier(
      double noiseMultiplier, boolean sensitivityDoubled) {
    return sensitivityDoubled ? noiseMultiplier / 2 : noiseMultiplier;
  }

  /**
   * The configured σ whose {@link #effectiveNoiseMultiplier(double, boolean) effective} noise
   * multiplier is {@code effective}: 2σ' when the sensitivity is doubled (to calibrate σ to a
   * target ε, which is computed from the effective one).
   */
  public static double configuredNoiseMultiplier(double effective, boolean sensitivityDoubled) {
    return sensitivityDoubled ? 2 * effective : effective;
  }

  /** Whether this run's clipping units double the sensitivity to 2C. */
  public boolean sensitivityDoubled() {
    return sensitivityDoubled(microbatchSize);
  }

  /** The σ the accountants compose: σ/2 when {@link #sensitivityDoubled()}, else σ. */
  public double effectiveNoiseMultiplier() {
    return effectiveNoiseMultiplier(noiseMultiplier, sensitivityDoubled());
  }

  /** Whether the steps add noise: without (σ = 0) there is no DP event and ε is infinite. */
  public boolean noisy() {
    return noiseMultiplier > 0;
  }

  /**
   * One step's event, {@code PoissonSampled(q, Gaussian(σ'))} with σ' the {@link
   * #effectiveNoiseMultiplier()}.
   *
   * @throws IllegalArgumentException if σ = 0 (no DP event) or q is not in [0, 1]
   */
  public PoissonSampledDpEvent stepEvent() {
    return new PoissonSampledDpEvent(samplingRate, new GaussianDpEvent(effectiveNoiseMultiplier()));
  }

  /**
   * The run's event: {@link #steps()} self-compositions of {@link #stepEvent()}.
   *
   * @throws IllegalArgumentException if σ = 0 (no DP event) or q is not in [0, 1]
   */
  public SelfComposedDpEvent event() {
    return new SelfComposedDpEvent(stepEvent(), steps);
  }
}
