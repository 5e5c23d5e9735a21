package io.dp4j.accounting;

/**
 * The work one PLD evaluation may do, counted in evaluations of the one-step loss distribution
 * (each a pair of normal tails) and in FFT bins. Without a bound, a mechanism whose privacy loss
 * spans a huge range (σ near 0, where a step's loss reaches 1/(2σ²)) keeps the grid refining for
 * hours; with it, the accountant stops and reports that it cannot bound ε within its limit.
 */
final class PldWork {

  /** Thrown (without a stack trace) when the work limit is used up. */
  static final class Exhausted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Exhausted() {
      super("PLD work limit reached", null, false, false);
    }
  }

  private long remaining;

  PldWork(long limit) {
    this.remaining = limit;
  }

  /** No limit: for the fixed-size evaluations (the moments of the first grid). */
  static PldWork unlimited() {
    return new PldWork(Long.MAX_VALUE);
  }

  /**
   * Spends {@code units} of work.
   *
   * @throws Exhausted if the limit is passed
   */
  void spend(long units) {
    remaining -= units;
    if (remaining < 0) {
      throw new Exhausted();
    }
  }

  long remaining() {
    return remaining;
  }
}
