package io.dp4j.accounting;

/**
 * Tracks the privacy spent by a sequence of {@link DpEvent}s and converts it to (ε, δ).
 *
 * <p>Implementations are mutable ledgers: {@link #compose} appends, the queries read. They
 * serialize to JSON ({@link #toJson}) so that a resumed run continues the same ledger; {@link
 * PrivacyAccountants#fromJson} reads any of them back.
 */
public interface PrivacyAccountant {

  /**
   * Records {@code count} adaptive runs of {@code event}.
   *
   * @return this accountant
   * @throws IllegalArgumentException if the event is not one this accountant supports
   */
  PrivacyAccountant compose(DpEvent event, long count);

  /** Records one run of {@code event}. */
  default PrivacyAccountant compose(DpEvent event) {
    return compose(event, 1);
  }

  /** Everything composed so far, as one event. */
  DpEvent ledger();

  /**
   * The smallest ε this accountant can certify at {@code delta} in (0, 1): an upper bound on the
   * true ε, +∞ ("no bound") where it cannot bound it, never NaN.
   */
  double epsilon(double delta);

  /** The δ this accountant certifies at {@code epsilon} &gt;= 0. */
  double delta(double epsilon);

  /**
   * Short name of the method: the {@link AccountantKind#serializedName()} of a built-in accountant
   * ("rdp", "pld"); a caller-supplied accountant names itself.
   */
  String method();

  /** The accountant's settings and ledger as a JSON object. */
  String toJson();
}
