package io.dp4j.accounting;

/**
 * The privacy a DP-SGD run spends, under both accountants: ε from RDP (with its optimal order) and
 * from PLD, for Poisson sampling at rate q = batchSize / n over {@code steps} steps.
 *
 * <p>With microbatches of more than one example the effective noise multiplier is σ/2 ({@link
 * RunShape}'s microbatch rule); {@code effectiveNoiseMultiplier} is the σ the figures were computed
 * with.
 *
 * @param epsilonRdp ε from the RDP accountant, or NaN when it was not asked for
 * @param rdpOrder the RDP order that gave {@code epsilonRdp}, or NaN
 * @param epsilonPld ε from the PLD accountant (an upper bound), +∞ where PLD has no bound within
 *     its work limit (σ near 0: {@link #epsilon()} is then the RDP bound), or NaN when it was not
 *     asked for
 */
public record DpSgdBudget(
    long n,
    long batchSize,
    double noiseMultiplier,
    boolean microbatchesOfMoreThanOne,
    double effectiveNoiseMultiplier,
    long steps,
    double delta,
    double samplingRate,
    double epsilonRdp,
    double rdpOrder,
    double epsilonPld) {

  /** Which accountants to run. */
  public enum Accountants {
    RDP,
    PLD,
    BOTH
  }

  /**
   * Computes the budget of {@code epochs} epochs of DP-SGD: {@link StepCount#of} steps, the count
   * dp4j's training runs.
   *
   * @param epochs passes over the data, finite and &gt; 0
   */
  public static DpSgdBudget forEpochs(
      long n,
      long batchSize,
      double noiseMultiplier,
      boolean microbatchesOfMoreThanOne,
      double epochs,
      double delta,
      Accountants accountants) {
    return compute(
        n,
        batchSize,
        noiseMultiplier,
        microbatchesOfMoreThanOne,
        StepCount.of(n, batchSize, epochs),
        delta,
        accountants);
  }

  /**
   * Computes the budget of {@code steps} DP-SGD steps.
   *
   * @param n examples in the training data, &gt;= 1
   * @param batchSize expected batch size, in [1, n]
   * @param noiseMultiplier σ &gt; 0
   * @param microbatchesOfMoreThanOne whether examples were grouped into microbatches of size &gt; 1
   *     (doubles the sensitivity)
   * @param steps training steps, &gt;= 0 (for a run of E epochs, {@link StepCount#of})
   * @param delta δ in (0, 1)
   */
  public static DpSgdBudget compute(
      long n,
      long batchSize,
      double noiseMultiplier,
      boolean microbatchesOfMoreThanOne,
      long steps,
      double delta,
      Accountants accountants) {
    Arguments.requirePositive("n", n);
    Arguments.requirePositive("batchSize", batchSize);
    if (batchSize > n) {
      throw new IllegalArgumentException("batchSize must be <= n (" + n + "), got " + batchSize);
    }
    Arguments.requirePositive("noiseMultiplier", noiseMultiplier);
    Arguments.requireNonNegative("steps", steps);
    Arguments.requireOpenUnit("delta", delta);
    double q = (double) batchSize / n;
    double sigma = RunShape.effectiveNoiseMultiplier(noiseMultiplier, microbatchesOfMoreThanOne);
    // the effective σ is the σ of a run clipped per example (microbatch size 1)
    DpEvent event = new RunShape(q, sigma, steps, 1).event();
    double epsRdp = Double.NaN;
    double order = Double.NaN;
    double epsPld = Double.NaN;
    if (accountants != Accountants.PLD) {
      RdpAccountant rdp = new RdpAccountant();
      rdp.compose(event);
      EpsilonAndOrder best = rdp.epsilonAndOrder(delta);
      epsRdp = best.epsilon();
      order = best.order();
    }
    if (accountants != Accountants.RDP) {
      epsPld = new PldAccountant().compose(event).epsilon(delta);
    }
    return new DpSgdBudget(
        n,
        batchSize,
        noiseMultiplier,
        microbatchesOfMoreThanOne,
        sigma,
        steps,
        delta,
        q,
        epsRdp,
        order,
        epsPld);
  }

  /** The tighter of the two ε's that were computed. */
  public double epsilon() {
    if (Double.isNaN(epsilonPld)) {
      return epsilonRdp;
    }
    return Double.isNaN(epsilonRdp) ? epsilonPld : Math.min(epsilonRdp, epsilonPld);
  }
}
