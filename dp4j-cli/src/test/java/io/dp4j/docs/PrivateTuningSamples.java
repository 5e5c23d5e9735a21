package io.dp4j.docs;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RepeatAndSelectDpEvent;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.accounting.TrialCountDistribution;
import io.dp4j.accounting.TruncatedNegativeBinomialTrials;
import java.security.SecureRandom;

/** The code of docs/private-tuning.md. */
public final class PrivateTuningSamples {
  private PrivateTuningSamples() {}

  /** Returns {one trial, the search, ten trials composed}: ε at δ = 1e−5. */
  static double[] bound() {
    // [START bound]
    // One trial: the tutorial's DP-SGD run (q = 256/60000, sigma 1.1, 60 epochs = 14,040 steps)
    DpEvent trial =
        new SelfComposedDpEvent(
            new PoissonSampledDpEvent(256.0 / 60_000, new GaussianDpEvent(1.1)), 14_040);
    // K ~ geometric (truncated negative binomial, eta = 1) with 10 trials on average
    TrialCountDistribution trials = TruncatedNegativeBinomialTrials.withMean(1, 10);
    double one = new RdpAccountant().compose(trial).epsilon(1e-5);
    double search =
        new RdpAccountant().compose(new RepeatAndSelectDpEvent(trial, trials)).epsilon(1e-5);
    double tenComposed = new RdpAccountant().compose(trial, 10).epsilon(1e-5);
    System.out.printf(
        "one trial: epsilon %.3f; best of K (mean 10): epsilon %.3f; 10 trials composed:"
            + " epsilon %.3f%n",
        one, search, tenComposed);
    long k = trials.sample(new SecureRandom()); // how many trials to run: keep it to yourself
    // [END bound]
    if (k < 1) {
      throw new IllegalStateException("a truncated negative binomial draws K >= 1, got " + k);
    }
    return new double[] {one, search, tenComposed};
  }
}
