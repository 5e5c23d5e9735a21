package io.dp4j.testing;

/**
 * Bounds on float32 round-off, for tests that compare two float32 computations of the same exact
 * value (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed., chapter 3).
 *
 * <p>A float32 sum or dot product of k terms, in any order, has an absolute error at most {@code
 * γ_k · Σ|terms|}, with {@code γ_k = k·u / (1 − k·u)} and {@code u = 2^-24}. Its relative error is
 * that times its condition number {@code Σ|terms| / |Σ terms|}: 1 for a sum of squares, measured
 * from the data where terms of both signs meet.
 *
 * <p>A chain of such operations (a model's forward pass, its loss, the backward pass to a parameter
 * gradient) adds their first-order errors: {@link #gamma(long)} of the total number of terms along
 * the chain, if no layer amplifies a relative error (condition about 1 per layer). That is an
 * assumption about the small random-weight models of the tests, not a theorem: a test that fails
 * against these bounds is a finding to report, not a tolerance to widen.
 */
public final class Float32RoundOff {
  /** The unit round-off of float32 (round to nearest). */
  public static final double UNIT_ROUNDOFF = 0x1p-24;

  private Float32RoundOff() {}

  /** {@code γ_k = k·u / (1 − k·u)}: the relative error bound of k accumulated roundings. */
  public static double gamma(long k) {
    if (k < 0 || k * UNIT_ROUNDOFF >= 1) {
      throw new IllegalArgumentException("gamma needs 0 <= k < 2^24, got " + k);
    }
    return k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF);
  }

  /**
   * The condition number of softmax cross-entropy's gradient {@code p − e_y} with respect to the
   * round-off in p: p's entries carry absolute errors of order u, so the gradient's relative error
   * is that over {@code ‖p − e_y‖}, large for a confidently right prediction (p_y near 1), whose
   * gradient is the difference of two nearly equal numbers. At least 1.
   *
   * @param logits one example's logits
   * @param label its class
   */
  public static double softmaxCrossEntropyCondition(float[] logits, int label) {
    double max = Double.NEGATIVE_INFINITY;
    for (float z : logits) {
      max = Math.max(max, z);
    }
    double total = 0;
    for (float z : logits) {
      total += Math.exp(z - max);
    }
    double squared = 0;
    for (int j = 0; j < logits.length; j++) {
      double g = Math.exp(logits[j] - max) / total - (j == label ? 1 : 0);
      squared += g * g;
    }
    return Math.max(1, 1 / Math.sqrt(squared));
  }

  /**
   * The largest relative difference between two float32 computations of a squared norm of {@code
   * parameters} gradient entries, each entry computed with a relative (normwise) error of at most
   * {@code gradientError}: per side, twice the entries' error (squaring) plus the sum of squares'
   * own {@code γ_parameters} (condition 1); the two sides' errors add.
   */
  public static double squaredNormDifference(double gradientError, long parameters) {
    return 2 * (2 * gradientError + gamma(parameters));
  }

  /**
   * The largest difference, relative to {@code max_i |S_i|}, between two float32 computations of a
   * clipped sum {@code S = Σ_u c_u·g_u}: unit u contributes at most {@code c_u‖g_u‖ = min(‖g_u‖,
   * C)} to any entry, with the entries' relative error {@code ε_u} plus the clip factor's (at most
   * the same again, through the norm) plus the sum's {@code γ_units}; the two sides' errors add.
   * Weighting each unit's error by its own contribution keeps a unit whose gradient is known only
   * roughly (a large loss condition) but is tiny from loosening the bound of the whole sum.
   *
   * @param unitGradientErrors each unit's {@code ε_u}
   * @param clippedUnitNorms each unit's {@code min(‖g_u‖, C)}
   * @param maxAbsSum {@code max_i |S_i|}
   */
  public static double clippedSumDifference(
      double[] unitGradientErrors, double[] clippedUnitNorms, double maxAbsSum) {
    double sumError = gamma(clippedUnitNorms.length);
    double error = 0;
    for (int u = 0; u < clippedUnitNorms.length; u++) {
      error += (2 * unitGradientErrors[u] + sumError) * clippedUnitNorms[u];
    }
    return 2 * error / maxAbsSum;
  }
}
