package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-partition Poisson draw: Bernoulli(q) per row, and a pure function of its seeds. */
class RowSamplerTest {
  /**
   * Over 2·10^6 rows at q = 0.01 the sample size is Binomial(n, q): mean 20,000, standard deviation
   * sqrt(n·q·(1 − q)) ≈ 140.7; and the rows joining right after a joining row (pairs) are
   * Binomial(sample, q) too, mean ≈ 200, sd ≈ 14: both within 5 sd (a false failure once in 1.7
   * million). A per-row draw that ignored q, or gaps off by one, would miss them by far more.
   */
  @Test
  void rowsJoinIndependentlyWithProbabilityQ() {
    RowSampler sampler = new RowSampler(11, 3, 1, 0.01);
    int n = 2_000_000;
    long joined = 0;
    long pairs = 0;
    boolean previous = false;
    for (int i = 0; i < n; i++) {
      boolean joins = sampler.nextJoins();
      if (joins) {
        joined++;
        if (previous) {
          pairs++;
        }
      }
      previous = joins;
    }
    double sd = Math.sqrt(n * 0.01 * 0.99);
    assertThat((double) joined).isBetween(20_000 - 5 * sd, 20_000 + 5 * sd);
    double pairSd = Math.sqrt(joined * 0.01 * 0.99);
    assertThat((double) pairs).isBetween(joined * 0.01 - 5 * pairSd, joined * 0.01 + 5 * pairSd);
  }

  /** Over 20,000 independent streams, the first row joins in 2,000 ± 5·42 of them at q = 0.1. */
  @Test
  void theFirstRowJoinsWithProbabilityQ() {
    int joined = 0;
    for (int p = 0; p < 20_000; p++) {
      if (new RowSampler(5, 0, p, 0.1).nextJoins()) {
        joined++;
      }
    }
    assertThat(joined).isBetween(2_000 - 5 * 42, 2_000 + 5 * 42);
  }

  @Test
  void theSameSeedsDrawTheSameRowsAndAnotherStepOthers() {
    boolean[] a = draw(new RowSampler(7, 2, 3, 0.05));
    assertThat(draw(new RowSampler(7, 2, 3, 0.05))).containsExactly(a);
    assertThat(draw(new RowSampler(7, 4, 3, 0.05))).isNotEqualTo(a);
    assertThat(draw(new RowSampler(7, 2, 3, 1.0))).doesNotContain(false);
  }

  private static boolean[] draw(RowSampler sampler) {
    boolean[] joins = new boolean[1000];
    for (int i = 0; i < joins.length; i++) {
      joins[i] = sampler.nextJoins();
    }
    return joins;
  }
}
