package io.dp4j.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RocCurveTest {

  /** AUC by definition: every (member, non-member) pair, 1 if ordered correctly, 1/2 if tied. */
  static double bruteAuc(double[] m, double[] n) {
    double s = 0;
    for (double a : m) {
      for (double b : n) {
        s += a > b ? 1 : a == b ? 0.5 : 0;
      }
    }
    return s / ((double) m.length * n.length);
  }

  /** TPR and FPR of "member iff score >= t" for t = every score and +∞. */
  static double[][] bruteRates(double[] m, double[] n) {
    double[] thresholds = new double[m.length + n.length + 1];
    System.arraycopy(m, 0, thresholds, 0, m.length);
    System.arraycopy(n, 0, thresholds, m.length, n.length);
    thresholds[thresholds.length - 1] = Double.POSITIVE_INFINITY;
    double[][] rates = new double[thresholds.length][2];
    for (int k = 0; k < thresholds.length; k++) {
      double t = thresholds[k];
      int tp = 0;
      int fp = 0;
      for (double a : m) {
        tp += a >= t ? 1 : 0;
      }
      for (double b : n) {
        fp += b >= t ? 1 : 0;
      }
      rates[k][0] = (double) fp / n.length;
      rates[k][1] = (double) tp / m.length;
    }
    return rates;
  }

  static double bruteAdvantage(double[] m, double[] n) {
    double best = 0;
    for (double[] r : bruteRates(m, n)) {
      best = Math.max(best, r[1] - r[0]);
    }
    return best;
  }

  static double bruteTprAtFpr(double[] m, double[] n, double maxFpr) {
    double best = 0;
    for (double[] r : bruteRates(m, n)) {
      if (r[0] <= maxFpr) {
        best = Math.max(best, r[1]);
      }
    }
    return best;
  }

  private static void assertMatchesBruteForce(double[] m, double[] n) {
    RocCurve roc = RocCurve.of(m, n);
    // sums of at most m·n terms of 1/2 and 1: exact in float64 up to a few ulps
    assertThat(roc.auc()).isCloseTo(bruteAuc(m, n), within(1e-12));
    assertThat(roc.advantage()).isCloseTo(bruteAdvantage(m, n), within(1e-12));
    for (double f : new double[] {0, 0.001, 0.01, 0.1, 0.25, 0.5, 1}) {
      assertThat(roc.tprAtFpr(f)).as("fpr %s", f).isEqualTo(bruteTprAtFpr(m, n, f));
    }
  }

  @Test
  void handMadeScores() {
    // members 3, 5, 5, 9; non-members 1, 5, 7: pairs won 2·1 + (1 + 0.5)·2 ... by hand:
    // 3 > 1 (1), 5 > 1, =5 (1.5) each, 9 > all (3): (1 + 1.5 + 1.5 + 3) / 12 = 7/12
    double[] m = {3, 5, 5, 9};
    double[] n = {1, 5, 7};
    RocCurve roc = RocCurve.of(m, n);
    assertThat(roc.auc()).isCloseTo(7.0 / 12, within(1e-15));
    // thresholds 9: (0, 1/4); 7: (1/3, 1/4); 5: (2/3, 3/4); 3: (2/3, 1); 1: (1, 1)
    assertThat(roc.fpr()).containsExactly(0, 0, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1);
    assertThat(roc.tpr()).containsExactly(0, 0.25, 0.25, 0.75, 1, 1);
    assertThat(roc.advantage()).isCloseTo(1 - 2.0 / 3, within(1e-15));
    assertThat(roc.tprAtFpr(0.01)).isEqualTo(0.25);
    assertMatchesBruteForce(m, n);
  }

  @Test
  void perfectReversedAndAllTied() {
    assertThat(RocCurve.of(new double[] {2, 3}, new double[] {0, 1}).auc()).isEqualTo(1);
    assertThat(RocCurve.of(new double[] {2, 3}, new double[] {0, 1}).advantage()).isEqualTo(1);
    assertThat(RocCurve.of(new double[] {0, 1}, new double[] {2, 3}).auc()).isEqualTo(0);
    assertThat(RocCurve.of(new double[] {0, 1}, new double[] {2, 3}).advantage()).isEqualTo(0);
    RocCurve tied = RocCurve.of(new double[] {1, 1, 1}, new double[] {1, 1});
    assertThat(tied.auc()).isEqualTo(0.5);
    assertThat(tied.advantage()).isEqualTo(0);
    assertThat(tied.tprAtFpr(0.5)).isEqualTo(0);
  }

  @Test
  void randomScoresWithTies() {
    Random r = new Random(5);
    for (int trial = 0; trial < 50; trial++) {
      double[] m = new double[1 + r.nextInt(40)];
      double[] n = new double[1 + r.nextInt(40)];
      for (int i = 0; i < m.length; i++) {
        m[i] = r.nextInt(12) + (trial % 2 == 0 ? 0.5 : 0); // shifted: members tend higher
      }
      for (int i = 0; i < n.length; i++) {
        n[i] = r.nextInt(10);
      }
      assertMatchesBruteForce(m, n);
    }
  }

  @Test
  void refusesEmptySidesAndNonFiniteScores() {
    assertThatThrownBy(() -> RocCurve.of(new double[0], new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("members and non-members");
    assertThatThrownBy(() -> RocCurve.of(new double[] {Double.NaN}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("finite");
  }
}
