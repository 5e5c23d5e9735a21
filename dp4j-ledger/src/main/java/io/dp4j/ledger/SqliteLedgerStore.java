package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
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
 * returns), {@code application_id} "dp4j", {@code user_version} = {@value #SCHEMA_VERSION}. Several
 * processes may share the file on a local file system; SQLite's WAL mode does not support network
 * file systems. One connection per store; calls are serialized.
 *
 * <p>SQLite failures become messages about the file: not SQLite or another application's database
 * ({@link IllegalArgumentException}), damaged, read-only ({@link LedgerException}).
 */
final class SqliteLedgerStore implements LedgerStore {
  static final int SCHEMA_VERSION = 1;

  /** "dp4j" in ASCII: marks the SQLite file as a dp4j ledger. */
  static final int APPLICATION_ID = 0x6470346a;

  private static final Logger LOG = LoggerFactory.getLogger(SqliteLedgerStore.class);

  private static final String SCHEMA =
      """
      CREATE TABLE datasets (
        id             INTEGER PRIMARY KEY,
        name           TEXT    NOT NULL UNIQUE,
        epsilon_budget REAL    NOT NULL CHECK (epsilon_budget > 0),
        delta          REAL    NOT NULL CHECK (delta > 0 AND delta < 1),
        accountant     TEXT    NOT NULL CHECK (accountant IN ('rdp', 'pld')),
        created_at     TEXT    NOT NULL
      );
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
        steps         INTEGER NOT NULL DEFAULT 0 CHECK (steps >= 0 AND steps <= planned_steps),
        accountant    TEXT    NOT NULL CHECK (accountant IN ('rdp', 'pld')),
        status        TEXT    NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
        host          TEXT    NOT NULL,
        pid           INTEGER NOT NULL,
        pid_started   INTEGER
      );
      CREATE INDEX runs_by_dataset ON runs (dataset_id, id);
      """;

  private static final String DATASET_COLUMNS =
      "id, name, epsilon_budget, delta, accountant, created_at";

  private static final String RUN_COLUMNS =
      "id, who, what, started_at, ended_at, step_event, q, sigma, planned_steps, steps,"
          + " accountant, status";

  private final Path path;
  private final Connection connection;
  private final boolean readOnly;
  private final Transaction rows = new Rows();

  private SqliteLedgerStore(Path path, Connection connection, boolean readOnly) {
    this.path = path;
    this.connection = connection;
    this.readOnly = readOnly;
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
  public Path path() {
    return path;
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
      try (Statement s = connection.createStatement()) {
        s.execute(begin);
      }
      T result;
      try {
        result = work.run(rows);
      } catch (SQLException | RuntimeException | Error e) {
        try (Statement s = connection.createStatement()) {
          s.execute("ROLLBACK");
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
      try (Statement s = connection.createStatement()) {
        s.execute("COMMIT");
      }
      return result;
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
        for (String ddl : SCHEMA.split(";")) {
          if (!ddl.isBlank()) {
            s.executeUpdate(ddl);
          }
        }
        s.executeUpdate("PRAGMA application_id = " + APPLICATION_ID);
        s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
      }
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
    }
    return null;
  }

  static Double samplingProbability(DpEvent event) {
    if (event instanceof PoissonSampledDpEvent sampled
        && sampled.event() instanceof GaussianDpEvent) {
      return sampled.samplingProbability();
    }
    return event instanceof GaussianDpEvent ? 1.0 : null;
  }

  static Double noiseMultiplier(DpEvent event) {
    if (event instanceof PoissonSampledDpEvent sampled
        && sampled.event() instanceof GaussianDpEvent gaussian) {
      return gaussian.noiseMultiplier();
    }
    return event instanceof GaussianDpEvent gaussian ? gaussian.noiseMultiplier() : null;
  }

  /** The row operations on this store's connection. */
  private final class Rows implements Transaction {
    @Override
    public Optional<StoredDataset> dataset(String name) throws SQLException {
      try (PreparedStatement s =
          connection.prepareStatement(
              "SELECT " + DATASET_COLUMNS + " FROM datasets WHERE name = ?")) {
        s.setString(1, name);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? Optional.of(dataset(r)) : Optional.empty();
        }
      }
    }

    @Override
    public List<StoredDataset> datasets() throws SQLException {
      List<StoredDataset> rows = new ArrayList<>();
      try (PreparedStatement s =
              connection.prepareStatement(
                  "SELECT " + DATASET_COLUMNS + " FROM datasets ORDER BY name");
          ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(dataset(r));
        }
      }
      return rows;
    }

    private StoredDataset dataset(ResultSet r) throws SQLException {
      try {
        return new StoredDataset(
            r.getLong(1),
            r.getString(2),
            r.getDouble(3),
            r.getDouble(4),
            r.getString(5),
            Instant.parse(r.getString(6)));
      } catch (RuntimeException e) {
        throw undecodable("datasets", e);
      }
    }

    /**
     * A row SQLite reads but dp4j cannot decode (a time that is not a time, a missing value, an
     * unknown status): the file was changed outside dp4j or damaged, as a corrupt page would be.
     */
    private LedgerException undecodable(String table, RuntimeException e) {
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

    @Override
    public List<StoredRun> runs(long datasetId) throws SQLException {
      List<StoredRun> rows = new ArrayList<>();
      try (PreparedStatement s =
          connection.prepareStatement(
              "SELECT " + RUN_COLUMNS + " FROM runs WHERE dataset_id = ? ORDER BY id")) {
        s.setLong(1, datasetId);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            String ended = r.getString(5);
            double q = r.getDouble(7);
            Double qOrNull = r.wasNull() ? null : q;
            double sigma = r.getDouble(8);
            Double sigmaOrNull = r.wasNull() ? null : sigma;
            try {
              rows.add(
                  new StoredRun(
                      r.getLong(1),
                      r.getString(2),
                      r.getString(3),
                      Instant.parse(r.getString(4)),
                      ended == null ? null : Instant.parse(ended),
                      PrivacyAccountants.eventFromJson(r.getString(6)),
                      qOrNull,
                      sigmaOrNull,
                      r.getLong(9),
                      r.getLong(10),
                      r.getString(11),
                      RunStatus.fromLabel(r.getString(12))));
            } catch (RuntimeException e) {
              throw undecodable("runs", e);
            }
          }
        }
      }
      return rows;
    }

    @Override
    public void insertDataset(
        String name, double epsilonBudget, double delta, String accountant, Instant created)
        throws SQLException {
      try (PreparedStatement s =
          connection.prepareStatement(
              "INSERT INTO datasets (name, epsilon_budget, delta, accountant, created_at)"
                  + " VALUES (?, ?, ?, ?, ?)")) {
        s.setString(1, name);
        s.setDouble(2, epsilonBudget);
        s.setDouble(3, delta);
        s.setString(4, accountant);
        s.setString(5, created.toString());
        s.executeUpdate();
      }
    }

    @Override
    public long insertRun(
        long datasetId,
        String who,
        String what,
        DpEvent stepEvent,
        long plannedSteps,
        String accountant,
        ProcessIdentity owner,
        Instant now)
        throws SQLException {
      try (PreparedStatement s =
          connection.prepareStatement(
              "INSERT INTO runs (dataset_id, who, what, started_at, updated_at,"
                  + " step_event, q, sigma, planned_steps, steps, accountant, status,"
                  + " host, pid, pid_started)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'running', ?, ?, ?)",
              Statement.RETURN_GENERATED_KEYS)) {
        s.setLong(1, datasetId);
        s.setString(2, who);
        s.setString(3, what);
        s.setString(4, now.toString());
        s.setString(5, now.toString());
        s.setString(6, PrivacyAccountants.eventToJson(stepEvent));
        setNullableDouble(s, 7, samplingProbability(stepEvent));
        setNullableDouble(s, 8, noiseMultiplier(stepEvent));
        s.setLong(9, plannedSteps);
        s.setString(10, accountant);
        s.setString(11, owner.host());
        s.setLong(12, owner.pid());
        if (owner.startMillis() == null) {
          s.setNull(13, Types.INTEGER);
        } else {
          s.setLong(13, owner.startMillis());
        }
        s.executeUpdate();
        try (ResultSet keys = s.getGeneratedKeys()) {
          keys.next();
          return keys.getLong(1);
        }
      }
    }

    @Override
    public boolean recordSteps(long runId, long steps, Instant now) throws SQLException {
      try (PreparedStatement s =
          connection.prepareStatement(
              "UPDATE runs SET steps = ?, updated_at = ? WHERE id = ? AND status = 'running'"
                  + " AND steps <= ?")) {
        s.setLong(1, steps);
        s.setString(2, now.toString());
        s.setLong(3, runId);
        s.setLong(4, steps);
        return s.executeUpdate() == 1;
      }
    }

    @Override
    public boolean endRun(long runId, RunStatus status, Instant now) throws SQLException {
      try (PreparedStatement s =
          connection.prepareStatement(
              "UPDATE runs SET status = ?, ended_at = ?, updated_at = ?"
                  + " WHERE id = ? AND status = 'running'")) {
        s.setString(1, status.label());
        s.setString(2, now.toString());
        s.setString(3, now.toString());
        s.setLong(4, runId);
        return s.executeUpdate() == 1;
      }
    }

    @Override
    public boolean runExists(long runId) throws SQLException {
      try (PreparedStatement s = connection.prepareStatement("SELECT 1 FROM runs WHERE id = ?")) {
        s.setLong(1, runId);
        try (ResultSet r = s.executeQuery()) {
          return r.next();
        }
      }
    }

    @Override
    public List<RunningRun> runningRunsOf(String host) throws SQLException {
      List<RunningRun> running = new ArrayList<>();
      try (PreparedStatement s =
          connection.prepareStatement(
              "SELECT id, pid, pid_started FROM runs WHERE status = 'running' AND host = ?")) {
        s.setString(1, host);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            long started = r.getLong(3);
            running.add(new RunningRun(r.getLong(1), r.getLong(2), r.wasNull() ? null : started));
          }
        }
      }
      return running;
    }
  }

  private static void setNullableDouble(PreparedStatement s, int index, Double value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.REAL);
    } else {
      s.setDouble(index, value);
    }
  }
}
