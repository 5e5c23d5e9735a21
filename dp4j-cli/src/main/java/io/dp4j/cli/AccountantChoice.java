package io.dp4j.cli;

import io.dp4j.accounting.AccountantKind;

/** The accountants a command can report: one {@link AccountantKind}, or all of them. */
enum AccountantChoice {
  rdp,
  pld,
  all;

  /**
   * The one accountant chosen.
   *
   * @throws IllegalArgumentException for {@code all}, where a command needs exactly one
   */
  AccountantKind kind() {
    return switch (this) {
      case rdp -> AccountantKind.RDP;
      case pld -> AccountantKind.PLD;
      case all -> throw new IllegalArgumentException("--accountant must be rdp or pld");
    };
  }
}
