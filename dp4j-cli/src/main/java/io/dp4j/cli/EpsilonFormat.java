package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * How every command writes an ε: a number; "no bound" when the accountant cannot bound it (+∞: σ
 * near 0, or PLD beyond its work limit); "n/a" when it was not computed (NaN). JSON cannot hold
 * Infinity, so there an unbounded ε is the string {@value #JSON_NO_BOUND} and one not computed is
 * null.
 */
final class EpsilonFormat {
  /** The JSON value of an ε that has no bound (the spelling Python's {@code float()} reads). */
  static final String JSON_NO_BOUND = "Infinity";

  /** The text of an ε that has no bound. */
  static final String NO_BOUND = "no bound (infinite)";

  private EpsilonFormat() {}

  /** Whether ε bounds anything: finite (a NaN, not computed, is not a bound either). */
  static boolean bounded(double epsilon) {
    return epsilon < Double.POSITIVE_INFINITY && !Double.isNaN(epsilon);
  }

  /** ε with {@code digits} decimals, {@value #NO_BOUND} when infinite, "n/a" when NaN. */
  static String text(double epsilon, int digits) {
    if (Double.isNaN(epsilon)) {
      return "n/a";
    }
    if (epsilon == Double.POSITIVE_INFINITY) {
      return NO_BOUND;
    }
    return String.format(Locale.ROOT, "%." + digits + "f", epsilon);
  }

  /** Puts ε: a number, {@value #JSON_NO_BOUND} when infinite, null when NaN. */
  static void putJson(ObjectNode node, String field, double epsilon) {
    if (Double.isNaN(epsilon)) {
      node.putNull(field);
    } else if (epsilon == Double.POSITIVE_INFINITY) {
      node.put(field, JSON_NO_BOUND);
    } else {
      node.put(field, epsilon);
    }
  }
}
