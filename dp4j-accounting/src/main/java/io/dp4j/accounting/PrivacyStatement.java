package io.dp4j.accounting;

import java.util.Locale;

/**
 * A plain-text statement of the guarantee of a DP-SGD run, in the spirit of TensorFlow Privacy's
 * {@code compute_dp_sgd_privacy_statement}: example-level DP under add-or-remove-one adjacency,
 * computed by both the RDP and the PLD accountant, for two data orders — Poisson sampling (what the
 * accountants model and dp4j does by default) and "each example once per epoch" with an arbitrary
 * order (no amplification by sampling).
 */
public final class PrivacyStatement {
  private PrivacyStatement() {}

  /**
   * Writes the statement.
   *
   * @param n examples in the training data
   * @param batchSize examples per step (expected size under Poisson sampling), counting all
   *     microbatches
   * @param epochs passes over the data, may be fractional; the steps are {@link StepCount#of}, the
   *     count training runs
   * @param noiseMultiplier σ
   * @param delta δ in (0, 1)
   * @param microbatchesOfMoreThanOne whether examples were grouped into microbatches of size &gt;
   *     1, which doubles the sensitivity
   * @param poissonSampled whether training really sampled batches by Poisson sampling
   */
  public static String of(
      long n,
      long batchSize,
      double epochs,
      double noiseMultiplier,
      double delta,
      boolean microbatchesOfMoreThanOne,
      boolean poissonSampled) {
    return of(
        n, batchSize, epochs, noiseMultiplier, delta, microbatchesOfMoreThanOne, poissonSampled, 1);
  }

  /**
   * As above, for a run with augmentation multiplicity K (De et al. 2022): every sampled example
   * trained on as K augmented copies whose gradients are averaged before clipping. The statement
   * says K and why ε does not change with it.
   *
   * @param augmentationMultiplicity K &gt;= 1 (1: no augmented copies)
   */
  public static String of(
      long n,
      long batchSize,
      double epochs,
      double noiseMultiplier,
      double delta,
      boolean microbatchesOfMoreThanOne,
      boolean poissonSampled,
      int augmentationMultiplicity) {
    Arguments.requirePositive("epochs", epochs);
    if (augmentationMultiplicity < 1) {
      throw new IllegalArgumentException(
          "augmentationMultiplicity must be >= 1, got " + augmentationMultiplicity);
    }
    DpSgdBudget poisson =
        DpSgdBudget.forEpochs(
            n,
            batchSize,
            noiseMultiplier,
            microbatchesOfMoreThanOne,
            epochs,
            delta,
            DpSgdBudget.Accountants.BOTH);
    long steps = poisson.steps();
    double sigma = poisson.effectiveNoiseMultiplier();
    DpEvent oncePerEpoch =
        new SelfComposedDpEvent(new GaussianDpEvent(sigma), (long) Math.ceil(epochs));
    double onceRdp = new RdpAccountant().compose(oncePerEpoch).epsilon(delta);
    double oncePld = new PldAccountant().compose(oncePerEpoch).epsilon(delta);

    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "DP-SGD over %d examples with %d examples per step (sampling rate q = %.4g), noise"
                + " multiplier %s, %s epochs = %d steps, %s.%n",
            n,
            batchSize,
            poisson.samplingRate(),
            noiseMultiplier,
            trim(epochs),
            steps,
            microbatchesOfMoreThanOne
                ? "with microbatches of more than one example (sensitivity doubled: the figures"
                    + " use sigma/2 = "
                    + trim(sigma)
                    + ")"
                : "with per-example clipping"));
    if (augmentationMultiplicity > 1) {
      s.append(
          String.format(
              Locale.ROOT,
              "Augmentation multiplicity K = %d: each sampled example was trained on as %d augmented"
                  + " copies whose gradients were averaged before clipping, so one example still"
                  + " changes the summed clipped gradient by at most C, and the noise, sampling and"
                  + " epsilon are those of the same run without augmentation.%n",
              augmentationMultiplicity,
              augmentationMultiplicity));
    }
    s.append(
        "The guarantee covers every intermediate model, not only the final one, and no bound on"
            + " examples per user is assumed (example-level, not user-level, privacy).\n");
    s.append(
        String.format(
            Locale.ROOT, "Example-level DP, add-or-remove-one adjacency, delta = %s:%n", delta));
    s.append(String.format(Locale.ROOT, "  %-48s %10s %10s%n", "", "RDP", "PLD"));
    s.append(
        String.format(
            Locale.ROOT,
            "  %-48s %10s %10s%n",
            "epsilon with Poisson sampling" + (poissonSampled ? "" : " (*)"),
            epsilonText(poisson.epsilonRdp()),
            epsilonText(poisson.epsilonPld())));
    s.append(
        String.format(
            Locale.ROOT,
            "  %-48s %10s %10s%n",
            "epsilon with each example once per epoch",
            epsilonText(onceRdp),
            epsilonText(oncePld)));
    if (poissonSampled) {
      s.append(
          "Training used Poisson sampling, so the Poisson figures are the guarantee; the PLD"
              + " figure is the tighter upper bound.\n");
    } else {
      s.append(
          "(*) Training used shuffled fixed-size batches, not Poisson sampling: the Poisson figure"
              + " is an assumption, not a proof. With the data randomly shuffled the true epsilon"
              + " is believed to be close to it; the once-per-epoch figure holds for any data"
              + " order.\n");
    }
    return s.toString();
  }

  /** ε to 3 decimals, or "no bound" where the accountant has none (+∞). */
  private static String epsilonText(double epsilon) {
    return epsilon < Double.POSITIVE_INFINITY
        ? String.format(Locale.ROOT, "%.3f", epsilon)
        : "no bound";
  }

  private static String trim(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }
}
