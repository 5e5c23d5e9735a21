package io.dp4j.audit;

import java.util.Arrays;
import java.util.Objects;

/**
 * The ROC curve of a membership guess: members are the positives, and a higher score means "more
 * likely a member". Each point is (FPR, TPR) for the guess "member iff score &gt;= t", for every
 * distinct score t from the highest down, starting at (0, 0); tied scores form one step.
 *
 * @param fpr false positive rates (non-members guessed members), ascending, from 0 to 1
 * @param tpr true positive rates (members guessed members), ascending, from 0 to 1
 */
public record RocCurve(double[] fpr, double[] tpr) {

  public RocCurve {
    Objects.requireNonNull(fpr, "fpr");
    Objects.requireNonNull(tpr, "tpr");
    if (fpr.length != tpr.length || fpr.length < 2) {
      throw new IllegalArgumentException(
          "fpr and tpr must have the same length >= 2, got " + fpr.length + " and " + tpr.length);
    }
  }

  /**
   * The curve of these scores.
   *
   * @param memberScores one score per member, at least one, finite
   * @param nonMemberScores one score per non-member, at least one, finite
   * @throws IllegalArgumentException if a side is empty or a score is not finite
   */
  public static RocCurve of(double[] memberScores, double[] nonMemberScores) {
    int m = memberScores.length;
    int n = nonMemberScores.length;
    if (m == 0 || n == 0) {
      throw new IllegalArgumentException(
          "a ROC curve needs members and non-members, got " + m + " and " + n);
    }
    double[] scores = new double[m + n];
    boolean[] member = new boolean[m + n];
    for (int i = 0; i < m; i++) {
      scores[i] = requireFinite(memberScores[i]);
      member[i] = true;
    }
    for (int i = 0; i < n; i++) {
      scores[m + i] = requireFinite(nonMemberScores[i]);
    }
    Integer[] order = new Integer[m + n];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
    double[] fpr = new double[m + n + 1];
    double[] tpr = new double[m + n + 1];
    int points = 1;
    int tp = 0;
    int fp = 0;
    for (int k = 0; k < order.length; k++) {
      if (member[order[k]]) {
        tp++;
      } else {
        fp++;
      }
      // one point after each group of equal scores
      if (k == order.length - 1 || scores[order[k + 1]] != scores[order[k]]) {
        fpr[points] = (double) fp / n;
        tpr[points] = (double) tp / m;
        points++;
      }
    }
    return new RocCurve(Arrays.copyOf(fpr, points), Arrays.copyOf(tpr, points));
  }

  private static double requireFinite(double score) {
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException("attack scores must be finite, got " + score);
    }
    return score;
  }

  /**
   * The area under the curve (trapezoids, so a tie counts 1/2): the probability that a random
   * member scores above a random non-member. 0.5 is guessing, 1 perfect separation.
   */
  public double auc() {
    double area = 0;
    for (int i = 1; i < fpr.length; i++) {
      area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
    }
    return area;
  }

  /** The attacker advantage max(TPR − FPR) over the thresholds (Yeom et al. 2018), in [0, 1]. */
  public double advantage() {
    double best = 0;
    for (int i = 0; i < fpr.length; i++) {
      best = Math.max(best, tpr[i] - fpr[i]);
    }
    return best;
  }

  /**
   * The largest TPR at a threshold whose FPR is at most {@code maxFpr} (no interpolation between
   * thresholds): the share of members an attacker finds while wrongly accusing at most that share
   * of non-members. With n non-members, FPRs below 1/n can only be 0.
   */
  public double tprAtFpr(double maxFpr) {
    double best = 0;
    for (int i = 0; i < fpr.length; i++) {
      if (fpr[i] <= maxFpr) {
        best = Math.max(best, tpr[i]);
      }
    }
    return best;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RocCurve r && Arrays.equals(fpr, r.fpr) && Arrays.equals(tpr, r.tpr);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(fpr) + Arrays.hashCode(tpr);
  }

  @Override
  public String toString() {
    return "RocCurve[points=" + fpr.length + ", auc=" + auc() + "]";
  }
}
