package io.dp4j.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger in a PostgreSQL database that several hosts share: the connection, the schema and its
 * version, admission's lock and the runs' leases.
 *
 * <p>The tables are the SQLite store's, at the same schema version and through the same steps
 * ({@link #MIGRATIONS}); a table {@code ledger_meta} holds what SQLite keeps in its header
 * (application "dp4j", schema version). The database itself keeps history append-only (triggers: a
 * dataset never changes, a run is never deleted, its steps never go down, an ended run never
 * changes), whatever role connects.
 *
 * <p><b>Admission</b> locks the dataset for the rest of its transaction ({@code
 * pg_advisory_xact_lock} keyed by the dataset: a training client needs no UPDATE right on datasets
 * for it), then reads the runs and inserts the new one under that lock, so two hosts admitting at
 * once are serialized. Transactions are READ COMMITTED, so the second reads the first's run once
 * the lock is its own. A serialization failure or deadlock is retried.
 *
 * <p><b>Liveness</b> is a lease on the server's clock: a run holds {@code lease_expires_at}, set to
 * now + lease when it starts and whenever it records steps or its ledger's heartbeat renews it. A
 * run whose lease expired is ended as interrupted, charged the steps it recorded, by the next
 * admission on any host; so hosts' clocks need not agree.
 *
 * <p><b>Failures.</b> A lost connection (server restarted, network down) fails the transaction in
 * progress with {@link LedgerException.Problem#UNAVAILABLE}; nothing of it is recorded, and the
 * next transaction connects anew. A role without the right fails with {@link
 * LedgerException.Problem#PERMISSION_DENIED}. Calls are serialized on one connection.
 */
final class PostgresLedgerStore implements LedgerStore {
  /** How a ledger location names a PostgreSQL database. */
  static final String URL_PREFIX = "jdbc:postgresql:";

  private static final Logger LOG = LoggerFactory.getLogger(PostgresLedgerStore.class);

  /** The key of the transaction locks this store takes ("dp4j" in ASCII, as SQLite's header). */
  private static final int LOCK_CLASS = SqliteLedgerStore.APPLICATION_ID;

  /** Transactions retried after a serialization failure or deadlock before giving up. */
  private static final int ATTEMPTS = 5;

  /** The same schema steps as {@link SqliteLedgerStore#MIGRATIONS}, in PostgreSQL. */
  static final List<List<String>> MIGRATIONS =
      List.of(
          List.of(
              """
              CREATE TABLE datasets (
                id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name           TEXT             NOT NULL UNIQUE,
                epsilon_budget DOUBLE PRECISION NOT NULL CHECK (epsilon_budget > 0),
                delta          DOUBLE PRECISION NOT NULL CHECK (delta > 0 AND delta < 1),
                accountant     TEXT             NOT NULL CHECK (accountant IN ('rdp', 'pld')),
                created_at     TEXT             NOT NULL
              )""",
              """
              CREATE TABLE runs (
                id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                dataset_id    BIGINT           NOT NULL REFERENCES datasets (id),
                who           TEXT             NOT NULL,
                what          TEXT             NOT NULL,
                started_at    TEXT             NOT NULL,
                updated_at    TEXT             NOT NULL,
                ended_at      TEXT,
                step_event    TEXT             NOT NULL,
                q             DOUBLE PRECISION,
                sigma         DOUBLE PRECISION,
                planned_steps BIGINT           NOT NULL CHECK (planned_steps >= 1),
                steps         BIGINT           NOT NULL DEFAULT 0
                                CHECK (steps >= 0 AND steps <= planned_steps),
                accountant    TEXT             NOT NULL CHECK (accountant IN ('rdp', 'pld')),
                status        TEXT             NOT NULL
                                CHECK (status IN ('running', 'finished', 'interrupted')),
                host          TEXT             NOT NULL,
                pid           BIGINT           NOT NULL,
                pid_started   BIGINT
              )""",
              "CREATE INDEX runs_by_dataset ON runs (dataset_id, id)"),
          List.of(
              "ALTER TABLE runs ADD COLUMN end_reason TEXT",
              "ALTER TABLE runs ADD COLUMN lease_expires_at TIMESTAMPTZ",
              """
              CREATE FUNCTION dp4j_runs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
                  RAISE EXCEPTION '%1$s' USING ERRCODE = 'integrity_constraint_violation';
                ELSIF TG_OP = 'INSERT' THEN
                  IF NEW.steps <> 0 OR NEW.status <> 'running' OR NEW.ended_at IS NOT NULL THEN
                    RAISE EXCEPTION '%1$s' USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                ELSIF OLD.status <> 'running' OR NEW.steps < OLD.steps
                    OR (NEW.id, NEW.dataset_id, NEW.who, NEW.what, NEW.started_at,
                        NEW.step_event, NEW.q, NEW.sigma, NEW.planned_steps, NEW.accountant,
                        NEW.host, NEW.pid, NEW.pid_started)
                      IS DISTINCT FROM
                       (OLD.id, OLD.dataset_id, OLD.who, OLD.what, OLD.started_at,
                        OLD.step_event, OLD.q, OLD.sigma, OLD.planned_steps, OLD.accountant,
                        OLD.host, OLD.pid, OLD.pid_started) THEN
                  RAISE EXCEPTION '%1$s' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
              END
              $$"""
                  .formatted(SqliteLedgerStore.APPEND_ONLY),
              """
              CREATE TRIGGER runs_append_only BEFORE INSERT OR UPDATE OR DELETE ON runs
              FOR EACH ROW EXECUTE FUNCTION dp4j_runs_append_only()""",
              """
              CREATE TRIGGER runs_kept BEFORE TRUNCATE ON runs
              FOR EACH STATEMENT EXECUTE FUNCTION dp4j_runs_append_only()""",
              """
              CREATE FUNCTION dp4j_datasets_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                RAISE EXCEPTION '%1$s' USING ERRCODE = 'integrity_constraint_violation';
              END
              $$"""
                  .formatted(SqliteLedgerStore.APPEND_ONLY),
              """
              CREATE TRIGGER datasets_fixed BEFORE UPDATE OR DELETE ON datasets
              FOR EACH ROW EXECUTE FUNCTION dp4j_datasets_fixed()""",
              """
              CREATE TRIGGER datasets_kept BEFORE TRUNCATE ON datasets
              FOR EACH STATEMENT EXECUTE FUNCTION dp4j_datasets_fixed()"""));

  static final int SCHEMA_VERSION = MIGRATIONS.size();

  private final String url;
  private final String location;
  private final boolean readOnly;
  private final Duration lease;
  private Connection connection; // null until connected, and after the connection was lost

  private PostgresLedgerStore(String url, boolean readOnly, Duration lease) {
    this.url = url;
    this.location = redact(url);
    this.readOnly = readOnly;
    this.lease = lease;
  }

  /** True if {@code location} names a PostgreSQL database rather than a file. */
  static boolean names(String location) {
    return location.startsWith(URL_PREFIX);
  }

  /**
   * Connects to the ledger in the database {@code url}. Writable, a database without tables is made
   * a ledger (which needs the admin role) and an older schema is upgraded; read-only, the ledger is
   * only checked.
   *
   * @param lease how long a run stays alive without a heartbeat, &gt;= 1 ms
   */
  static PostgresLedgerStore open(String url, boolean readOnly, Duration lease) {
    if (lease.isNegative() || lease.toMillis() < 1) {
      throw new IllegalArgumentException("lease must be at least 1 ms, got " + lease);
    }
    PostgresLedgerStore store = new PostgresLedgerStore(url, readOnly, lease);
    try {
      store.transaction("BEGIN", tx -> store.checkSchema());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public Optional<Duration> lease() {
    return Optional.of(lease);
  }

  @Override
  public synchronized <T> T read(Work<T> work) {
    return transaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", work);
  }

  @Override
  public synchronized <T> T write(Work<T> work) {
    if (readOnly) {
      throw new LedgerException(
          LedgerException.Problem.READ_ONLY,
          "the ledger " + location + " was opened for reading; nothing was written",
          null);
    }
    return transaction("BEGIN", work);
  }

  @Override
  public synchronized void close() {
    disconnect();
  }

  private synchronized <T> T transaction(String begin, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return JdbcRows.inTransaction(begin, new PostgresRows(connection()), work);
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (lost(state)) {
          disconnect(); // the next transaction connects anew
        } else if ((state.equals("40001") || state.equals("40P01")) && attempt < ATTEMPTS) {
          LOG.debug("ledger {}: transaction retried after {}", location, e.getMessage());
          continue;
        }
        throw translate(e, state);
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      Properties defaults = new Properties();
      // the URL's own settings win over these
      defaults.setProperty("connectTimeout", "10");
      defaults.setProperty("socketTimeout", "120");
      defaults.setProperty("tcpKeepAlive", "true");
      defaults.setProperty("ApplicationName", "dp4j ledger");
      connection = DriverManager.getConnection(url, defaults);
    }
    return connection;
  }

  private void disconnect() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("ledger {}: closing the connection failed", location, e);
      }
      connection = null;
    }
  }

  /** Connection failures (class 08), the server shutting down or starting (57P0x). */
  private static boolean lost(String state) {
    return state.startsWith("08") || state.startsWith("57P");
  }

  private RuntimeException translate(SQLException e, String state) {
    if (lost(state)) {
      return new LedgerException(
          LedgerException.Problem.UNAVAILABLE,
          "the ledger server "
              + location
              + " cannot be reached ("
              + e.getMessage()
              + "); nothing more was recorded. A run stops here rather than train uncharged;"
              + " the steps it recorded before are kept. Start it again once the server is back",
          e);
    }
    if (state.equals("42501") || state.startsWith("28")) {
      return new LedgerException(
          LedgerException.Problem.PERMISSION_DENIED,
          "the ledger "
              + location
              + " refused this to the database role ("
              + e.getMessage()
              + "): training needs the ledger's client role, registering datasets and creating"
              + " or upgrading the ledger its admin role (docs/private-tabular.md, shared ledger)",
          e);
    }
    return new LedgerException("privacy ledger " + location + ": " + e.getMessage(), e);
  }

  private Void checkSchema() throws SQLException {
    Connection c = connection;
    try (Statement s = c.createStatement()) {
      // two hosts opening a new database at once: one creates the ledger, the other reads it
      s.execute("SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", 0)");
    }
    if (!exists(c, "ledger_meta")) {
      if (exists(c, "datasets") || exists(c, "runs")) {
        throw new IllegalArgumentException(
            location + " has tables named datasets or runs but is not a dp4j ledger");
      }
      if (readOnly) {
        throw new LedgerException(
            "there is no dp4j ledger in "
                + location
                + " yet; the ledger admin role creates it (dp4j ledger create --db URL)",
            null);
      }
      try (Statement s = c.createStatement()) {
        s.executeUpdate("CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        s.executeUpdate(
            "INSERT INTO ledger_meta VALUES ('application', 'dp4j'), ('schema_version', '0')");
      }
      migrate(c, 0);
      LOG.info("created privacy ledger {}", location);
      return null;
    }
    String application = meta(c, "application");
    if (!"dp4j".equals(application)) {
      throw new IllegalArgumentException(location + " has a ledger_meta table but no dp4j ledger");
    }
    int version = Integer.parseInt(meta(c, "schema_version"));
    if (version > SCHEMA_VERSION) {
      throw new IllegalArgumentException(
          location
              + " is a dp4j ledger of schema version "
              + version
              + ", newer than this dp4j reads ("
              + SCHEMA_VERSION
              + ")");
    }
    if (version < SCHEMA_VERSION && !readOnly) {
      migrate(c, version);
      LOG.info(
          "ledger {}: upgraded from schema version {} to {}", location, version, SCHEMA_VERSION);
    }
    return null;
  }

  private static boolean exists(Connection c, String table) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      s.setString(1, table);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getBoolean(1);
      }
    }
  }

  private static String meta(Connection c, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM ledger_meta WHERE key = ?")) {
      s.setString(1, key);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private static void migrate(Connection c, int version) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (List<String> step : MIGRATIONS.subList(version, SCHEMA_VERSION)) {
        for (String statement : step) {
          s.executeUpdate(statement);
        }
      }
    }
    try (PreparedStatement s =
        c.prepareStatement("UPDATE ledger_meta SET value = ? WHERE key = 'schema_version'")) {
      s.setString(1, Integer.toString(SCHEMA_VERSION));
      s.executeUpdate();
    }
  }

  /** The URL without a password given in it, for messages and logs. */
  static String redact(String url) {
    return url.replaceAll("(?i)([?&]password=)[^&]*", "$1***");
  }

  /** The rows on the server: admission locks the dataset, runs hold a lease. */
  private final class PostgresRows extends JdbcRows {
    PostgresRows(Connection connection) {
      super(connection);
    }

    @Override
    public Optional<StoredDataset> lockDataset(String name) throws SQLException {
      Optional<StoredDataset> dataset = dataset(name);
      if (dataset.isPresent()) {
        try (PreparedStatement s =
            connection.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
          s.setInt(1, LOCK_CLASS);
          s.setInt(2, (int) (dataset.get().id() % Integer.MAX_VALUE) + 1); // 0: the schema's
          try (ResultSet r = s.executeQuery()) {
            r.next();
          }
        }
      }
      return dataset;
    }

    @Override
    String leaseExpiry() {
      return "now() + " + lease.toMillis() + " * interval '1 millisecond'";
    }

    @Override
    LedgerException undecodable(String table, RuntimeException e) {
      return new LedgerException(
          LedgerException.Problem.DAMAGED,
          "the ledger "
              + location
              + " has a row of its "
              + table
              + " table that dp4j cannot read ("
              + e.getClass().getSimpleName()
              + "): it was changed outside dp4j",
          e);
    }
  }
}
