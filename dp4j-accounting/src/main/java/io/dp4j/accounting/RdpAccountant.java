package io.dp4j.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Privacy accountant based on Rényi differential privacy (Mironov 2017, "Rényi Differential
 * Privacy", arXiv:1702.07476): it keeps, for each Rényi order α of a fixed set, an upper bound on
 * the RDP of everything composed so far; composition adds the vectors.
 *
 * <p>Supported events: {@link GaussianDpEvent} (RDP α/(2σ²)), {@link PoissonSampledDpEvent} around
 * a Gaussian (the sampled Gaussian mechanism, see {@link SampledGaussianRdp}), and any nesting of
 * {@link SelfComposedDpEvent} and {@link ComposedDpEvent} over those, and {@link
 * RepeatAndSelectDpEvent} (private hyperparameter tuning, see {@link RepeatAndSelectRdp}) around
 * any of them. Neighbouring datasets differ by adding or removing one record.
 *
 * <p>The conversion to (ε, δ) is the improved one of Canonne, Kamath, Steinke 2020 ("The Discrete
 * Gaussian for Differential Privacy", arXiv:2004.00010, Prop. 12) and Balle et al. 2020
 * ("Hypothesis Testing Interpretations and Rényi Differential Privacy", arXiv:1905.09982, Thm. 21):
 * ε = RDP(α) + log(1 − 1/α) − log(δ·α)/(α − 1), together with the KL bound δ ≥ sqrt(1 − e^{−RDP}),
 * minimized over the orders, exactly as {@code dp_accounting.rdp.compute_epsilon} and {@code
 * compute_delta} do.
 *
 * <p>The ledger merges consecutive runs of an equal event into one {@link SelfComposedDpEvent}, so
 * that composing a training step a million times keeps a one-entry ledger. Instances are mutable
 * and not thread-safe.
 */
public final class RdpAccountant implements PrivacyAccountant {

  private static final double[] DEFAULT_ORDERS = buildDefaultOrders();

  private final double[] orders;
  private final double[] rdp;
  private final List<DpEvent> ledger = new ArrayList<>();

  // Last sampled-Gaussian RDP vector, reused when a training loop composes the same step.
  private double cachedQ = Double.NaN;
  private double cachedSigma = Double.NaN;
  private double[] cachedRdp;

  /** An accountant over {@link #defaultOrders()}. */
  public RdpAccountant() {
    this(DEFAULT_ORDERS);
  }

  /**
   * An accountant over the given Rényi orders.
   *
   * @param orders the orders α, each &gt; 1 (+∞ allowed), at least one; the array is copied
   * @throws IllegalArgumentException if an order is &lt;= 1 or NaN, or there is none
   */
  public RdpAccountant(double[] orders) {
    Objects.requireNonNull(orders, "orders");
    if (orders.length == 0) {
      throw new IllegalArgumentException("orders must hold at least one order > 1, got none");
    }
    for (double order : orders) {
      SampledGaussianRdp.checkOrder(order);
    }
    this.orders = orders.clone();
    this.rdp = new double[orders.length];
  }

  /**
   * The default orders: those of {@code dp_accounting}'s {@code DEFAULT_RDP_ORDERS} (1.1, 1.2, ...,
   * 10.9, 11, ..., 63, 128, 256, 512, 1024), which include Opacus's {@code DEFAULT_ALPHAS} (1.1 to
   * 10.9, 12 to 63), plus 1.01 ... 1.09 for large σ or few steps, and 64, 2048, 4096, 8192 for very
   * small ε or δ. With the exact fractional orders of {@link SampledGaussianRdp}, ε is never above
   * the smaller of the two libraries' (RdpPeersTest).
   *
   * @return a new array, ascending
   */
  public static double[] defaultOrders() {
    return DEFAULT_ORDERS.clone();
  }

  private static double[] buildDefaultOrders() {
    List<Double> list = new ArrayList<>();
    for (int x = 1; x <= 9; x++) {
      list.add(1 + x / 100.0);
    }
    for (int x = 1; x < 100; x++) {
      list.add(1 + x / 10.0);
    }
    for (int a = 11; a <= 64; a++) {
      list.add((double) a);
    }
    for (double a : new double[] {128, 256, 512, 1024, 2048, 4096, 8192}) {
      list.add(a);
    }
    return list.stream().mapToDouble(Double::doubleValue).sorted().distinct().toArray();
  }

  /** The Rényi orders, a copy. */
  public double[] orders() {
    return orders.clone();
  }

  /** The RDP composed so far at each of {@link #orders()}, a copy. */
  public double[] rdp() {
    return rdp.clone();
  }

  /**
   * {@inheritDoc}
   *
   * @param count how many times, &gt;= 0; 0 records nothing (the event is still checked)
   * @throws IllegalArgumentException if {@code count} &lt; 0 or the event (or one inside it) is not
   *     supported; the accountant is then unchanged
   */
  @Override
  public RdpAccountant compose(DpEvent event, long count) {
    Objects.requireNonNull(event, "event");
    Arguments.requireNonNegative("count", count);
    double[] increment = new double[orders.length];
    accumulate(event, (double) count, increment);
    if (count == 0) {
      return this;
    }
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] += increment[i];
    }
    appendToLedger(event, count);
    return this;
  }

  @Override
  public RdpAccountant compose(DpEvent event) {
    return compose(event, 1);
  }

  private void accumulate(DpEvent event, double multiplier, double[] into) {
    if (event instanceof GaussianDpEvent gaussian) {
      if (multiplier > 0) {
        double s = gaussian.noiseMultiplier();
        for (int i = 0; i < orders.length; i++) {
          into[i] += multiplier * (orders[i] / (2 * s * s));
        }
      }
    } else if (event instanceof PoissonSampledDpEvent sampled) {
      if (!(sampled.event() instanceof GaussianDpEvent gaussian)) {
        throw new IllegalArgumentException(
            "RdpAccountant supports PoissonSampledDpEvent only around a GaussianDpEvent, got "
                + sampled);
      }
      if (multiplier > 0) {
        double[] v = sampledGaussian(sampled.samplingProbability(), gaussian.noiseMultiplier());
        for (int i = 0; i < orders.length; i++) {
          if (v[i] != 0) {
            into[i] += multiplier * v[i];
          }
        }
      }
    } else if (event instanceof SelfComposedDpEvent self) {
      accumulate(self.event(), multiplier * self.count(), into);
    } else if (event instanceof ComposedDpEvent composed) {
      for (DpEvent e : composed.events()) {
        Objects.requireNonNull(e, "event inside ComposedDpEvent");
        accumulate(e, multiplier, into);
      }
    } else if (event instanceof RepeatAndSelectDpEvent search) {
      // the bound needs one trial's whole curve, apart from what is composed around it
      double[] trial = new double[orders.length];
      accumulate(search.event(), 1, trial);
      if (multiplier > 0) {
        double[] v = RepeatAndSelectRdp.rdp(orders, trial, search.trials());
        for (int i = 0; i < orders.length; i++) {
          into[i] += multiplier * v[i];
        }
      }
    } else {
      throw new IllegalArgumentException("RdpAccountant does not support the event " + event);
    }
  }

  private double[] sampledGaussian(double q, double sigma) {
    if (cachedRdp == null || q != cachedQ || sigma != cachedSigma) {
      double[] v = new double[orders.length];
      for (int i = 0; i < orders.length; i++) {
        v[i] = SampledGaussianRdp.rdpUnchecked(q, sigma, orders[i]);
      }
      cachedRdp = v;
      cachedQ = q;
      cachedSigma = sigma;
    }
    return cachedRdp;
  }

  private void appendToLedger(DpEvent event, long count) {
    if (!ledger.isEmpty()) {
      DpEvent last = ledger.get(ledger.size() - 1);
      DpEvent base = last;
      long lastCount = 1;
      if (last instanceof SelfComposedDpEvent self) {
        base = self.event();
        lastCount = self.count();
      }
      if (base.equals(event) && lastCount <= Long.MAX_VALUE - count) {
        ledger.set(ledger.size() - 1, new SelfComposedDpEvent(base, lastCount + count));
        return;
      }
    }
    ledger.add(count == 1 ? event : new SelfComposedDpEvent(event, count));
  }

  /** Everything composed so far, as a {@link ComposedDpEvent} (empty when nothing was). */
  @Override
  public DpEvent ledger() {
    return new ComposedDpEvent(ledger);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code delta} is not in (0, 1)
   */
  @Override
  public double epsilon(double delta) {
    return epsilonAndOrder(delta).epsilon();
  }

  /**
   * The smallest ε over the orders at {@code delta}, and the order attaining it ({@code
   * dp_accounting}'s {@code compute_epsilon}; see the class comment for the conversion).
   *
   * @param delta δ in (0, 1)
   * @return ε &gt;= 0 (+∞ if no order bounds it) and its order
   * @throws IllegalArgumentException if {@code delta} is not in (0, 1)
   */
  public EpsilonAndOrder epsilonAndOrder(double delta) {
    Arguments.requireOpenUnit("delta", delta);
    return epsilonAndOrder(orders, rdp, delta);
  }

  /**
   * The improved RDP to (ε, δ) conversion over given RDP values ({@code
   * dp_accounting.rdp.compute_epsilon}), for a curve no event describes (e.g. the largest of
   * several candidates' curves, order by order, bounded by {@link RepeatAndSelectRdp}).
   *
   * @param orders the orders, each &gt; 1
   * @param rdp the RDP at each order, &gt;= 0
   * @param delta δ in (0, 1)
   * @return ε &gt;= 0 (+∞ if no order bounds it) and its order
   * @throws IllegalArgumentException if the arrays differ in length or δ is not in (0, 1)
   */
  public static EpsilonAndOrder epsilonAndOrder(double[] orders, double[] rdp, double delta) {
    Arguments.requireOpenUnit("delta", delta);
    if (orders.length != rdp.length || orders.length == 0) {
      throw new IllegalArgumentException(
          "orders and rdp must have the same length >= 1, got "
              + orders.length
              + " and "
              + rdp.length);
    }
    int best = 0;
    double bestEps = Double.POSITIVE_INFINITY;
    double logDelta = Math.log(delta);
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = rdp[i];
      double eps;
      if (r < 0) {
        eps = 0; // only from rounding in extreme events
      } else if (delta * delta + Math.expm1(-r) > 0) {
        eps = 0; // KL bound: δ >= sqrt(1 − exp(−KL)) already holds
      } else if (a > 1.01 && r < Double.POSITIVE_INFINITY) {
        // Not stable as α → 1, where it is useless anyway.
        eps = r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
      } else {
        eps = Double.POSITIVE_INFINITY;
      }
      if (eps < bestEps) {
        bestEps = eps;
        best = i;
      }
    }
    return new EpsilonAndOrder(Math.max(0, bestEps), orders[best]);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code epsilon} is negative or NaN
   */
  @Override
  public double delta(double epsilon) {
    return deltaAndOrder(epsilon).delta();
  }

  /**
   * The smallest δ over the orders at {@code epsilon}, and the order attaining it ({@code
   * dp_accounting}'s {@code compute_delta}).
   *
   * @param epsilon ε &gt;= 0 (+∞ gives δ = 0 unless the RDP is infinite)
   * @return δ in [0, 1] and its order
   * @throws IllegalArgumentException if {@code epsilon} is negative or NaN
   */
  public DeltaAndOrder deltaAndOrder(double epsilon) {
    if (!(epsilon >= 0)) {
      throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
    }
    return deltaAndOrder(orders, rdp, epsilon);
  }

  static DeltaAndOrder deltaAndOrder(double[] orders, double[] rdp, double epsilon) {
    int best = 0;
    double bestLogDelta = Double.POSITIVE_INFINITY;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = rdp[i];
      double logDelta;
      if (r <= 0) {
        logDelta = Double.NEGATIVE_INFINITY;
      } else {
        logDelta = 0.5 * Math.log1p(-Math.exp(-r)); // KL bound
      }
      if (a > 1.01) {
        double bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
        if (bound < logDelta) {
          logDelta = bound;
        }
      }
      if (logDelta < bestLogDelta) {
        bestLogDelta = logDelta;
        best = i;
      }
    }
    return new DeltaAndOrder(Math.min(Math.exp(bestLogDelta), 1.0), orders[best]);
  }

  @Override
  public String method() {
    return "rdp";
  }

  /**
   * {@code {"method":"rdp","orders":[...],"rdp":[...],"ledger":<event>}}; infinite RDP values are
   * written as the string {@code "Infinity"}. {@link PrivacyAccountants#fromJson} restores the
   * accountant exactly.
   */
  @Override
  public String toJson() {
    ObjectNode node = PrivacyAccountants.JSON.createObjectNode();
    node.put("method", method());
    writeArray(node.putArray("orders"), orders);
    writeArray(node.putArray("rdp"), rdp);
    node.set("ledger", PrivacyAccountants.JSON.valueToTree(ledger()));
    try {
      return PrivacyAccountants.JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeArray(ArrayNode array, double[] values) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        array.add(v);
      } else {
        array.add(Double.toString(v));
      }
    }
  }

  static RdpAccountant fromJson(JsonNode node) {
    double[] orders = readArray(node, "orders");
    double[] rdp = readArray(node, "rdp");
    if (orders.length != rdp.length) {
      throw new IllegalArgumentException(
          "rdp accountant JSON must have as many \"rdp\" values as \"orders\", got "
              + rdp.length
              + " and "
              + orders.length);
    }
    RdpAccountant accountant = new RdpAccountant(orders);
    for (int i = 0; i < rdp.length; i++) {
      if (!(rdp[i] >= 0)) {
        throw new IllegalArgumentException(
            "rdp accountant JSON \"rdp\" values must be >= 0, got " + rdp[i]);
      }
    }
    System.arraycopy(rdp, 0, accountant.rdp, 0, rdp.length);
    JsonNode ledgerNode = node.get("ledger");
    if (ledgerNode == null || ledgerNode.isNull()) {
      throw new IllegalArgumentException("rdp accountant JSON must have a \"ledger\" event");
    }
    DpEvent ledger;
    try {
      ledger = PrivacyAccountants.JSON.treeToValue(ledgerNode, DpEvent.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "rdp accountant JSON \"ledger\" is not a DP event: " + e.getMessage(), e);
    }
    if (ledger instanceof ComposedDpEvent composed) {
      accountant.ledger.addAll(composed.events());
    } else {
      accountant.ledger.add(ledger);
    }
    return accountant;
  }

  private static double[] readArray(JsonNode node, String field) {
    JsonNode array = node.get(field);
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException(
          "rdp accountant JSON must have an array \"" + field + "\"");
    }
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = array.get(i);
      if (v.isNumber()) {
        values[i] = v.doubleValue();
      } else if (v.isTextual() && v.textValue().equals("Infinity")) {
        values[i] = Double.POSITIVE_INFINITY;
      } else {
        throw new IllegalArgumentException(
            "rdp accountant JSON \"" + field + "\" must hold numbers, got " + v);
      }
    }
    return values;
  }

  @Override
  public String toString() {
    return "RdpAccountant[orders=" + orders.length + ", ledger=" + ledger + "]";
  }

  /** Equal when the orders, the RDP values and the ledger are (the state, not the identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof RdpAccountant other
        && Arrays.equals(orders, other.orders)
        && Arrays.equals(rdp, other.rdp)
        && ledger.equals(other.ledger);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(orders) + Arrays.hashCode(rdp)) + ledger.hashCode();
  }
}
