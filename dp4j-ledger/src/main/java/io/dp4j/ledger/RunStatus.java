package io.dp4j.ledger;

import java.util.Locale;

/** Where a training run recorded in the {@link PrivacyLedger} stands. */
public enum RunStatus {
  /**
   * Started and not closed. Its whole plan stays reserved against the budget until it finishes or
   * is interrupted.
   */
  RUNNING,
  /** Closed with {@link RunCharge#finish()}: charged the steps it recorded. */
  FINISHED,
  /**
   * Closed without finishing (an exception, {@link RunCharge#close()} before {@code finish}, a
   * crash found later): charged the steps it recorded.
   */
  INTERRUPTED;

  /** The lower-case name used in the database and in JSON ({@code "running"}, ...). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status with this {@link #label()}. */
  public static RunStatus fromLabel(String label) {
    for (RunStatus s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "run status must be running, finished or interrupted, got \"" + label + "\"");
  }
}
