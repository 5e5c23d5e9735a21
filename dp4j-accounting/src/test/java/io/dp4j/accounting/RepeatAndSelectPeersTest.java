package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The private-tuning bound against two independent implementations, figures in {@code
 * repeat_select_peers.csv} written by {@code tools/reference/repeat_select_peers.py}: Google's
 * {@code dp_accounting} ({@code RepeatAndSelectDpEvent}, over dp4j's default orders) for DP-SGD
 * trials, and the authors' own code for the paper's Figure 7 (Papernot and Steinke 2022, {@code
 * tensorflow/privacy research/hyperparameters_2022}).
 */
class RepeatAndSelectPeersTest {

  private static List<String[]> rows(String source) throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    RepeatAndSelectPeersTest.class.getResourceAsStream("repeat_select_peers.csv")),
                StandardCharsets.UTF_8))) {
      in.readLine(); // header
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] f = line.split(",", -1);
        if (f[0].equals(source)) {
          rows.add(f);
        }
      }
    }
    return rows;
  }

  /**
   * Same ε and RDP as {@code dp_accounting} over the integer orders 2..64, 128..8192 (where both
   * compute the trials' sampled-Gaussian RDP exactly), never above it and at most 1e−8 below
   * (measured: 7e−11): {@code dp_accounting} re-solves γ from the mean to 1e−9 relative (log(1/γ)
   * moves by that much), and dp4j also tries λ̂ = 1. dp4j also makes the Poisson bound monotone in
   * the order (valid: RDP never falls as the order rises), which {@code dp_accounting} does only
   * for the negative binomial: there dp4j's RDP is only checked not to be above.
   */
  @Test
  void agreesWithDpAccounting() throws IOException {
    List<String[]> rows = rows("dp_accounting");
    assertThat(rows).hasSize(36);
    double[] orders =
        java.util.stream.DoubleStream.concat(
                java.util.stream.IntStream.rangeClosed(2, 64).asDoubleStream(),
                java.util.stream.DoubleStream.of(128, 256, 512, 1024, 2048, 4096, 8192))
            .toArray();
    for (String[] f : rows) {
      double q = Double.parseDouble(f[1]);
      double sigma = Double.parseDouble(f[2]);
      long steps = Long.parseLong(f[3]);
      double shape = f[4].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(f[4]);
      double param = Double.parseDouble(f[5]);
      double delta = Double.parseDouble(f[6]);
      TrialCountDistribution law =
          Double.isInfinite(shape)
              ? new PoissonTrials(param)
              : new TruncatedNegativeBinomialTrials(shape, param);
      DpEvent trial =
          new SelfComposedDpEvent(new PoissonSampledDpEvent(q, new GaussianDpEvent(sigma)), steps);
      RdpAccountant acc = new RdpAccountant(orders).compose(new RepeatAndSelectDpEvent(trial, law));
      String as = String.join(",", f);
      double peer = Double.parseDouble(f[7]);
      double epsilon = acc.epsilon(delta);
      assertThat(epsilon).as(as).isBetween(peer * (1 - 1e-8), peer * (1 + 1e-9));
      double[] rdp = acc.rdp();
      double[] probes = {2, 8, 32};
      for (int p = 0; p < probes.length; p++) {
        int i = java.util.Arrays.binarySearch(orders, probes[p]);
        double peerRdp = Double.parseDouble(f[8 + p]);
        if (law instanceof PoissonTrials) {
          // dp_accounting makes only the negative binomial bound monotone in the order
          assertThat(rdp[i])
              .as(as + " order " + probes[p])
              .isLessThanOrEqualTo(peerRdp * (1 + 1e-9));
        } else {
          assertThat(rdp[i])
              .as(as + " order " + probes[p])
              .isBetween(peerRdp * (1 - 1e-8), peerRdp * (1 + 1e-9));
        }
      }
    }
  }

  /**
   * The RDP curve of one DP-SGD run behind the paper's Figure 7 ({@code
   * figure7_default_values.py}).
   */
  static final double[] FIGURE7_ORDERS = figure7Orders();

  static final double[] FIGURE7_RDP = {
    2.04459751e-01, 2.45818210e-01, 2.87335988e-01, 3.29014798e-01, 3.70856385e-01,
    4.12862542e-01, 4.97375951e-01, 5.82570265e-01, 6.68461534e-01, 7.55066706e-01,
    8.42403732e-01, 1.01935100e+00, 1.19947313e+00, 1.38297035e+00, 1.57009549e+00,
    1.76124790e+00, 1.95794503e+00, 2.19017390e+00, 4.48407479e+00, 3.08305394e+02,
    4.98610133e+03, 1.11363692e+04, 1.72590079e+04, 2.33487231e+04, 2.94091123e+04,
    3.54439803e+04, 4.14567914e+04, 4.74505356e+04, 5.34277419e+04, 5.93905358e+04,
    6.53407051e+04, 7.12797586e+04, 7.72089762e+04, 8.31294496e+04, 8.90421151e+04,
    9.49477802e+04, 1.00847145e+05, 1.06740819e+05, 1.12629335e+05, 1.18513163e+05,
    1.24392717e+05, 1.30268362e+05, 1.36140424e+05, 1.42009194e+05, 1.47874932e+05,
    1.53737871e+05, 1.59598221e+05, 1.65456171e+05, 1.71311893e+05, 1.77165542e+05,
    1.83017260e+05, 1.88867175e+05, 1.94715404e+05, 2.00562057e+05, 2.06407230e+05,
    2.12251015e+05, 2.18093495e+05, 2.23934746e+05, 2.29774840e+05, 2.35613842e+05,
    2.41451813e+05, 2.47288808e+05, 2.53124881e+05, 2.58960080e+05, 2.64794449e+05,
    2.70628032e+05, 2.76460867e+05, 2.82292992e+05, 2.88124440e+05, 6.66483142e+05,
    1.41061455e+06, 2.89842152e+06
  };

  private static double[] figure7Orders() {
    List<Double> orders =
        new ArrayList<>(List.of(1.25, 1.5, 1.75, 2., 2.25, 2.5, 3., 3.5, 4., 4.5));
    for (int a = 5; a < 64; a++) {
      orders.add((double) a);
    }
    orders.addAll(List.of(128., 256., 512.));
    return orders.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * Figure 7's x coordinates for the geometric distribution (η = 1; the authors' {@code
   * repeat_geometric_rdp} is Theorem 2 at η = 1): the smallest RDP over the orders, for each γ of
   * the figure, to float64 round-off (the authors' and dp4j's sums are ordered differently).
   */
  @Test
  void reproducesTheAuthorsFigure7Geometric() throws IOException {
    List<String[]> rows = rows("figure7");
    assertThat(rows).hasSize(11);
    assertThat(FIGURE7_RDP).hasSameSizeAs(FIGURE7_ORDERS);
    for (String[] f : rows) {
      double gamma = Double.parseDouble(f[5]);
      double[] out =
          RepeatAndSelectRdp.rdp(
              FIGURE7_ORDERS, FIGURE7_RDP, new TruncatedNegativeBinomialTrials(1, gamma));
      double min = java.util.Arrays.stream(out).min().orElseThrow();
      double peer = Double.parseDouble(f[7]);
      assertThat(min).as("gamma %s", gamma).isCloseTo(peer, within(1e-12 * peer));
    }
  }
}
