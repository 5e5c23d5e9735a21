package io.dp4j.accounting;

import java.util.List;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * The composition of discretized privacy loss distributions by FFT (Koskela, Jälkö, Honkela 2020),
 * with every approximation accounted for on the stated side.
 *
 * <p>Each distinct one-step distribution is raised to its count in the frequency domain and the
 * results multiplied, on a cyclic window chosen from Chernoff bounds on the composed moment
 * generating function (as {@code dp_accounting}'s {@code self_convolve} does): the composed mass
 * above the window and below it are each at most {@code tailBound}. Mass above the window wraps to
 * its low end and mass below to its high end; the pessimistic side adds both bounds to δ, the
 * optimistic side subtracts the wrapped lower tail. FFT round-off shows as tiny negative masses:
 * their largest magnitude (times two) is taken as the noise level η, added to every bin on the
 * pessimistic side and removed on the optimistic side.
 */
final class PldComposition {

  /** Largest FFT size used: 2^23 doubles, 64 MiB per array. */
  static final int MAX_SIZE = 1 << 23;

  /** A one-step distribution and how many times it is composed. */
  record Group(PldPmf pmf, long count) {}

  private final long firstIndex;
  private final double[] masses;
  private final double step;
  private final double constant;

  private PldComposition(long firstIndex, double[] masses, double step, double constant) {
    this.firstIndex = firstIndex;
    this.masses = masses;
    this.step = step;
    this.constant = constant;
  }

  /**
   * Composes the groups on the grid of step {@code h}.
   *
   * @param pessimistic which side to put the approximation errors on
   * @param tailBound bound on the composed mass beyond each end of the window
   * @param work spent one unit per FFT bin and group
   * @return the composition, or null if it would need an FFT larger than {@link #MAX_SIZE}
   */
  static PldComposition compose(
      List<Group> groups, double h, boolean pessimistic, double tailBound, PldWork work) {
    double logTail = Math.log(tailBound);
    double upper = chernoff(groups, h, logTail, true);
    double lower = -chernoff(groups, h, logTail, false);
    double kLoD = Math.floor(lower / h) - 1;
    double kHiD = Math.ceil(upper / h) + 1;
    if (!(kHiD - kLoD + 1 <= MAX_SIZE)) {
      return null;
    }
    long kLo = (long) kLoD;
    int width = (int) ((long) kHiD - kLo + 1);
    int size = Math.max(16, Integer.highestOneBit(width - 1) << 1);
    if (size > MAX_SIZE) {
      return null;
    }
    work.spend((long) size * groups.size());
    DoubleFFT_1D fft = new DoubleFFT_1D(size);
    double[] acc = null;
    double logNoInfinity = 0;
    for (Group g : groups) {
      double[] a = new double[size];
      double[] p = g.pmf().masses();
      long off = g.pmf().offset();
      for (int j = 0; j < p.length; j++) {
        a[(int) Math.floorMod(off + j, (long) size)] += p[j];
      }
      fft.realForward(a);
      power(a, g.count());
      if (acc == null) {
        acc = a;
      } else {
        multiply(acc, a);
      }
      logNoInfinity += g.count() * Math.log1p(-g.pmf().infinityMass());
    }
    fft.realInverse(acc, true);
    double[] c = new double[size];
    double noise = 0;
    for (int k = 0; k < size; k++) {
      double v = acc[(int) Math.floorMod(kLo + k, (long) size)];
      c[k] = v;
      if (v < 0) {
        noise = Math.max(noise, -v);
      }
    }
    double eta = 2 * noise;
    double infinity = -Math.expm1(logNoInfinity);
    double constant;
    if (pessimistic) {
      for (int k = 0; k < size; k++) {
        c[k] = Math.max(c[k], 0) + eta;
      }
      constant = infinity + 2 * tailBound;
    } else {
      for (int k = 0; k < size; k++) {
        c[k] = Math.max(c[k] - eta, 0);
      }
      constant = -tailBound;
    }
    return new PldComposition(kLo, c, h, constant);
  }

  /** Raises a packed real-FFT spectrum (JTransforms layout) to an integer power, in place. */
  private static void power(double[] a, long n) {
    a[0] = realPower(a[0], n);
    a[1] = realPower(a[1], n);
    for (int k = 2; k < a.length; k += 2) {
      double re = a[k];
      double im = a[k + 1];
      double r2 = re * re + im * im;
      if (r2 == 0) {
        continue;
      }
      double logMag = 0.5 * n * Math.log(r2);
      if (logMag < -745) {
        a[k] = 0;
        a[k + 1] = 0;
        continue;
      }
      double mag = Math.exp(logMag);
      double angle = n * Math.atan2(im, re);
      a[k] = mag * Math.cos(angle);
      a[k + 1] = mag * Math.sin(angle);
    }
  }

  private static double realPower(double x, long n) {
    double m = Math.pow(Math.abs(x), n);
    return (x < 0 && (n & 1) == 1) ? -m : m;
  }

  private static void multiply(double[] acc, double[] b) {
    acc[0] *= b[0];
    acc[1] *= b[1];
    for (int k = 2; k < acc.length; k += 2) {
      double re = acc[k] * b[k] - acc[k + 1] * b[k + 1];
      double im = acc[k] * b[k + 1] + acc[k + 1] * b[k];
      acc[k] = re;
      acc[k + 1] = im;
    }
  }

  /** A group's masses as log-probabilities, for moment generating functions. */
  private record LogGroup(long offset, double[] losses, double[] logMasses, long count) {
    static LogGroup of(Group g, double h) {
      double[] p = g.pmf().masses();
      int n = 0;
      for (double v : p) {
        if (v > 0) {
          n++;
        }
      }
      double[] losses = new double[n];
      double[] logs = new double[n];
      int i = 0;
      for (int j = 0; j < p.length; j++) {
        if (p[j] > 0) {
          losses[i] = (g.pmf().offset() + j) * h;
          logs[i] = Math.log(p[j]);
          i++;
        }
      }
      return new LogGroup(g.pmf().offset(), losses, logs, g.count());
    }

    /** log E[e^{tL}] over the finite masses, by log-sum-exp. */
    double logMgf(double t) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < losses.length; j++) {
        double v = t * losses[j] + logMasses[j];
        if (v > max) {
          max = v;
        }
      }
      if (max == Double.NEGATIVE_INFINITY) {
        return max;
      }
      double s = 0;
      double cut = max - 50; // terms below e^{-50} of the largest cannot matter
      for (int j = 0; j < losses.length; j++) {
        double v = t * losses[j] + logMasses[j];
        if (v > cut) {
          s += Math.exp(v - max);
        }
      }
      return max + Math.log(s);
    }
  }

  /**
   * A Chernoff bound: the smallest b found with {@code P(S > b) <= e^{logTail}} (upper) or the
   * negated largest b with {@code P(S < b) <= e^{logTail}} (lower), over t in a wide range.
   */
  private static double chernoff(List<Group> groups, double h, double logTail, boolean upper) {
    List<LogGroup> logGroups = groups.stream().map(g -> LogGroup.of(g, h)).toList();
    double sign = upper ? 1 : -1;
    // b(t) = (K(±t) - logTail) / t is unimodal in t > 0: golden-section search on log t.
    double lo = Math.log(1e-4);
    double hi = Math.log(1e9);
    double phi = (Math.sqrt(5) - 1) / 2;
    double x1 = hi - phi * (hi - lo);
    double x2 = lo + phi * (hi - lo);
    double f1 = bound(logGroups, logTail, sign, Math.exp(x1));
    double f2 = bound(logGroups, logTail, sign, Math.exp(x2));
    for (int it = 0; it < 28; it++) {
      if (f1 <= f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - phi * (hi - lo);
        f1 = bound(logGroups, logTail, sign, Math.exp(x1));
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + phi * (hi - lo);
        f2 = bound(logGroups, logTail, sign, Math.exp(x2));
      }
    }
    return Math.min(f1, f2);
  }

  private static double bound(List<LogGroup> groups, double logTail, double sign, double t) {
    double k = 0;
    for (LogGroup g : groups) {
      k += g.count() * g.logMgf(sign * t);
    }
    return (k - logTail) / t;
  }

  /**
   * δ(ε) of the composition: {@code constant + Σ_{l_k > ε} c_k (1 - e^{ε - l_k})}, clamped to [0,
   * 1].
   */
  double delta(double epsilon) {
    double s = constant;
    for (int k = masses.length - 1; k >= 0; k--) {
      double l = (firstIndex + k) * step;
      if (l <= epsilon) {
        break;
      }
      s += masses[k] * -Math.expm1(epsilon - l);
    }
    return Math.min(1, Math.max(0, s));
  }

  /**
   * The smallest ε >= 0 with {@code delta(ε) <= target}, solving exactly on the piecewise form of δ
   * between grid points; +∞ if no finite ε reaches it.
   */
  double epsilon(double target) {
    if (constant > target) {
      return Double.POSITIVE_INFINITY;
    }
    double emh = Math.exp(-step);
    double tailMass = 0; // Σ_{k > j} c_k
    double discounted = 0; // Σ_{k > j} c_k e^{l_j - l_k}
    for (int j = masses.length - 1; j >= 0; j--) {
      double lj = (firstIndex + j) * step;
      double d = constant + tailMass - discounted;
      if (d > target) {
        // δ(ε) = constant + tailMass - e^{ε - l_j}·discounted on (l_j, l_{j+1}]
        double e = lj + Math.log((constant + tailMass - target) / discounted);
        return Math.max(0, e);
      }
      if (lj <= 0) {
        return 0;
      }
      discounted = emh * (discounted + masses[j]);
      tailMass += masses[j];
    }
    // below the window: all of its mass lies above ε
    double d = constant + tailMass - target;
    if (d > 0 && discounted > 0) {
      return Math.max(0, (firstIndex - 1) * step + Math.log(d / discounted));
    }
    return 0;
  }
}
