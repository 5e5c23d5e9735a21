package io.dp4j.accounting;

import org.apache.commons.numbers.gamma.Erfc;

/**
 * The privacy loss of the Poisson-subsampled Gaussian mechanism under add-or-remove-one adjacency,
 * for one of the two directions, and its pessimistic and optimistic discretizations on a uniform
 * grid.
 *
 * <p>With {@code M = (1-q)N(0,σ²) + qN(1,σ²)} and {@code N0 = N(0,σ²)}, the "remove" pair is (P, Q)
 * = (M, N0) and the "add" pair is (N0, M); the privacy loss is {@code L = log(P(x)/Q(x))} with
 * {@code x ~ P}. These are the dominating pairs of Zhu, Dong and Wang (2022) used by Google's
 * {@code dp_accounting}. For either direction, {@code L > ε} is a half-line in x, so every tail and
 * cell probability is a difference of normal tails, computed with complementary error functions to
 * keep relative precision in the tails.
 *
 * <p>Pessimistic discretization: "connect the dots" (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi
 * 2022): the mass of each grid cell is split between its two end points so that the expectation of
 * {@code e^{-L}} is preserved. The resulting δ(ε) curve interpolates the true curve linearly in
 * {@code e^ε} between grid points, which dominates it since δ is convex in {@code e^ε}; the
 * per-step error is second order in the grid step.
 *
 * <p>Optimistic discretization (dp4j): each grid cell is reported as one outcome, and consecutive
 * cells are pooled by {@link PldPooling} so that each pool's privacy loss {@code log(P/Q)} is
 * exactly a grid point. Both are post-processings, so the result is dominated by the true pair; it
 * moves the loss distribution by O(h²) per step, the mirror image of connect the dots, from the
 * same cell masses (one loss evaluation per grid point).
 */
final class PldSampledGaussianLoss {

  /** The two dominating pairs of add-or-remove adjacency. */
  enum Direction {
    REMOVE,
    ADD
  }

  /** Both discretizations on one grid. */
  record Discretization(PldPmf pessimistic, PldPmf optimistic) {}

  private static final double SQRT_HALF = Math.sqrt(0.5);

  private final double q;
  private final double sigma;
  private final Direction direction;
  private final PldWork work;

  /** Mean of the second Gaussian component in the coordinate y where L > ε is y > y(ε). */
  private final double shiftedMean;

  PldSampledGaussianLoss(double q, double sigma, Direction direction) {
    this(q, sigma, direction, PldWork.unlimited());
  }

  /** A loss whose discretizations spend {@code work}: one unit per loss value evaluated. */
  PldSampledGaussianLoss(double q, double sigma, Direction direction, PldWork work) {
    this.q = q;
    this.sigma = sigma;
    this.direction = direction;
    this.work = work;
    this.shiftedMean = direction == Direction.REMOVE ? 1.0 : -1.0;
  }

  /** Upper normal tail Φ̄(z), accurate to relative precision far into the tail. */
  static double normalTail(double z) {
    return 0.5 * Erfc.value(z * SQRT_HALF);
  }

  /**
   * The threshold of the remove-direction loss: {@code log(1-q+q·e^{(2x-1)/(2σ²)}) > e} iff {@code
   * x > threshold(e)}.
   */
  private double removeThreshold(double e) {
    double em1 = Math.expm1(e);
    if (!(em1 + q > 0)) {
      return Double.NEGATIVE_INFINITY;
    }
    return sigma * sigma * Math.log1p(em1 / q) + 0.5;
  }

  /** y(ε): {@code L > ε} iff {@code Y > y(ε)}, with Y = X (remove) or -X (add). */
  private double y(double epsilon) {
    return direction == Direction.REMOVE ? removeThreshold(epsilon) : -removeThreshold(-epsilon);
  }

  /** Tail probabilities {P(L > ε), Q(L > ε), P(L <= ε)}. */
  double[] tails(double epsilon) {
    double yy = y(epsilon);
    double z0 = yy / sigma;
    double z1 = (yy - shiftedMean) / sigma;
    double t0 = normalTail(Math.abs(z0));
    double t1 = normalTail(Math.abs(z1));
    double up0 = z0 >= 0 ? t0 : 1 - t0;
    double up1 = z1 >= 0 ? t1 : 1 - t1;
    double low0 = z0 >= 0 ? 1 - t0 : t0;
    double low1 = z1 >= 0 ? 1 - t1 : t1;
    if (direction == Direction.REMOVE) {
      return new double[] {(1 - q) * up0 + q * up1, up0, (1 - q) * low0 + q * low1};
    }
    return new double[] {up0, (1 - q) * up0 + q * up1, low0};
  }

  /** The hockey-stick divergence δ(ε) = P(L > ε) - e^ε Q(L > ε) of one step. */
  double delta(double epsilon) {
    double[] t = tails(epsilon);
    return Math.max(0, t[0] - Math.exp(epsilon) * t[1]);
  }

  /** The largest ε (to bisection precision) with {@code P(L <= ε) <= mass}. */
  double lowerTruncation(double mass) {
    return boundary(e -> tails(e)[2] <= mass, false);
  }

  /** The smallest ε (to bisection precision) with {@code δ(ε) <= delta}. */
  double upperTruncation(double delta) {
    return boundary(e -> delta(e) <= delta, true);
  }

  /**
   * Finds the boundary of a monotone predicate by doubling then bisection. If {@code upward} the
   * predicate holds above the boundary, else below it.
   */
  private static double boundary(java.util.function.DoublePredicate ok, boolean upward) {
    double sign = upward ? 1 : -1;
    double inside;
    double outside;
    if (ok.test(0)) {
      // walk towards the failing side
      double step = 1e-6;
      inside = 0;
      outside = Double.NaN;
      for (int i = 0; i < 80; i++) {
        double e = -sign * step;
        if (ok.test(e)) {
          inside = e;
          step *= 2;
        } else {
          outside = e;
          break;
        }
      }
      if (Double.isNaN(outside)) {
        return inside;
      }
    } else {
      double step = 1e-6;
      outside = 0;
      inside = Double.NaN;
      for (int i = 0; i < 80; i++) {
        double e = sign * step;
        if (ok.test(e)) {
          inside = e;
          break;
        }
        outside = e;
        step *= 2;
      }
      if (Double.isNaN(inside)) {
        return outside;
      }
    }
    for (int i = 0; i < 100 && Math.abs(inside - outside) > 1e-15 * (1 + Math.abs(inside)); i++) {
      double mid = 0.5 * (inside + outside);
      if (ok.test(mid)) {
        inside = mid;
      } else {
        outside = mid;
      }
    }
    return inside;
  }

  /**
   * Discretizes on the grid {@code ε_i = i·h}, for i from {@code floor(lo/h)} to {@code
   * ceil(hi/h)}.
   *
   * @param h the grid step
   * @param lo losses at or below it carry negligible mass
   * @param hi the one-step δ at it is negligible; the pessimistic side puts it at +∞
   */
  Discretization discretize(double h, double lo, double hi) {
    Cells c = cells(h, lo, hi);
    return new Discretization(connectTheDots(c, h), pooled(c, h));
  }

  /** The pessimistic ("connect the dots") discretization on the grid of {@link #discretize}. */
  PldPmf connectTheDots(double h, double lo, double hi) {
    return connectTheDots(cells(h, lo, hi), h);
  }

  /**
   * The P- and Q-masses of the loss intervals cut at the grid points {@code (iLo + i)·h}, i = 0..n:
   * index 0 is {@code L <= iLo·h}, index i in 1..n the cell {@code ((iLo+i-1)h, (iLo+i)h]}, index n
   * + 1 is {@code L > (iLo+n)h}.
   */
  private record Cells(long iLo, int n, double[] p, double[] q) {}

  private Cells cells(double h, double lo, double hi) {
    long iLo = (long) Math.floor(lo / h);
    long iHi = Math.max((long) Math.ceil(hi / h), iLo + 1);
    work.spend(iHi - iLo + 1);
    int n = Math.toIntExact(iHi - iLo);
    // Per grid point: |z| tails of the two components in the coordinate y.
    double[] z0 = new double[n + 1];
    double[] z1 = new double[n + 1];
    double[] t0 = new double[n + 1];
    double[] t1 = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      double yy = y((iLo + i) * h);
      z0[i] = yy / sigma;
      z1[i] = (yy - shiftedMean) / sigma;
      t0[i] = normalTail(Math.abs(z0[i]));
      t1[i] = normalTail(Math.abs(z1[i]));
    }
    double[] p = new double[n + 2];
    double[] qm = new double[n + 2];
    split(lower(z0[0], t0[0]), lower(z1[0], t1[0]), p, qm, 0);
    for (int j = 0; j < n; j++) {
      split(
          cell(z0[j], t0[j], z0[j + 1], t0[j + 1]),
          cell(z1[j], t1[j], z1[j + 1], t1[j + 1]),
          p,
          qm,
          j + 1);
    }
    split(upper(z0[n], t0[n]), upper(z1[n], t1[n]), p, qm, n + 1);
    return new Cells(iLo, n, p, qm);
  }

  /**
   * Stores an interval's P- and Q-masses from its masses c0 under N(0,σ²) and c1 under N(±1,σ²).
   */
  private void split(double c0, double c1, double[] p, double[] qm, int i) {
    double mix = (1 - q) * c0 + q * c1;
    p[i] = direction == Direction.REMOVE ? mix : c0;
    qm[i] = direction == Direction.REMOVE ? c0 : mix;
  }

  private PldPmf connectTheDots(Cells c, double h) {
    int n = c.n();
    double emh = Math.exp(-h);
    double oneMinusEmh = -Math.expm1(-h);
    double[] pess = new double[n + 1];
    pess[0] += c.p()[0];
    for (int j = 0; j < n; j++) {
      double pc = c.p()[j + 1];
      double qc = c.q()[j + 1];
      if (!(pc > 0)) {
        continue;
      }
      // r = Q_c / (e^{-ε_j} P_c) lies in [e^{-h}, 1]: the likelihood ratio within the cell.
      double r = qc * Math.exp((c.iLo() + j) * h) / pc;
      r = Math.min(1, Math.max(emh, r));
      double a = pc * ((r - 1) + oneMinusEmh) / oneMinusEmh;
      a = Math.min(pc, Math.max(0, a));
      pess[j] += a;
      pess[j + 1] += pc - a;
    }
    // Above the top point: spread between it and +∞, preserving E[e^{-L}].
    double pTail = c.p()[n + 1];
    double xnBeta = Math.min(pTail, Math.exp((c.iLo() + n) * h) * c.q()[n + 1]);
    pess[n] += xnBeta;
    double infinity = Math.max(0, pTail - xnBeta);
    return new PldPmf(c.iLo(), pess, infinity);
  }

  /**
   * The optimistic discretization: each interval of {@link Cells} reported as one outcome (a
   * post-processing of the mechanism), then pooled onto the grid by {@link PldPooling}; both steps
   * keep the pair dominated by the true one and move the loss distribution by O(h²) per step.
   */
  private PldPmf pooled(Cells c, double h) {
    int m = c.n() + 2;
    double[] losses = new double[m];
    for (int i = 0; i < m; i++) {
      double pi = c.p()[i];
      double qi = c.q()[i];
      losses[i] = qi > 0 ? Math.log(pi / qi) : Double.POSITIVE_INFINITY;
    }
    return PldPooling.pool(c.p(), losses, h, c.iLo(), c.iLo() + c.n());
  }

  private static double upper(double z, double t) {
    return z >= 0 ? t : 1 - t;
  }

  private static double lower(double z, double t) {
    return z >= 0 ? 1 - t : t;
  }

  /** Φ(zb) - Φ(za) for za <= zb, from the tails t = Φ̄(|z|), without cancellation in the tails. */
  private static double cell(double za, double ta, double zb, double tb) {
    double v;
    if (za >= 0) {
      v = ta - tb;
    } else if (zb <= 0) {
      v = tb - ta;
    } else {
      v = 1 - ta - tb;
    }
    return Math.max(0, v);
  }
}
