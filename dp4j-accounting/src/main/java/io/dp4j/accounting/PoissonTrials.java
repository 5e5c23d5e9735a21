package io.dp4j.accounting;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * K ~ Poisson(μ) trials (Papernot and Steinke 2022, Theorem 6). K = 0 has probability e^−μ: the
 * search then runs nothing and releases nothing.
 *
 * @param mean μ &gt;= 1, finite (the bound's log μ term is meant for μ &gt;= 1, as in {@code
 *     dp_accounting})
 */
public record PoissonTrials(double mean) implements TrialCountDistribution {
  public PoissonTrials {
    if (!(mean >= 1 && mean < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "mean (the expected number of trials) must be finite and >= 1, got " + mean);
    }
  }

  @Override
  public double probability(long k) {
    if (k < 0) {
      return 0;
    }
    // log of μ^k e^−μ / k!, exact for large k where the product would overflow
    return Math.exp(k * Math.log(mean) - mean - SpecialFunctions.logAbsGamma(k + 1.0));
  }

  /**
   * Counts the arrivals of a rate-1 Poisson process in [0, μ] (a sum of exponential gaps): exact
   * for every μ, where e^−μ-based inversion underflows for μ &gt; 745.
   */
  @Override
  public long sample(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    long k = 0;
    double time = -Math.log1p(-random.nextDouble());
    while (time <= mean) {
      k++;
      time -= Math.log1p(-random.nextDouble());
    }
    return k;
  }
}
