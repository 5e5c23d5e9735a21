package io.dp4j.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where the ledger file is and the state it is in before the store opens it: the default path,
 * whether it exists, is empty or is write-protected, and its folder.
 */
final class LedgerPaths {
  /** What is found at a ledger path. */
  enum State {
    /** Nothing: the only case in which a new ledger is created. */
    MISSING,
    /** A 0-byte file without a write-ahead log: refused, never started afresh. */
    EMPTY,
    /** A file nobody may write (by its permissions or the file system). */
    READ_ONLY,
    /** A file that can be read and written. */
    WRITABLE
  }

  private static final Set<PosixFilePermission> WRITE_BITS =
      EnumSet.of(
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_WRITE);

  private LedgerPaths() {}

  /**
   * The default ledger: the system property {@value PrivacyLedger#PATH_PROPERTY}, else the
   * environment variable {@value PrivacyLedger#PATH_ENV} (a file or a server URL), else {@code
   * $XDG_DATA_HOME/dp4j/ledger.db}, else {@code ~/.local/share/dp4j/ledger.db}.
   */
  static String defaultLocation() {
    String explicit = System.getProperty(PrivacyLedger.PATH_PROPERTY);
    if (explicit == null || explicit.isBlank()) {
      explicit = System.getenv(PrivacyLedger.PATH_ENV);
    }
    if (explicit != null && !explicit.isBlank()) {
      return explicit;
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("dp4j").resolve("ledger.db").toString();
  }

  static State stateOf(Path db) {
    if (!Files.exists(db)) {
      return State.MISSING;
    }
    try {
      // SQLite creates a new file empty and writes its first page a moment later; with a
      // non-empty write-ahead log beside it, it is a ledger in use, not a truncated one
      Path wal = db.resolveSibling(db.getFileName() + "-wal");
      if (Files.size(db) == 0 && (!Files.exists(wal) || Files.size(wal) == 0)) {
        return State.EMPTY;
      }
    } catch (IOException e) {
      throw new LedgerException("cannot read the ledger file " + db, e);
    }
    return writeProtected(db) ? State.READ_ONLY : State.WRITABLE;
  }

  /**
   * Whether {@code db} is write-protected. The permission bits count even for a user (root) the
   * operating system would let write: a ledger made read-only on purpose stays read-only.
   */
  private static boolean writeProtected(Path db) {
    if (!Files.isWritable(db)) {
      return true;
    }
    PosixFileAttributeView posix = Files.getFileAttributeView(db, PosixFileAttributeView.class);
    if (posix == null) {
      return false;
    }
    try {
      Set<PosixFilePermission> permissions = posix.readAttributes().permissions();
      return permissions.stream().noneMatch(WRITE_BITS::contains);
    } catch (IOException e) {
      return false;
    }
  }

  static void createFolderOf(Path db) {
    try {
      Path parent = db.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new LedgerException("cannot create the folder of the ledger " + db, e);
    }
  }

  static LedgerException empty(Path db) {
    return new LedgerException(
        LedgerException.Problem.EMPTY_FILE,
        "the ledger file "
            + db
            + " is empty (0 bytes): it may be a ledger that lost its content, and starting it"
            + " afresh would give its datasets their whole budget back, so dp4j leaves it alone."
            + " Restore it from a copy; or, to start a new ledger on purpose, delete it (rm "
            + db
            + ") or choose another file (--db PATH or $"
            + PrivacyLedger.PATH_ENV
            + ")",
        null);
  }

  static LedgerException readOnly(Path db, Throwable cause) {
    return new LedgerException(
        LedgerException.Problem.READ_ONLY,
        "the ledger file "
            + db
            + " is read-only: it can be listed and shown, but nothing can be recorded in it."
            + " Make it writable (chmod u+w "
            + db
            + ") or use another ledger (--db PATH); nothing was written",
        cause);
  }

  static LedgerException damaged(Path db, Throwable cause) {
    String reason = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
    return new LedgerException(
        LedgerException.Problem.DAMAGED,
        "the ledger file "
            + db
            + " is damaged (SQLite: "
            + reason
                .replaceFirst("^\\[SQLITE_[A-Z_]+\\]\\s*", "")
                .replaceFirst("\\s*\\([^()]*\\)$", "")
                .toLowerCase(Locale.ROOT)
            + "); nothing was written to it. Restore it from a copy (a backup of "
            + db
            + " taken while no run was writing); dp4j does not repair or replace it",
        cause);
  }
}
