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
 * <p>Optimistic discretization (dp4j): the loss axis is partitioned into intervals whose pooled
 * privacy loss {@code log(P(I)/Q(I))} is exactly a grid point, and each interval's mass is put
 * there. Reporting the interval instead of the output is a post-processing, so the result is
 * dominated by the true pair; pooling preserves both total masses and moves the mean loss by O(h²)
 * per step, the mirror image of connect the dots.
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
    return new Discretization(connectTheDots(h, lo, hi), partitionOptimistic(h, lo, hi));
  }

  /** The pessimistic ("connect the dots") discretization on the grid of {@link #discretize}. */
  PldPmf connectTheDots(double h, double lo, double hi) {
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
    boolean remove = direction == Direction.REMOVE;
    double low0 = lower(z0[0], t0[0]);
    double low1 = lower(z1[0], t1[0]);
    double pLow = remove ? (1 - q) * low0 + q * low1 : low0;

    double emh = Math.exp(-h);
    double oneMinusEmh = -Math.expm1(-h);
    double[] pess = new double[n + 1];
    pess[0] += pLow;
    for (int j = 0; j < n; j++) {
      double c0 = cell(z0[j], t0[j], z0[j + 1], t0[j + 1]);
      double c1 = cell(z1[j], t1[j], z1[j + 1], t1[j + 1]);
      double mix = (1 - q) * c0 + q * c1;
      double pc = remove ? mix : c0;
      double qc = remove ? c0 : mix;
      if (!(pc > 0)) {
        continue;
      }
      // r = Q_c / (e^{-ε_j} P_c) lies in [e^{-h}, 1]: the likelihood ratio within the cell.
      double r = qc * Math.exp((iLo + j) * h) / pc;
      r = Math.min(1, Math.max(emh, r));
      double a = pc * ((r - 1) + oneMinusEmh) / oneMinusEmh;
      a = Math.min(pc, Math.max(0, a));
      double b = pc - a;
      pess[j] += a;
      pess[j + 1] += b;
    }
    // Above the top point: spread between it and +∞, preserving E[e^{-L}].
    double up0 = upper(z0[n], t0[n]);
    double up1 = upper(z1[n], t1[n]);
    double mixTail = (1 - q) * up0 + q * up1;
    double pTail = remove ? mixTail : up0;
    double qTail = remove ? up0 : mixTail;
    double xnBeta = Math.min(pTail, Math.exp(iHi * h) * qTail);
    pess[n] += xnBeta;
    double infinity = Math.max(0, pTail - xnBeta);
    return new PldPmf(iLo, pess, infinity);
  }

  /** A loss value with its coordinate y and the |z| normal tails of both components there. */
  private final class Point {
    final double loss;
    final double z0;
    final double z1;
    final double t0;
    final double t1;

    Point(double loss) {
      work.spend(1);
      this.loss = loss;
      double yy = y(loss);
      z0 = yy / sigma;
      z1 = (yy - shiftedMean) / sigma;
      t0 = normalTail(Math.abs(z0));
      t1 = normalTail(Math.abs(z1));
    }
  }

  /** {P(a < L <= b), Q(a < L <= b)}. */
  private double[] cellMasses(Point a, Point b) {
    double c0 = cell(a.z0, a.t0, b.z0, b.t0);
    double c1 = cell(a.z1, a.t1, b.z1, b.t1);
    double mix = (1 - q) * c0 + q * c1;
    return direction == Direction.REMOVE ? new double[] {mix, c0} : new double[] {c0, mix};
  }

  /** {P(L > a), Q(L > a)}. */
  private double[] upperMasses(Point a) {
    double u0 = upper(a.z0, a.t0);
    double u1 = upper(a.z1, a.t1);
    double mix = (1 - q) * u0 + q * u1;
    return direction == Direction.REMOVE ? new double[] {mix, u0} : new double[] {u0, mix};
  }

  /** The density of L under P at the point. */
  private double lossDensity(Point p) {
    double norm = 1 / (sigma * Math.sqrt(2 * Math.PI));
    double f0 = norm * Math.exp(-0.5 * p.z0 * p.z0);
    double f1 = norm * Math.exp(-0.5 * p.z1 * p.z1);
    double fy = direction == Direction.REMOVE ? (1 - q) * f0 + q * f1 : f0;
    double l = direction == Direction.REMOVE ? p.loss : -p.loss;
    double dydl = sigma * sigma * Math.exp(l) / (Math.expm1(l) + q);
    return fy * dydl;
  }

  /**
   * The optimistic discretization: a partition of the loss axis into intervals whose pooled privacy
   * loss {@code log(P(I)/Q(I))} is exactly a grid point (each boundary found by a safeguarded
   * Newton iteration from the previous one). Reporting only the interval is a post-processing of
   * the mechanism's output, so this PLD is dominated by the true one (data processing inequality);
   * pooling changes the mean loss by O(h²) per step, like connect the dots in the other direction.
   * Mass below {@code lo} is dropped; where everything left pools below the next grid point (a
   * density edge sharper than the grid, where this step is first order), the loss interval up to
   * that point is pooled and rounded down instead; the mass beyond {@code hi} is pooled and rounded
   * down. All three are optimistic.
   */
  PldPmf partitionOptimistic(double h, double lo, double hi) {
    long iLo = (long) Math.floor(lo / h);
    long iHi = Math.max((long) Math.ceil(hi / h), iLo + 1);
    double[] masses = new double[Math.toIntExact(iHi - iLo + 1)];
    Point b = new Point(lo);
    while (true) {
      long j = (long) Math.floor(b.loss / h) + 1;
      if (j * h <= b.loss) {
        j++;
      }
      double[] rest = upperMasses(b);
      double c = j * h;
      if (!(rest[0] > 0)) {
        break;
      }
      if (j > iHi) {
        double pooled = rest[1] > 0 ? Math.log(rest[0] / rest[1]) : iHi * h;
        long k = Math.max(iLo, Math.min(iHi, (long) Math.floor(pooled / h)));
        masses[(int) (k - iLo)] += rest[0];
        break;
      }
      if (!(rest[0] - Math.exp(c) * rest[1] > 0)) {
        // Everything above b pools below c (a steep edge within one cell): pool (b, c] alone and
        // round it down to the grid point below, then continue from c.
        Point pc = new Point(c);
        double[] chunk = cellMasses(b, pc);
        masses[(int) (j - 1 - iLo)] += chunk[0];
        b = pc;
        continue;
      }
      double ec = Math.exp(c);
      double left = c;
      double right = Double.POSITIVE_INFINITY;
      double x = Math.max(2 * c - b.loss, c + 0.5 * h);
      Point px = new Point(x);
      double[] m = cellMasses(b, px);
      for (int it = 0; it < 100; it++) {
        double f = m[0] - ec * m[1];
        if (f < 0) {
          left = x;
        } else {
          right = x;
        }
        double d = -Math.expm1(c - x) * lossDensity(px);
        double next = x - f / d;
        if (!(next > left && next < right)) {
          next = Double.isInfinite(right) ? c + 2 * (x - c) : 0.5 * (left + right);
        }
        boolean done = Math.abs(next - x) <= 1e-10 * h || right - left <= 1e-10 * h;
        x = next;
        px = new Point(x);
        m = cellMasses(b, px);
        if (done) {
          break;
        }
      }
      if (!(px.loss > c)) {
        // no interval beyond c found numerically: pool (b, c] alone, rounded down
        Point pc = new Point(c);
        masses[(int) (j - 1 - iLo)] += cellMasses(b, pc)[0];
        b = pc;
        continue;
      }
      masses[(int) (j - iLo)] += m[0];
      b = px;
    }
    return new PldPmf(iLo, masses, 0);
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
