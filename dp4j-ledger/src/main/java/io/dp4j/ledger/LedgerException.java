package io.dp4j.ledger;

import java.util.Objects;

/**
 * The ledger (its file, or its database server) could not be read or written. {@link #problem()}
 * says why; the message names the file and what to do, and is meant to be shown to the user as it
 * is.
 */
public final class LedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the ledger could not be used. */
  public enum Problem {
    /** The file is an SQLite ledger whose content is damaged; restore it from a copy. */
    DAMAGED,
    /** The file is write-protected: it can be read, not recorded in. */
    READ_ONLY,
    /**
     * The file exists and is empty (0 bytes): possibly a truncated ledger, so it is not started
     * afresh, which would give its datasets their whole budget back.
     */
    EMPTY_FILE,
    /**
     * A shared ledger's server cannot be reached (down, restarting, network): what was being
     * recorded was not; a run stops rather than train uncharged.
     */
    UNAVAILABLE,
    /** A shared ledger's server refused the database role this (log-in or privilege). */
    PERMISSION_DENIED,
    /** Any other I/O or database failure. */
    IO
  }

  private final Problem problem;

  LedgerException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  LedgerException(String message, Throwable cause) {
    this(Problem.IO, message, cause);
  }

  /** Why the ledger could not be used. */
  public Problem problem() {
    return problem;
  }
}
