package io.dp4j.ledger;

/** The ledger's database could not be read or written (an I/O or SQLite failure). */
public final class LedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
