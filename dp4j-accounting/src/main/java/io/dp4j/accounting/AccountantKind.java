package io.dp4j.accounting;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The built-in accountants, and "none" for a figure no accountant composed. Its {@link
 * #serializedName()} ({@code "rdp"}, {@code "pld"}, {@code "none"}) is what privacy records,
 * checkpoints, ledger rows and JSON reports store, and {@link #toString()} returns it, so text
 * built from a kind reads as before. {@link PrivacyAccountant} stays open: a caller-supplied
 * accountant (passed to a model's {@code setAccountant}) is none of these and names itself by its
 * {@link PrivacyAccountant#method()}.
 */
public enum AccountantKind {
  /** Rényi DP ({@link RdpAccountant}). */
  RDP("rdp"),
  /** Privacy loss distributions ({@link PldAccountant}). */
  PLD("pld"),
  /** No accountant composed anything: no step ran (ε 0), or some step ran without noise (ε ∞). */
  NONE("none");

  private final String serializedName;

  AccountantKind(String serializedName) {
    this.serializedName = serializedName;
  }

  /** The name stored in files and rows: {@code "rdp"}, {@code "pld"} or {@code "none"}. */
  @JsonValue
  public String serializedName() {
    return serializedName;
  }

  /**
   * The built-in kind named {@code name}, or empty for another name (a caller-supplied {@link
   * PrivacyAccountant} names itself).
   */
  public static Optional<AccountantKind> of(String name) {
    for (AccountantKind kind : values()) {
      if (kind.serializedName.equals(name)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }

  /**
   * The kind stored as {@code name}.
   *
   * @throws IllegalArgumentException naming the allowed names if {@code name} is none of them
   */
  @JsonCreator
  public static AccountantKind fromSerializedName(String name) {
    return of(name).orElseThrow(() -> unknown(name));
  }

  private static IllegalArgumentException unknown(String name) {
    return new IllegalArgumentException(
        "accountant must be one of "
            + Arrays.stream(values())
                .map(AccountantKind::serializedName)
                .collect(Collectors.joining(", "))
            + ", got "
            + name);
  }

  /**
   * A fresh accountant of this kind.
   *
   * @throws IllegalStateException for {@link #NONE}, which composes nothing
   */
  public PrivacyAccountant newAccountant() {
    return switch (this) {
      case RDP -> new RdpAccountant();
      case PLD -> new PldAccountant();
      case NONE -> throw new IllegalStateException("the accountant 'none' composes nothing");
    };
  }

  /** {@link #newAccountant()} as a factory. */
  public Supplier<PrivacyAccountant> factory() {
    return this::newAccountant;
  }

  /** The name in capitals, for table headers ("RDP", "PLD"). */
  public String label() {
    return serializedName.toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return serializedName;
  }
}
