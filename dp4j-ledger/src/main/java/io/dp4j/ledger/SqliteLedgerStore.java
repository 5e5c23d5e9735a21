package io.dp4j.ledger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * The ledger in one SQLite file: the connection, the schema and its version, and the mapping
 * between rows and records.
 *
 * <p>WAL journal, {@code synchronous=FULL} (every committed transaction is on disk when the call
 * returns), {@code application_id} "dp4j", {@code user_version} = the schema version; a file of an
 * older version is upgraded when opened for writing ({@link #MIGRATIONS}). Several processes may
 * share the file on a local file system; SQLite's WAL mode does not support network file systems.
 * One connection per store; calls are serialized.
 *
 * <p>SQLite failures become messages about the file: not SQLite or another application's database
 * ({@link IllegalArgumentException}), damaged, read-only ({@link LedgerException}).
 */
final class SqliteLedgerStore implements LedgerStore {
  /** "dp4j" in ASCII: marks the SQLite file as a dp4j ledger. */
  static final int APPLICATION_ID = 0x6470346a;

  private static final Logger LOG = LoggerFactory.getLogger(SqliteLedgerStore.class);

  /** What the database says when a statement would rewrite the ledger's history. */
  static final String APPEND_ONLY =
      "dp4j ledger history is append-only: a dataset never changes, a run is never deleted,"
          + " its steps never go down, and an ended run never changes";

  /**
   * The schema by version: step {@code i} takes a ledger from version {@code i} to {@code i + 1},
   * one statement per string. {@link PostgresLedgerStore#MIGRATIONS} are the same steps in
   * PostgreSQL.
   */
  static final List<List<String>> MIGRATIONS =
      List.of(
          List.of(
              """
              CREATE TABLE datasets (
                id             INTEGER PRIMARY KEY,
                name           TEXT    NOT NULL UNIQUE,
                epsilon_budget REAL    NOT NULL CHECK (epsilon_budget > 0),
                delta          REAL    NOT NULL CHECK (delta > 0 AND delta < 1),
                accountant     TEXT    NOT NULL CHECK (accountant IN ('rdp', 'pld')),
                created_at     TEXT    NOT NULL
              )""",
              """
              CREATE TABLE runs (
                id            INTEGER PRIMARY KEY,
                dataset_id    INTEGER NOT NULL REFERENCES datasets (id),
                who           TEXT    NOT NULL,
                what          TEXT    NOT NULL,
                started_at    TEXT    NOT NULL,
                updated_at    TEXT    NOT NULL,
                ended_at      TEXT,
                step_event    TEXT    NOT NULL,
                q             REAL,
                sigma         REAL,
                planned_steps INTEGER NOT NULL CHECK (planned_steps >= 1),
                steps         INTEGER NOT NULL DEFAULT 0
                                CHECK (steps >= 0 AND steps <= planned_steps),
                accountant    TEXT    NOT NULL CHECK (accountant IN ('rdp', 'pld')),
                status        TEXT    NOT NULL
                                CHECK (status IN ('running', 'finished', 'interrupted')),
                host          TEXT    NOT NULL,
                pid           INTEGER NOT NULL,
                pid_started   INTEGER
              )""",
              "CREATE INDEX runs_by_dataset ON runs (dataset_id, id)"),
          // version 2: why a run ended (ledger release --reason), the lease of runs of a shared
          // ledger (unused in a file: liveness there is by process), and history made
          // append-only by the database itself
          List.of(
              "ALTER TABLE runs ADD COLUMN end_reason TEXT",
              "ALTER TABLE runs ADD COLUMN lease_expires_at TEXT",
              """
              CREATE TRIGGER runs_append_only BEFORE UPDATE ON runs
              WHEN OLD.status <> 'running' OR NEW.steps < OLD.steps
                OR NEW.id IS NOT OLD.id OR NEW.dataset_id IS NOT OLD.dataset_id
                OR NEW.who IS NOT OLD.who OR NEW.what IS NOT OLD.what
                OR NEW.started_at IS NOT OLD.started_at OR NEW.step_event IS NOT OLD.step_event
                OR NEW.q IS NOT OLD.q OR NEW.sigma IS NOT OLD.sigma
                OR NEW.planned_steps IS NOT OLD.planned_steps
                OR NEW.accountant IS NOT OLD.accountant OR NEW.host IS NOT OLD.host
                OR NEW.pid IS NOT OLD.pid OR NEW.pid_started IS NOT OLD.pid_started
              BEGIN
                SELECT RAISE(ABORT, '%s');
              END"""
                  .formatted(APPEND_ONLY),
              """
              CREATE TRIGGER runs_start_uncharged BEFORE INSERT ON runs
              WHEN NEW.steps <> 0 OR NEW.status <> 'running' OR NEW.ended_at IS NOT NULL
              BEGIN
                SELECT RAISE(ABORT, '%s');
              END"""
                  .formatted(APPEND_ONLY),
              """
              CREATE TRIGGER runs_kept BEFORE DELETE ON runs
              BEGIN
                SELECT RAISE(ABORT, '%s');
              END"""
                  .formatted(APPEND_ONLY),
              """
              CREATE TRIGGER datasets_fixed_on_update BEFORE UPDATE ON datasets
              BEGIN
                SELECT RAISE(ABORT, '%s');
              END"""
                  .formatted(APPEND_ONLY),
              """
              CREATE TRIGGER datasets_fixed_on_delete BEFORE DELETE ON datasets
              BEGIN
                SELECT RAISE(ABORT, '%s');
              END"""
                  .formatted(APPEND_ONLY)));

  static final int SCHEMA_VERSION = MIGRATIONS.size();

  private final Path path;
  private final Connection connection;
  private final boolean readOnly;
  private final SqliteRows rows;

  private SqliteLedgerStore(Path path, Connection connection, boolean readOnly) {
    this.path = path;
    this.connection = connection;
    this.readOnly = readOnly;
    this.rows = new SqliteRows(connection);
  }

  /**
   * Opens the SQLite ledger {@code db} (an absolute path), creating the file and its schema if it
   * is new; read-only, an existing ledger is only checked.
   */
  static SqliteLedgerStore open(Path db, boolean readOnly) {
    if (!readOnly) {
      return open(db, "jdbc:sqlite:" + db, false);
    }
    try {
      return open(db, "jdbc:sqlite:" + db, true);
    } catch (LedgerException e) {
      if (e.problem() != LedgerException.Problem.READ_ONLY) {
        throw e;
      }
      // A WAL database is read through its shared-memory file (-shm); where that cannot be
      // created (a folder this user may not write), SQLite reads it only as immutable: without
      // locks, so the snapshot assumes nobody writes the file meanwhile.
      LOG.warn(
          "ledger {}: the folder is not writable either; reading the ledger as an immutable file"
              + " (a run writing to it meanwhile can make this read fail or be out of date)",
          db);
      return open(db, "jdbc:sqlite:file:" + db.toUri().getRawPath() + "?immutable=1", true);
    }
  }

  private static SqliteLedgerStore open(Path db, String url, boolean readOnly) {
    SQLiteConfig config = new SQLiteConfig();
    if (readOnly) {
      // the file already records its WAL journal mode; setting it would be a write
      config.setReadOnly(true);
    } else {
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    }
    config.enforceForeignKeys(true);
    config.setBusyTimeout(60_000);
    Connection connection;
    try {
      connection = DriverManager.getConnection(url, config.toProperties());
    } catch (SQLException e) {
      throw translate(db, e, "cannot open the ledger " + db);
    }
    SqliteLedgerStore store = new SqliteLedgerStore(db, connection, readOnly);
    try {
      if (readOnly) {
        store.read(tx -> store.checkSchema(false));
      } else {
        store.write(tx -> store.checkSchema(true));
      }
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  @Override
  public String location() {
    return path.toString();
  }

  /** The ledger file. */
  Path path() {
    return path;
  }

  /** None: a run of a file ledger is alive while its process is (see {@link StaleRunReaper}). */
  @Override
  public Optional<Duration> lease() {
    return Optional.empty();
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  /** Runs {@code work} in a write transaction (BEGIN IMMEDIATE: the database's write lock). */
  @Override
  public synchronized <T> T write(Work<T> work) {
    if (readOnly) {
      throw LedgerPaths.readOnly(path, null);
    }
    return transaction("BEGIN IMMEDIATE", work);
  }

  /** Runs {@code work} in a read transaction: one consistent snapshot. */
  @Override
  public synchronized <T> T read(Work<T> work) {
    return transaction("BEGIN DEFERRED", work);
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("ledger {}: closing the database failed", path, e);
    }
  }

  /** The value of a PRAGMA on this store's connection (for tests). */
  String pragma(String name) {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("pragma name must be [a-z_]+, got " + name);
    }
    return read(
        tx -> {
          try (Statement s = connection.createStatement();
              ResultSet r = s.executeQuery("PRAGMA " + name)) {
            return r.getString(1);
          }
        });
  }

  private <T> T transaction(String begin, Work<T> work) {
    try {
      return JdbcRows.inTransaction(begin, rows, work);
    } catch (SQLException e) {
      throw translate(path, e, "privacy ledger " + path + ": " + e.getMessage());
    }
  }

  /** An SQLite failure as the file's problem, or {@code otherwise} as a plain I/O failure. */
  private static RuntimeException translate(Path db, SQLException e, String otherwise) {
    int primary = e.getErrorCode() & 0xff; // extended result codes keep the primary in the low byte
    if (primary == SQLiteErrorCode.SQLITE_NOTADB.code) {
      return new IllegalArgumentException(db + " is not a dp4j ledger (not SQLite)", e);
    }
    if (primary == SQLiteErrorCode.SQLITE_CORRUPT.code) {
      return LedgerPaths.damaged(db, e);
    }
    if (primary == SQLiteErrorCode.SQLITE_READONLY.code
        || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code && Files.isReadable(db)) {
      return LedgerPaths.readOnly(db, e);
    }
    return new LedgerException(otherwise, e);
  }

  private Void checkSchema(boolean createIfEmpty) throws SQLException {
    int version;
    int applicationId;
    try (Statement s = connection.createStatement()) {
      try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
        version = r.getInt(1);
      }
      try (ResultSet r = s.executeQuery("PRAGMA application_id")) {
        applicationId = r.getInt(1);
      }
    }
    if (version == 0 && applicationId == 0) {
      boolean empty;
      try (Statement s = connection.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
        empty = r.getInt(1) == 0;
      }
      if (!empty || !createIfEmpty) {
        throw new IllegalArgumentException(path + " is an SQLite database but not a dp4j ledger");
      }
      try (Statement s = connection.createStatement()) {
        s.executeUpdate("PRAGMA application_id = " + APPLICATION_ID);
      }
      migrate(0);
      LOG.debug("created privacy ledger {}", path);
    } else if (applicationId != APPLICATION_ID) {
      throw new IllegalArgumentException(path + " is an SQLite database but not a dp4j ledger");
    } else if (version > SCHEMA_VERSION) {
      throw new IllegalArgumentException(
          path
              + " is a dp4j ledger of schema version "
              + version
              + ", newer than this dp4j reads ("
              + SCHEMA_VERSION
              + ")");
    } else if (version < SCHEMA_VERSION && createIfEmpty) {
      migrate(version);
      LOG.info("ledger {}: upgraded from schema version {} to {}", path, version, SCHEMA_VERSION);
    }
    return null;
  }

  /** Takes the schema from {@code version} to {@link #SCHEMA_VERSION}, in the open transaction. */
  private void migrate(int version) throws SQLException {
    try (Statement s = connection.createStatement()) {
      for (List<String> step : MIGRATIONS.subList(version, SCHEMA_VERSION)) {
        for (String statement : step) {
          s.executeUpdate(statement);
        }
      }
      s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
    }
  }

  /** The rows in the file: the write transaction locks the whole file, and runs hold no lease. */
  private final class SqliteRows extends JdbcRows {
    SqliteRows(Connection connection) {
      super(connection);
    }

    /** The dataset; the whole file is already locked by the write transaction (BEGIN IMMEDIATE). */
    @Override
    public Optional<StoredDataset> lockDataset(String name) throws SQLException {
      return dataset(name);
    }

    /** None: a file ledger's runs are alive while their process is ({@link StaleRunReaper}). */
    @Override
    String leaseExpiry() {
      return "NULL";
    }

    /** A row SQLite reads but dp4j cannot decode: damaged, as a corrupt page would be. */
    @Override
    LedgerException undecodable(String table, RuntimeException e) {
      return LedgerPaths.damaged(
          path,
          new SQLException(
              "a row of its "
                  + table
                  + " table cannot be read ("
                  + e.getClass().getSimpleName()
                  + ")",
              e));
    }
  }
}
