package io.dp4j.nn.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * The exact area under the ROC curve of scores against binary labels: the probability that a random
 * positive example scores higher than a random negative one, ties counting 1/2 (the Mann–Whitney U
 * statistic divided by P·N; Hanley and McNeil 1982, "The meaning and use of the area under a
 * receiver operating characteristic (ROC) curve").
 *
 * <p>Keras' {@code AUC} approximates the same area with a Riemann sum over 200 thresholds, so its
 * value can differ from this one by up to a few hundredths when scores crowd between thresholds;
 * this one is exact and independent of any threshold grid.
 *
 * <p>AUC depends only on the order of the scores, so any strictly increasing transform of them
 * (logits instead of sigmoid probabilities) gives the same value.
 */
public final class RocAuc {
  private RocAuc() {}

  /**
   * The ROC AUC of {@code scores} (higher means more likely positive) against {@code positive}. O(n
   * log n).
   *
   * @return a value in [0, 1]; 0 when the examples are all positive or all negative (no pair to
   *     order: the area is undefined, and Keras' {@code AUC} reports 0 then); NaN if a score is NaN
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static double of(float[] scores, boolean[] positive) {
    Objects.requireNonNull(scores, "scores");
    Objects.requireNonNull(positive, "positive");
    if (scores.length != positive.length) {
      throw new IllegalArgumentException(
          "scores and positive must have the same length, got "
              + scores.length
              + " and "
              + positive.length);
    }
    int p = 0;
    for (boolean b : positive) {
      p += b ? 1 : 0;
    }
    float[] pos = new float[p];
    float[] neg = new float[scores.length - p];
    int i = 0;
    int j = 0;
    for (int k = 0; k < scores.length; k++) {
      if (Float.isNaN(scores[k])) {
        return Double.NaN;
      }
      // -0.0f + 0.0f is 0.0f: the sort below would otherwise order -0 before +0 instead of tying
      float s = scores[k] + 0.0f;
      if (positive[k]) {
        pos[i++] = s;
      } else {
        neg[j++] = s;
      }
    }
    if (pos.length == 0 || neg.length == 0) {
      return 0.0;
    }
    Arrays.sort(pos);
    Arrays.sort(neg);
    // twice the number of correctly ordered (positive, negative) pairs, ties counting 1
    long twice = 0;
    int below = 0;
    int upTo = 0;
    for (int k = 0; k < pos.length; ) {
      float s = pos[k];
      int end = k;
      while (end < pos.length && pos[end] == s) {
        end++;
      }
      while (below < neg.length && neg[below] < s) {
        below++;
      }
      upTo = Math.max(upTo, below);
      while (upTo < neg.length && neg[upTo] == s) {
        upTo++;
      }
      twice += (long) (end - k) * (2L * below + (upTo - below));
      k = end;
    }
    return twice / (2.0 * pos.length * neg.length);
  }
}
