package io.dp4j.privacy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.RunShape;
import java.util.Locale;
import java.util.Optional;

/**
 * The privacy a model's DP training has spent, as certified by an accountant.
 *
 * <p>When microbatches can hold more than one example ({@code microbatchSize} &gt; 1), the steps
 * are accounted with the effective noise multiplier σ/2 ({@link #effectiveNoiseMultiplier()},
 * {@link RunShape}'s microbatch rule); {@link #sensitivityNote()} says so in words for reports.
 *
 * @param epsilon ε at {@code delta}; infinite if some step ran with noise multiplier 0
 * @param delta δ
 * @param steps DP steps composed
 * @param samplingRate q of the latest steps
 * @param noiseMultiplier σ as configured (the noise std divided by the clipping norm C)
 * @param method the accountant's {@link io.dp4j.accounting.PrivacyAccountant#method()} (for the
 *     built-in ones an {@link AccountantKind#serializedName()}, "rdp" or "pld"), or "none" ({@link
 *     AccountantKind#NONE}) when no step was composed: none ran (ε 0), or some ran without noise (ε
 *     infinite); {@link #kind()} gives the built-in kind
 * @param samplingAssumed true if some steps used fixed-size shuffled batches, for which the
 *     Poisson-sampling figure is an assumption (as in TF Privacy's statements)
 * @param microbatchSize examples per microbatch of the latest steps: 1 when clipping per example,
 *     b/M for fixed-size batches, the expected (q·N)/M for Poisson batches
 * @param sensitivityDoubled true if some steps clipped microbatches that could hold more than one
 *     example, and were therefore accounted with σ/2
 */
public record PrivacySpent(
    double epsilon,
    double delta,
    long steps,
    double samplingRate,
    double noiseMultiplier,
    String method,
    boolean samplingAssumed,
    double microbatchSize,
    boolean sensitivityDoubled) {

  /** Without microbatches of more than one example. */
  public PrivacySpent(
      double epsilon,
      double delta,
      long steps,
      double samplingRate,
      double noiseMultiplier,
      String method,
      boolean samplingAssumed) {
    this(epsilon, delta, steps, samplingRate, noiseMultiplier, method, samplingAssumed, 1.0, false);
  }

  /** The built-in accountant {@link #method()} names, empty for a caller-supplied accountant. */
  public Optional<AccountantKind> kind() {
    return AccountantKind.of(method);
  }

  /** The noise multiplier the latest steps were accounted with: σ/2 if doubled, else σ. */
  public double effectiveNoiseMultiplier() {
    return RunShape.effectiveNoiseMultiplier(
        noiseMultiplier, RunShape.sensitivityDoubled(microbatchSize));
  }

  /**
   * For reports, when the sensitivity was doubled: "sensitivity doubled by microbatches of size k
   * (accounted with noise multiplier σ/2 = ...)".
   */
  public Optional<String> sensitivityNote() {
    if (!sensitivityDoubled) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "sensitivity doubled by microbatches of size %s (one example changes a microbatch's"
                + " clipped gradient by up to 2C): accounted with noise multiplier σ/2 = %s",
            trim(microbatchSize),
            trim(RunShape.effectiveNoiseMultiplier(noiseMultiplier, true))));
  }

  private static String trim(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.4g", v);
  }
}
