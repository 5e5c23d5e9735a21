package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * dp4j's certified PLD ε against Google's {@code dp_accounting} PLD on the same events ({@code
 * pld_peers.csv}, by {@code tools/reference/pld_peers.py}: 11 settings from q = 1e−5 with σ = 0.6
 * over 10⁶ steps to the unsampled Gaussian). {@code dp_accounting} gives an upper bound (connect
 * the dots) and a lower bound (every loss rounded down), each the tightest over two grid steps.
 * Both libraries bound the same exact ε, so dp4j's bracket must overlap theirs: dp4j's pessimistic
 * ε is at least their optimistic one, dp4j's optimistic ε at most their pessimistic one, and dp4j's
 * reported ε, certified within its relative tolerance of the exact ε, at most (1 + tolerance) times
 * their pessimistic one.
 *
 * <p>Slack: both sides are float64 computations whose truncated tails are charged to the side they
 * may favour, so no modelling slack is needed; 1e−6 relative covers FFT round-off (masses carry
 * about 1e−16 times the FFT size, 2^22 at most, absolute error, which moves δ = 1e−5 by 1e−9
 * relative at most and ε by less, since log δ falls at least as fast as ε grows here).
 */
class PldPeersTest {

  private static final double SLACK = 1e-6;

  record Row(
      double q, double sigma, long steps, double delta, double pessimistic, double optimistic) {}

  static List<Row> rows() {
    List<Row> rows =
        PeerCsv.rows("pld_peers.csv").stream()
            .map(
                f ->
                    new Row(
                        Double.parseDouble(f[0]),
                        Double.parseDouble(f[1]),
                        Long.parseLong(f[2]),
                        Double.parseDouble(f[3]),
                        Double.parseDouble(f[4]),
                        Double.parseDouble(f[6])))
            .toList();
    assertThat(rows).hasSize(11);
    return rows;
  }

  @ParameterizedTest
  @MethodSource("rows")
  void bracketOverlapsDpAccountingsAndIsWithinTolerance(Row r) {
    GaussianDpEvent g = new GaussianDpEvent(r.sigma());
    PldAccountant a = new PldAccountant();
    a.compose(r.q() == 1 ? g : new PoissonSampledDpEvent(r.q(), g), r.steps());
    PldAccountant.Bracket b = a.bracket(true, r.delta());
    // certified: dp4j's own bracket closed (the refinement did not stop early)
    assertThat(b.pessimistic()).isLessThanOrEqualTo((1 + a.relativeTolerance()) * b.optimistic());
    assertThat(b.pessimistic()).isGreaterThanOrEqualTo(r.optimistic() * (1 - SLACK));
    assertThat(b.optimistic()).isLessThanOrEqualTo(r.pessimistic() * (1 + SLACK));
    assertThat(b.pessimistic())
        .isLessThanOrEqualTo((1 + a.relativeTolerance()) * r.pessimistic() * (1 + SLACK));
  }
}
