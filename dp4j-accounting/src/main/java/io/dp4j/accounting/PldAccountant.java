package io.dp4j.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.PldSampledGaussianLoss.Direction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.numbers.gamma.InverseErfc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Privacy loss distribution (PLD) accountant for the Gaussian and the Poisson-subsampled Gaussian
 * mechanisms under add-or-remove-one adjacency (Koskela, Jälkö, Honkela 2020, "Computing tight
 * differential privacy guarantees using FFT"; Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022,
 * "Connect the Dots: Tighter Discrete Approximations of Privacy Loss Distributions").
 *
 * <p>{@link #compose} only records the ledger; {@link #epsilon} and {@link #delta} build the
 * composed PLD with the whole ledger known. Both adjacency directions (the "remove" and the "add"
 * dominating pairs) are composed separately and the worse is reported, as Google's {@code
 * dp_accounting} does.
 *
 * <p>Every figure is certified: for a grid step h, a pessimistic discretization ("connect the
 * dots") and an optimistic one (grid cells reported as outcomes and pooled so that each pool's loss
 * is exactly a grid point, {@link PldPooling}: a post-processing of the mechanism) are composed by
 * FFT, with truncation, wrap-around and round-off charged to the side they may favour, so that the
 * true value lies between the two. Both are second-order accurate in h, which is what makes a
 * million steps cheap. The grid, chosen first from a normal approximation of the composed loss, is
 * refined until the pessimistic value is within the relative tolerance of the optimistic one, and
 * the pessimistic value is returned: it is never below the true ε (or δ) and at most {@code (1 +
 * relativeTolerance)} times it. If the grid would exceed the memory or work limit first, the (still
 * pessimistic, looser) value reached is returned and a warning is logged; if not even the first
 * grid fits, ε is +∞ and δ is 1 ("no bound").
 *
 * <p>Instances are mutable ledgers and not thread-safe.
 */
public final class PldAccountant implements PrivacyAccountant {

  /** The default relative tolerance: reported ε within 1% above the exact ε. */
  public static final double DEFAULT_RELATIVE_TOLERANCE = 0.01;

  private static final Logger LOG = LoggerFactory.getLogger(PldAccountant.class);
  private static final int MAX_REFINEMENTS = 12;

  /** Absolute slack of {@link #delta}: FFT round-off makes smaller δ unresolvable. */
  private static final double DELTA_FLOOR = 1e-14;

  private static final long MAX_ONE_STEP_POINTS = 1L << 22;

  /**
   * The work one ε or δ may take, in one-step loss evaluations and FFT bins (see {@link PldWork}):
   * a few seconds. DP-SGD settings (σ &gt;= 0.5, up to a million steps at q = 0.004, or 720 at q =
   * 1e−6) need at most 80% of it; when the first grid already needs more (σ near 0, where one
   * step's loss spans [0, 1/(2σ²)]), {@link #epsilon} reports +∞ and {@link #delta} 1, the bounds
   * that always hold, and when a refinement needs more, the looser (still pessimistic) bracket
   * reached is reported.
   */
  static final long WORK_LIMIT = 1L << 22;

  private final double relativeTolerance;
  private final List<DpEvent> entries = new ArrayList<>();
  private final Map<Key, Long> counts = new LinkedHashMap<>();
  private final Map<Double, Double> epsilonCache = boundedCache();
  private final Map<Double, Double> deltaCache = boundedCache();

  private static final int CACHE_SIZE = 64;

  private static Map<Double, Double> boundedCache() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Double, Double> eldest) {
        return size() > CACHE_SIZE;
      }
    };
  }

  /** A distinct one-step mechanism: sampling probability q (1 for no sampling) and σ. */
  private record Key(double q, double sigma) {}

  /** An accountant with {@link #DEFAULT_RELATIVE_TOLERANCE}. */
  public PldAccountant() {
    this(DEFAULT_RELATIVE_TOLERANCE);
  }

  /**
   * An accountant whose reported ε and δ exceed the exact values by at most this fraction.
   *
   * @param relativeTolerance in (0, 1); smaller costs finer grids (error is second order in the
   *     grid step, so halving the tolerance costs about √2 more grid points)
   */
  public PldAccountant(double relativeTolerance) {
    this.relativeTolerance = Arguments.requireOpenUnit("relativeTolerance", relativeTolerance);
  }

  /** Reads the JSON written by {@link #toJson()}. */
  static PldAccountant fromJson(JsonNode node) {
    JsonNode tol = node.get("relative_tolerance");
    JsonNode ledger = node.get("ledger");
    if (tol == null || !tol.isNumber() || ledger == null) {
      throw new IllegalArgumentException(
          "pld accountant JSON needs a numeric \"relative_tolerance\" and a \"ledger\"");
    }
    PldAccountant accountant = new PldAccountant(tol.asDouble());
    DpEvent event;
    try {
      event = PrivacyAccountants.JSON.treeToValue(ledger, DpEvent.class);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("pld accountant ledger is not a DP event: " + e, e);
    }
    accountant.compose(event);
    return accountant;
  }

  /** The relative tolerance this accountant certifies its figures to. */
  public double relativeTolerance() {
    return relativeTolerance;
  }

  /**
   * Records {@code count} runs of the event. Supported: {@link GaussianDpEvent}, {@link
   * PoissonSampledDpEvent} of a Gaussian, and {@link SelfComposedDpEvent} / {@link ComposedDpEvent}
   * of those.
   *
   * @throws IllegalArgumentException naming the event if it is not supported, or if count &lt; 0
   */
  @Override
  public PldAccountant compose(DpEvent event, long count) {
    java.util.Objects.requireNonNull(event, "event");
    Arguments.requireNonNegative("count", count);
    Map<Key, Long> added = new LinkedHashMap<>();
    expand(event, count, added);
    if (count == 0) {
      return this;
    }
    // a mechanism run 0 times (SelfComposedDpEvent of count 0) spends nothing: no grid for it
    added.forEach(
        (k, c) -> {
          if (c > 0) {
            counts.merge(k, c, Math::addExact);
          }
        });
    if (event instanceof ComposedDpEvent composed && count == 1) {
      entries.addAll(composed.events());
    } else {
      entries.add(count == 1 ? event : new SelfComposedDpEvent(event, count));
    }
    epsilonCache.clear();
    deltaCache.clear();
    return this;
  }

  private static void expand(DpEvent event, long multiplicity, Map<Key, Long> out) {
    if (event instanceof GaussianDpEvent g) {
      out.merge(new Key(1.0, g.noiseMultiplier()), multiplicity, Math::addExact);
    } else if (event instanceof PoissonSampledDpEvent p) {
      if (!(p.event() instanceof GaussianDpEvent g)) {
        throw new IllegalArgumentException(
            "PldAccountant supports PoissonSampledDpEvent only of a GaussianDpEvent, got "
                + "PoissonSampledDpEvent of "
                + p.event().getClass().getSimpleName()
                + ": "
                + p);
      }
      out.merge(
          new Key(p.samplingProbability(), g.noiseMultiplier()), multiplicity, Math::addExact);
    } else if (event instanceof SelfComposedDpEvent s) {
      expand(s.event(), Math.multiplyExact(multiplicity, s.count()), out);
    } else if (event instanceof ComposedDpEvent c) {
      for (DpEvent e : c.events()) {
        expand(e, multiplicity, out);
      }
    } else if (event instanceof RepeatAndSelectDpEvent) {
      throw new IllegalArgumentException(
          "PldAccountant does not support RepeatAndSelectDpEvent (private tuning has an RDP"
              + " bound, Papernot and Steinke 2022): account for it with RdpAccountant");
    } else {
      throw new IllegalArgumentException(
          "PldAccountant does not support " + event.getClass().getSimpleName() + ": " + event);
    }
  }

  /** Everything composed so far, as a {@link ComposedDpEvent} of the recorded entries. */
  @Override
  public DpEvent ledger() {
    return new ComposedDpEvent(entries);
  }

  /**
   * The smallest ε certified at {@code delta}: an upper bound on the exact ε of the ledger, within
   * the relative tolerance of it; +∞ (no bound) when even the first grid is beyond the work or
   * memory limit, as for σ near 0, where the caller falls back to the RDP bound. Never NaN.
   *
   * @throws IllegalArgumentException if delta is not in (0, 1)
   */
  @Override
  public double epsilon(double delta) {
    Arguments.requireOpenUnit("delta", delta);
    if (counts.isEmpty()) {
      return 0;
    }
    Double cached = epsilonCache.get(delta);
    if (cached != null) {
      return cached;
    }
    double result = refine(true, delta).pessimistic();
    epsilonCache.put(delta, result);
    return result;
  }

  /**
   * The δ certified at {@code epsilon}: an upper bound on the exact δ, within the relative
   * tolerance of it plus an absolute 1e-14 (below which FFT round-off dominates); 1 (no bound) when
   * even the first grid is beyond the work or memory limit.
   *
   * @throws IllegalArgumentException if epsilon is negative, infinite or NaN
   */
  @Override
  public double delta(double epsilon) {
    Arguments.requireNonNegative("epsilon", epsilon);
    if (counts.isEmpty()) {
      return 0;
    }
    Double cached = deltaCache.get(epsilon);
    if (cached != null) {
      return cached;
    }
    double result = refine(false, epsilon).pessimistic();
    deltaCache.put(epsilon, result);
    return result;
  }

  /** The pessimistic and optimistic values of one evaluation. */
  record Bracket(double pessimistic, double optimistic, double step) {}

  /**
   * The final bracket of {@link #epsilon} (forEpsilon) or {@link #delta}: the pessimistic value
   * reported and the optimistic lower bound on the exact value.
   */
  Bracket bracket(boolean forEpsilon, double target) {
    return refine(forEpsilon, target);
  }

  /** Evaluates ε (or δ) on successively finer grids until the bracket is tight enough. */
  private Bracket refine(boolean forEpsilon, double target) {
    PldWork work = new PldWork(WORK_LIMIT);
    Bracket best = null;
    try {
      best = refine(forEpsilon, target, work);
    } catch (PldWork.Exhausted e) {
      LOG.debug("PLD {} at {}: work limit reached", forEpsilon ? "epsilon" : "delta", target);
    }
    if (best == null || Double.isNaN(best.pessimistic())) {
      // a documented answer, not a fault: the caller says what it does instead (RDP)
      LOG.debug(
          "PLD accounting of {} cannot bound {} within its work limit ({} loss evaluations);"
              + " it reports {} (no bound): use the RDP bound",
          ledger(),
          forEpsilon ? "epsilon" : "delta",
          WORK_LIMIT,
          forEpsilon ? "+Infinity" : "1");
      return new Bracket(forEpsilon ? Double.POSITIVE_INFINITY : 1, 0, Double.NaN);
    }
    return best;
  }

  /**
   * The refinement of {@link #refine(boolean, double)}: the last bracket reached (tight, or looser
   * when the grid or the work limit stopped it), or null if not even the first grid fits.
   */
  private Bracket refine(boolean forEpsilon, double target, PldWork work) {
    Moments moments = moments();
    double h = initialStep(moments, forEpsilon, target);
    if (!(h > 0 && h < Double.POSITIVE_INFINITY)) {
      return null;
    }
    double tailBudget = forEpsilon ? 1e-2 * relativeTolerance * target : 1e-15;
    Bracket best = null;
    for (int iteration = 0; iteration < MAX_REFINEMENTS; iteration++) {
      long start = System.nanoTime();
      Bracket b;
      try {
        b = evaluate(forEpsilon, target, h, tailBudget, work);
      } catch (PldWork.Exhausted e) {
        if (best == null) {
          throw e;
        }
        b = null;
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "PLD {} at {}: grid step {} gave [{}, {}] in {} ms",
            forEpsilon ? "epsilon" : "delta",
            target,
            h,
            b == null ? "-" : b.optimistic(),
            b == null ? "-" : b.pessimistic(),
            (System.nanoTime() - start) / 1_000_000);
      }
      if (b == null) {
        break;
      }
      best = b;
      double p = b.pessimistic();
      double o = b.optimistic();
      if (!forEpsilon && o > 0 && tailBudget > 1e-2 * relativeTolerance * o) {
        // the truncation budget must be small against δ itself: redo with a smaller one
        tailBudget = Math.max(1e-2 * relativeTolerance * o, Double.MIN_NORMAL);
        continue;
      }
      double slack = forEpsilon ? 0 : DELTA_FLOOR;
      if (p <= (1 + relativeTolerance) * o + slack || p == 0) {
        return b;
      }
      // the bracket width shrinks like h²: aim at 60% of the tolerance, at most 3x finer per step
      double ratio = o > 0 ? (p - o) / (0.6 * relativeTolerance * o) : 4;
      h /= Math.min(3, Math.max(1.3, Math.sqrt(ratio)));
    }
    if (best == null) {
      return null;
    }
    LOG.warn(
        "PLD accounting stopped at grid step {} with pessimistic {} and optimistic {}: the"
            + " reported value is an upper bound looser than the tolerance {}",
        best.step(),
        best.pessimistic(),
        best.optimistic(),
        relativeTolerance);
    return best;
  }

  /** Composes pessimistic and optimistic PLDs for both directions on grid step h. */
  Bracket evaluate(boolean forEpsilon, double target, double h, double tailBudget) {
    return evaluate(forEpsilon, target, h, tailBudget, PldWork.unlimited());
  }

  private Bracket evaluate(
      boolean forEpsilon, double target, double h, double tailBudget, PldWork work) {
    long total = totalSteps();
    double lowTail = 1e-3 * relativeTolerance / total;
    double infinityDelta = tailBudget / (4.0 * total);
    boolean allUnsampled = counts.keySet().stream().allMatch(k -> k.q() == 1.0);
    double pess = 0;
    double opt = 0;
    for (Direction dir : Direction.values()) {
      if (dir == Direction.ADD && allUnsampled) {
        continue; // the Gaussian pair is symmetric: both directions have the same PLD
      }
      List<PldComposition.Group> pessGroups = new ArrayList<>();
      List<PldComposition.Group> optGroups = new ArrayList<>();
      for (Map.Entry<Key, Long> e : counts.entrySet()) {
        PldSampledGaussianLoss loss =
            new PldSampledGaussianLoss(e.getKey().q(), e.getKey().sigma(), dir, work);
        double lo = loss.lowerTruncation(lowTail);
        double hi = loss.upperTruncation(infinityDelta);
        if (!((hi - lo) / h <= MAX_ONE_STEP_POINTS)) {
          return null;
        }
        PldSampledGaussianLoss.Discretization d = loss.discretize(h, lo, hi);
        pessGroups.add(new PldComposition.Group(d.pessimistic(), e.getValue()));
        optGroups.add(new PldComposition.Group(d.optimistic(), e.getValue()));
      }
      PldComposition p = PldComposition.compose(pessGroups, h, true, tailBudget / 4, work);
      PldComposition o = PldComposition.compose(optGroups, h, false, tailBudget / 4, work);
      if (p == null || o == null) {
        return null;
      }
      double pv = forEpsilon ? p.epsilon(target) : p.delta(target);
      double ov = forEpsilon ? o.epsilon(target) : o.delta(target);
      pess = Math.max(pess, pv);
      opt = Math.max(opt, ov);
    }
    return new Bracket(pess, opt, h);
  }

  private long totalSteps() {
    long t = 0;
    for (long c : counts.values()) {
      t = Math.addExact(t, c);
    }
    return Math.max(1, t);
  }

  /** Mean and variance of the composed privacy loss (remove direction), for the first grid. */
  private record Moments(double mean, double variance, long steps) {}

  private Moments moments() {
    double mean = 0;
    double var = 0;
    for (Map.Entry<Key, Long> e : counts.entrySet()) {
      PldSampledGaussianLoss loss =
          new PldSampledGaussianLoss(e.getKey().q(), e.getKey().sigma(), Direction.REMOVE);
      double lo = loss.lowerTruncation(1e-12);
      double hi = loss.upperTruncation(1e-14);
      double h = (hi - lo) / 4000;
      PldPmf pmf = loss.connectTheDots(h, lo, hi);
      double m1 = 0;
      double m2 = 0;
      double[] p = pmf.masses();
      for (int j = 0; j < p.length; j++) {
        double l = (pmf.offset() + j) * h;
        m1 += p[j] * l;
        m2 += p[j] * l * l;
      }
      mean += e.getValue() * m1;
      var += e.getValue() * Math.max(m2 - m1 * m1, 0);
    }
    return new Moments(mean, var, totalSteps());
  }

  /**
   * The first grid step, from a normal approximation N(μ, s²) of the composed loss:
   * connect-the-dots adds at most h²/8 to the mean and h²/4 to the variance of each step's loss,
   * which moves ε by about T·h²/8·(1 + z/s) and log δ by z/s times that.
   */
  private double initialStep(Moments m, boolean forEpsilon, double target) {
    double s = Math.sqrt(Math.max(m.variance(), 1e-300));
    double h2;
    if (forEpsilon) {
      double z = Math.max(1, Math.sqrt(2) * InverseErfc.value(2 * target));
      double eps = Math.max(m.mean() + z * s, 1e-3 * s);
      h2 = 6 * relativeTolerance * eps / (m.steps() * (1 + z / s));
    } else {
      double z = Math.max(1, (target - m.mean()) / s);
      h2 = 6 * relativeTolerance / (m.steps() * (z / s) * (1 + z / s));
    }
    return Math.sqrt(h2);
  }

  /**
   * Everything as {@code {"method":"pld","relative_tolerance":..,"ledger":<event>}}; read back with
   * {@link PrivacyAccountants#fromJson}.
   */
  @Override
  public String toJson() {
    ObjectNode node = PrivacyAccountants.JSON.createObjectNode();
    node.put("method", method());
    node.put("relative_tolerance", relativeTolerance);
    try {
      node.set(
          "ledger", PrivacyAccountants.JSON.readTree(PrivacyAccountants.eventToJson(ledger())));
      return PrivacyAccountants.JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code "pld"}. */
  @Override
  public String method() {
    return "pld";
  }
}
