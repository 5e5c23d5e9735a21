package io.dp4j.accounting;

/**
 * The optimistic discretization of a discrete privacy loss distribution onto the grid {@code h·ℤ}:
 * consecutive atoms are pooled, the last one of each pool split in proportion, so that every pool's
 * privacy loss {@code log(P(pool)/Q(pool))} is exactly a grid point.
 *
 * <p>Why it is optimistic: an atom of P-mass p and loss l is a pair of masses (p, p·e^{-l}) of the
 * two distributions. Splitting one in proportion leaves the hockey-stick divergence unchanged, and
 * reporting only which pool an outcome fell in is a post-processing, so the pooled pair is
 * dominated by the original, and so are their compositions (the pools of a composition's product
 * outcomes are a partition of them too). Pooling neighbours within about two grid steps moves each
 * step's loss distribution by O(h²), the mirror image of connect the dots (Doroshenko et al. 2022);
 * {@code dp_accounting}'s optimistic estimate (every loss rounded down) moves it by O(h). Where the
 * masses just above a target are too small to reach it (an edge sharper than the grid), a pool
 * reaches further up: still optimistic, only looser there.
 */
final class PldPooling {

  private PldPooling() {}

  /**
   * Pools the atoms onto the grid points {@code iLo·h .. iHi·h}.
   *
   * @param pMasses P-masses of the atoms, in increasing order of loss (the order matters only for
   *     how tight the result is, not for its validity)
   * @param losses the atoms' privacy losses; +∞ for an atom with no Q-mass
   * @param h grid step
   * @param iLo grid index of the result's first point
   * @param iHi grid index of the result's last point; pools beyond it are rounded down to it
   * @return masses on {@code iLo·h .. iHi·h}, no infinite mass
   */
  static PldPmf pool(double[] pMasses, double[] losses, double h, long iLo, long iHi) {
    double[] out = new double[Math.toIntExact(iHi - iLo + 1)];
    double a = 0; // P-mass of the open pool
    double b = 0; // Q-mass of the open pool, times e^{target·h}
    long target = 0; // grid index the open pool aims at; its loss is below it
    for (int i = 0; i < pMasses.length; i++) {
      double p = pMasses[i];
      if (!(p > 0)) {
        continue;
      }
      double l = losses[i];
      if (a == 0) {
        target = l / h >= iHi ? iHi + 1 : (long) Math.ceil(l / h);
      }
      while (true) {
        double g = target * h;
        double scaled = l == Double.POSITIVE_INFINITY ? 0 : p * Math.exp(g - l);
        if (target > iHi || !(l > g) || a + p <= b + scaled) {
          // the whole atom joins the pool: the pool with it stays below the target (beyond the
          // last grid point the pool only grows, and is rounded down to it at the end)
          a += p;
          b += scaled;
          break;
        }
        // the fraction θ of the atom that brings the pool's loss exactly to g: a + θp = b +
        // θ·scaled
        double theta = Math.min(1, Math.max(0, (b - a) / (p - scaled)));
        deposit(out, iLo, iHi, target, a + theta * p);
        p *= 1 - theta;
        a = 0;
        b = 0;
        target++;
        if (!(p > 0)) {
          break;
        }
      }
    }
    if (a > 0) {
      depositRoundedDown(out, iLo, iHi, target, a, b, h);
    }
    return new PldPmf(iLo, out, 0);
  }

  /**
   * Deposits a pool that did not reach its target at its loss {@code log(a/b) + target·h} rounded
   * down to the grid (below the target).
   */
  private static void depositRoundedDown(
      double[] out, long iLo, long iHi, long target, double a, double b, double h) {
    double k = Math.floor(target + Math.log(a / b) / h);
    deposit(out, iLo, iHi, k >= target ? target - 1 : (long) Math.max(k, iLo - 1.0), a);
  }

  /**
   * Adds mass at grid index k, rounded down to the last point when beyond it; mass below the first
   * point is dropped (optimistic, like rounding down).
   */
  private static void deposit(double[] out, long iLo, long iHi, long k, double mass) {
    if (k >= iLo) {
      out[(int) (Math.min(iHi, k) - iLo)] += mass;
    }
  }
}
