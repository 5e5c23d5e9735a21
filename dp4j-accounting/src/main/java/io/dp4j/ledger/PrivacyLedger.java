package io.dp4j.ledger;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.Arguments;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.PrivacyAccountants;
import java.io.IOException;
import java.net.InetAddress;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * A persistent privacy budget ledger: datasets registered with a total (ε, δ) allowance and every
 * training run charged against it.
 *
 * <p><b>Composition.</b> A dataset's spend is the ε, at the dataset's δ, of one accountant (the
 * dataset's {@code accountant}, "rdp" by default) composed with every run's step event, each run
 * for the steps it was charged. ε's of separate runs are never added: composition in the accountant
 * is tighter than the sum.
 *
 * <p><b>Admission.</b> {@link #startRun} composes everything charged, the full plans of runs still
 * running, and the new run's plan; if the result exceeds the budget, the run is refused with a
 * {@link BudgetExceededException} carrying the numbers, before anything is recorded. The check and
 * the insertion happen in one write transaction, so two processes starting runs on the same dataset
 * cannot both slip under the budget.
 *
 * <p><b>Charging.</b> A run is a {@link RunCharge}: it reserves its plan, and the trainer calls
 * {@link RunCharge#recordSteps} with the number of steps started so far, each call one durable
 * transaction. The privacy-safe order is to record a step <em>before</em> its noisy gradient is
 * released; recording every N steps means recording {@code done + N} before running the next N.
 * When a run ends (finished, interrupted, or found dead after a crash), it is charged the steps it
 * recorded. So the ledger errs only by charging steps that were recorded but never ran, the safe
 * direction; the granularity of that over-charge is the recording interval.
 *
 * <p><b>Crashes.</b> A run left {@code running} by a process that died keeps its whole plan
 * reserved until it is reclaimed: runs of dead processes on this host are marked interrupted
 * (charged their recorded steps) when a ledger is opened and before each admission; a run of
 * another host is closed with {@link #interruptRun}.
 *
 * <p><b>Storage.</b> One SQLite database file (WAL journal, {@code synchronous=FULL}: every
 * committed transaction is on disk when the call returns). Several processes may share a ledger on
 * a local file system; SQLite's WAL mode does not support network file systems. A ledger object is
 * thread-safe; it holds one connection, closed by {@link #close()}.
 */
public final class PrivacyLedger implements AutoCloseable {
  /** System property naming the default ledger file. */
  public static final String PATH_PROPERTY = "dp4j.ledger";

  /** Environment variable naming the default ledger file (after the system property). */
  public static final String PATH_ENV = "DP4J_LEDGER";

  /** The accountant a dataset composes with unless told otherwise. */
  public static final String DEFAULT_ACCOUNTANT =
      "rdp"; // AccountantKind.RDP, a constant for annotations

  static final int SCHEMA_VERSION = 1;

  /** "dp4j" in ASCII: marks the SQLite file as a dp4j ledger. */
  static final int APPLICATION_ID = 0x6470346a;

  private static final Logger LOG = LoggerFactory.getLogger(PrivacyLedger.class);

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

  private static final String RUN_COLUMNS =
      "id, who, what, started_at, ended_at, step_event, q, sigma, planned_steps, steps,"
          + " accountant, status";

  private final Path path;
  private final Connection connection;
  private final String host;
  private final long pid;
  private final Long pidStarted;
  private final Set<RunCharge> openCharges = new LinkedHashSet<>();
  private boolean closed;

  private PrivacyLedger(Path path, Connection connection) {
    this.path = path;
    this.connection = connection;
    this.host = hostName();
    ProcessHandle self = ProcessHandle.current();
    this.pid = self.pid();
    this.pidStarted = startMillis(self).orElse(null);
  }

  /**
   * The default ledger file: the system property {@value #PATH_PROPERTY}, else the environment
   * variable {@value #PATH_ENV}, else {@code $XDG_DATA_HOME/dp4j/ledger.db}, else {@code
   * ~/.local/share/dp4j/ledger.db}.
   */
  public static Path defaultPath() {
    String explicit = System.getProperty(PATH_PROPERTY);
    if (explicit == null || explicit.isBlank()) {
      explicit = System.getenv(PATH_ENV);
    }
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("dp4j").resolve("ledger.db");
  }

  /** Opens (creating if needed) the ledger at {@link #defaultPath()}. */
  public static PrivacyLedger open() {
    return open(defaultPath());
  }

  /**
   * Opens the ledger in the SQLite file {@code db}, creating the file, its parent folders and the
   * schema if they do not exist. Runs of dead processes on this host are reclaimed.
   *
   * @throws IllegalArgumentException if the file exists and is not a dp4j ledger, or was written by
   *     a newer dp4j
   * @throws LedgerException if the file cannot be opened
   */
  public static PrivacyLedger open(Path db) {
    Objects.requireNonNull(db, "db");
    Path absolute = db.toAbsolutePath();
    try {
      Path parent = absolute.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new LedgerException("cannot create the folder of the ledger " + absolute, e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(60_000);
    Connection connection;
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + absolute, config.toProperties());
    } catch (SQLException e) {
      if (isNotADatabase(e)) {
        throw new IllegalArgumentException(absolute + " is not a dp4j ledger (not SQLite)", e);
      }
      throw new LedgerException("cannot open the ledger " + absolute, e);
    }
    PrivacyLedger ledger = new PrivacyLedger(absolute, connection);
    try {
      ledger.initSchema();
      ledger.write(ledger::reclaimStaleRunsIn);
    } catch (RuntimeException e) {
      ledger.closeConnection();
      throw e;
    }
    LOG.debug("opened privacy ledger {}", absolute);
    return ledger;
  }

  /** The ledger's database file. */
  public Path path() {
    return path;
  }

  /**
   * Registers a dataset composed with the {@linkplain #DEFAULT_ACCOUNTANT default accountant}.
   *
   * @see #createDataset(String, double, double, String)
   */
  public DatasetStatus createDataset(String name, double epsilonBudget, double delta) {
    return createDataset(name, epsilonBudget, delta, DEFAULT_ACCOUNTANT);
  }

  /**
   * Registers a dataset with a total (ε, δ) allowance.
   *
   * @param name a non-blank name without control characters, at most 200 characters
   * @param epsilonBudget the total ε, finite and &gt; 0
   * @param delta the δ, in (0, 1)
   * @param accountant "rdp" or "pld": the accountant that composes the dataset's runs
   * @return the new dataset's status
   * @throws IllegalArgumentException if an argument is invalid or the dataset already exists
   */
  public DatasetStatus createDataset(
      String name, double epsilonBudget, double delta, String accountant) {
    validateName(name);
    Arguments.requirePositive("epsilon", epsilonBudget);
    Arguments.requireOpenUnit("delta", delta);
    validateAccountant(accountant);
    write(
        c -> {
          if (datasetRow(c, name).isPresent()) {
            throw new IllegalArgumentException(
                "dataset '" + name + "' already exists in the ledger " + path);
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO datasets (name, epsilon_budget, delta, accountant, created_at)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, name);
            s.setDouble(2, epsilonBudget);
            s.setDouble(3, delta);
            s.setString(4, accountant);
            s.setString(5, Instant.now().toString());
            s.executeUpdate();
          }
          return null;
        });
    LOG.debug(
        "ledger {}: registered dataset '{}' with ε={} at δ={} ({})",
        path,
        name,
        epsilonBudget,
        delta,
        accountant);
    return dataset(name);
  }

  /**
   * The dataset's budget, spend and runs.
   *
   * @throws IllegalArgumentException if there is no such dataset
   */
  public DatasetStatus dataset(String name) {
    Objects.requireNonNull(name, "name");
    Snapshot snapshot =
        read(
            c -> {
              DatasetRow row = datasetRow(c, name).orElseThrow(() -> unknownDataset(name));
              return new Snapshot(row, runRows(c, row.id()));
            });
    return status(snapshot);
  }

  /** Every dataset's status, by name. */
  public List<DatasetStatus> datasets() {
    List<Snapshot> snapshots =
        read(
            c -> {
              List<DatasetRow> rows = new ArrayList<>();
              try (PreparedStatement s =
                      c.prepareStatement(
                          "SELECT id, name, epsilon_budget, delta, accountant, created_at"
                              + " FROM datasets ORDER BY name");
                  ResultSet r = s.executeQuery()) {
                while (r.next()) {
                  rows.add(datasetRow(r));
                }
              }
              List<Snapshot> result = new ArrayList<>();
              for (DatasetRow row : rows) {
                result.add(new Snapshot(row, runRows(c, row.id())));
              }
              return result;
            });
    List<DatasetStatus> result = new ArrayList<>();
    for (Snapshot s : snapshots) {
      result.add(status(s));
    }
    return result;
  }

  /**
   * Starts a run whose own ε is stated with the dataset's accountant.
   *
   * @see #startRun(String, String, String, DpEvent, long, String)
   */
  public RunCharge startRun(
      String dataset, String who, String what, DpEvent stepEvent, long plannedSteps) {
    String accountant =
        read(c -> datasetRow(c, dataset).orElseThrow(() -> unknownDataset(dataset))).accountant();
    return startRun(dataset, who, what, stepEvent, plannedSteps, accountant);
  }

  /**
   * Admits and starts a training run, or refuses it before it starts.
   *
   * <p>The dataset's accountant is composed with the steps charged to every run, the full plans of
   * runs still running, and {@code plannedSteps} of {@code stepEvent}; if ε at the dataset's δ
   * exceeds the budget, the run is refused and nothing is recorded. Otherwise the run is recorded
   * as running, reserving its plan, with 0 steps charged.
   *
   * @param dataset the dataset's name
   * @param who who runs it (user or service)
   * @param what what it trains (model, job, commit)
   * @param stepEvent the DP event of one training step, e.g. {@code new PoissonSampledDpEvent(q,
   *     new GaussianDpEvent(sigma))}
   * @param plannedSteps the steps the run may take, &gt;= 1
   * @param accountant "rdp" or "pld": the accountant the run's own ε is stated with
   * @return the open charge; record steps on it as they start, then finish and close it
   * @throws BudgetExceededException if the plan does not fit in the remaining budget
   * @throws IllegalArgumentException if the dataset does not exist, an argument is invalid, or the
   *     accountants do not support the event
   */
  public RunCharge startRun(
      String dataset,
      String who,
      String what,
      DpEvent stepEvent,
      long plannedSteps,
      String accountant) {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(who, "who");
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(stepEvent, "stepEvent");
    Arguments.requirePositive("plannedSteps", plannedSteps);
    validateAccountant(accountant);
    String eventJson = PrivacyAccountants.eventToJson(stepEvent);
    Double q = samplingProbability(stepEvent);
    Double sigma = noiseMultiplier(stepEvent);
    synchronized (this) {
      ensureOpen();
      RunCharge charge =
          write(
              c -> {
                reclaimStaleRunsIn(c);
                DatasetRow row = datasetRow(c, dataset).orElseThrow(() -> unknownDataset(dataset));
                List<RunRow> runs = runRows(c, row.id());
                double planned =
                    epsilonOf(
                        List.of(new Charge(stepEvent, plannedSteps)), accountant, row.delta());
                double spent = epsilonOf(charged(runs), row.accountant(), row.delta());
                List<Charge> committed = committed(runs);
                double committedEpsilon = epsilonOf(committed, row.accountant(), row.delta());
                List<Charge> after = new ArrayList<>(committed);
                after.add(new Charge(stepEvent, plannedSteps));
                double afterEpsilon = epsilonOf(after, row.accountant(), row.delta());
                // A run the accountants cannot bound (ε +∞, or NaN) is never admitted, whatever
                // the composition says.
                if (!(planned <= row.epsilonBudget() && afterEpsilon <= row.epsilonBudget())) {
                  throw new BudgetExceededException(
                      dataset,
                      row.epsilonBudget(),
                      row.delta(),
                      spent,
                      committedEpsilon,
                      plannedSteps,
                      planned,
                      afterEpsilon);
                }
                String now = Instant.now().toString();
                long id;
                try (PreparedStatement s =
                    c.prepareStatement(
                        "INSERT INTO runs (dataset_id, who, what, started_at, updated_at,"
                            + " step_event, q, sigma, planned_steps, steps, accountant, status,"
                            + " host, pid, pid_started)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'running', ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
                  s.setLong(1, row.id());
                  s.setString(2, who);
                  s.setString(3, what);
                  s.setString(4, now);
                  s.setString(5, now);
                  s.setString(6, eventJson);
                  setNullableDouble(s, 7, q);
                  setNullableDouble(s, 8, sigma);
                  s.setLong(9, plannedSteps);
                  s.setString(10, accountant);
                  s.setString(11, host);
                  s.setLong(12, pid);
                  if (pidStarted == null) {
                    s.setNull(13, Types.INTEGER);
                  } else {
                    s.setLong(13, pidStarted);
                  }
                  s.executeUpdate();
                  try (ResultSet keys = s.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                  }
                }
                LOG.info(
                    "ledger {}: dataset '{}' run {} started by {} ({}): {} steps planned, ε {}"
                        + " alone, dataset ε at most {} of {} after it",
                    path,
                    dataset,
                    id,
                    who,
                    what,
                    plannedSteps,
                    planned,
                    afterEpsilon,
                    row.epsilonBudget());
                return new RunCharge(this, id, dataset, plannedSteps);
              });
      openCharges.add(charge);
      return charge;
    }
  }

  /**
   * Closes a running run as interrupted, charging the steps it recorded; for a run whose process
   * died on another host (runs of this host are reclaimed automatically). If that process is in
   * fact alive, its next {@link RunCharge#recordSteps} fails, so it stops before releasing another
   * step.
   *
   * @return true if the run was running and is now interrupted
   * @throws IllegalArgumentException if there is no run with this id
   */
  public boolean interruptRun(long runId) {
    return write(
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT status FROM runs WHERE id = ?")) {
            s.setLong(1, runId);
            try (ResultSet r = s.executeQuery()) {
              if (!r.next()) {
                throw new IllegalArgumentException("no run " + runId + " in the ledger " + path);
              }
            }
          }
          return endRun(c, runId, RunStatus.INTERRUPTED) == 1;
        });
  }

  /**
   * Marks as interrupted the running runs of this host whose process is gone, charging the steps
   * they recorded, so that their unspent plans stop being reserved.
   *
   * @return how many runs were reclaimed
   */
  public int reclaimStaleRuns() {
    return write(this::reclaimStaleRunsIn);
  }

  /**
   * Closes the ledger. Runs still open through this ledger are closed as interrupted (charged their
   * recorded steps) first.
   */
  @Override
  public void close() {
    List<RunCharge> charges;
    synchronized (this) {
      if (closed) {
        return;
      }
      charges = List.copyOf(openCharges);
    }
    for (RunCharge charge : charges) {
      try {
        charge.close();
      } catch (RuntimeException e) {
        LOG.warn("ledger {}: could not close run {}", path, charge.id(), e);
      }
    }
    synchronized (this) {
      if (!closed) {
        closed = true;
        closeConnection();
      }
    }
  }

  // ---- used by RunCharge ----

  /** Sets the run's charged steps to {@code steps} if it is still running; one transaction. */
  synchronized void recordSteps(long runId, long steps) {
    ensureOpen();
    write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE runs SET steps = ?, updated_at = ? WHERE id = ? AND status = 'running'"
                      + " AND steps <= ?")) {
            s.setLong(1, steps);
            s.setString(2, Instant.now().toString());
            s.setLong(3, runId);
            s.setLong(4, steps);
            if (s.executeUpdate() != 1) {
              throw new IllegalStateException(
                  "run "
                      + runId
                      + " is no longer running in the ledger "
                      + path
                      + " (closed or reclaimed); it must not take more steps");
            }
          }
          return null;
        });
  }

  /** Ends the run with {@code status} if it is still running. */
  synchronized boolean endRun(RunCharge charge, RunStatus status) {
    ensureOpen();
    openCharges.remove(charge);
    boolean ended = write(c -> endRun(c, charge.id(), status) == 1);
    LOG.info("ledger {}: run {} {}", path, charge.id(), status.label());
    return ended;
  }

  /** The value of a PRAGMA on this ledger's connection (for tests). */
  String pragma(String name) {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("pragma name must be [a-z_]+, got " + name);
    }
    return read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet r = s.executeQuery("PRAGMA " + name)) {
            return r.getString(1);
          }
        });
  }

  // ---- internals ----

  private int endRun(Connection c, long runId, RunStatus status) throws SQLException {
    String now = Instant.now().toString();
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE runs SET status = ?, ended_at = ?, updated_at = ?"
                + " WHERE id = ? AND status = 'running'")) {
      s.setString(1, status.label());
      s.setString(2, now);
      s.setString(3, now);
      s.setLong(4, runId);
      return s.executeUpdate();
    }
  }

  private int reclaimStaleRunsIn(Connection c) throws SQLException {
    List<long[]> stale = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT id, pid, pid_started FROM runs WHERE status = 'running' AND host = ?")) {
      s.setString(1, host);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          long runPid = r.getLong(2);
          long started = r.getLong(3);
          Long runStarted = r.wasNull() ? null : started;
          if (!alive(runPid, runStarted)) {
            stale.add(new long[] {r.getLong(1), runPid});
          }
        }
      }
    }
    for (long[] run : stale) {
      endRun(c, run[0], RunStatus.INTERRUPTED);
      LOG.warn(
          "ledger {}: run {} of process {} was left running by a process that is gone;"
              + " marked interrupted, charged its recorded steps",
          path,
          run[0],
          run[1]);
    }
    return stale.size();
  }

  private boolean alive(long runPid, Long runStarted) {
    if (runPid == pid && Objects.equals(runStarted, pidStarted)) {
      return true;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(runPid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    if (runStarted == null) {
      return true; // cannot tell a reused pid apart: keep the reservation (safe)
    }
    Optional<Long> started = startMillis(handle.get());
    return started.isEmpty() || started.get().equals(runStarted);
  }

  private static Optional<Long> startMillis(ProcessHandle handle) {
    return handle.info().startInstant().map(Instant::toEpochMilli);
  }

  private void initSchema() {
    write(
        c -> {
          int version;
          int applicationId;
          try (Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
              version = r.getInt(1);
            }
            try (ResultSet r = s.executeQuery("PRAGMA application_id")) {
              applicationId = r.getInt(1);
            }
          }
          if (version == 0 && applicationId == 0) {
            boolean empty;
            try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
              empty = r.getInt(1) == 0;
            }
            if (!empty) {
              throw new IllegalArgumentException(
                  path + " is an SQLite database but not a dp4j ledger");
            }
            try (Statement s = c.createStatement()) {
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
            throw new IllegalArgumentException(
                path + " is an SQLite database but not a dp4j ledger");
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
        });
  }

  private DatasetStatus status(Snapshot snapshot) {
    DatasetRow row = snapshot.dataset();
    List<RunRecord> runs = new ArrayList<>();
    for (RunRow run : snapshot.runs()) {
      double epsilon =
          epsilonOf(List.of(new Charge(run.event(), run.steps())), run.accountant(), row.delta());
      runs.add(
          new RunRecord(
              run.id(),
              run.who(),
              run.what(),
              run.started(),
              run.ended(),
              run.event(),
              run.q(),
              run.sigma(),
              run.plannedSteps(),
              run.steps(),
              run.accountant(),
              run.status(),
              epsilon));
    }
    double spent = epsilonOf(charged(snapshot.runs()), row.accountant(), row.delta());
    double committed = epsilonOf(committed(snapshot.runs()), row.accountant(), row.delta());
    return new DatasetStatus(
        row.name(),
        row.epsilonBudget(),
        row.delta(),
        row.accountant(),
        row.created(),
        spent,
        committed,
        row.epsilonBudget() - spent,
        runs);
  }

  /** What each run is charged: its recorded steps. */
  private static List<Charge> charged(List<RunRow> runs) {
    List<Charge> charges = new ArrayList<>();
    for (RunRow run : runs) {
      charges.add(new Charge(run.event(), run.steps()));
    }
    return charges;
  }

  /** What each run holds against the budget: its plan while running, else its recorded steps. */
  private static List<Charge> committed(List<RunRow> runs) {
    List<Charge> charges = new ArrayList<>();
    for (RunRow run : runs) {
      long steps = run.status() == RunStatus.RUNNING ? run.plannedSteps() : run.steps();
      charges.add(new Charge(run.event(), steps));
    }
    return charges;
  }

  /**
   * ε at {@code delta} of one accountant composed with all the charges; 0 if nothing ran. Where PLD
   * has no bound (+∞ beyond its work limit), the RDP bound of the same charges is taken: both are
   * upper bounds. +∞ when neither bounds it (never NaN).
   */
  static double epsilonOf(List<Charge> charges, String method, double delta) {
    double epsilon = composedEpsilon(charges, method, delta);
    if (!(epsilon < Double.POSITIVE_INFINITY) && accountantKind(method) == AccountantKind.PLD) {
      epsilon = composedEpsilon(charges, AccountantKind.RDP.serializedName(), delta);
    }
    return Double.isNaN(epsilon) ? Double.POSITIVE_INFINITY : epsilon;
  }

  private static double composedEpsilon(List<Charge> charges, String method, double delta) {
    PrivacyAccountant accountant = newAccountant(method);
    boolean any = false;
    for (Charge charge : charges) {
      if (charge.steps() > 0) {
        accountant.compose(charge.event(), charge.steps());
        any = true;
      }
    }
    return any ? accountant.epsilon(delta) : 0.0;
  }

  static PrivacyAccountant newAccountant(String method) {
    return accountantKind(method).newAccountant();
  }

  private static void validateAccountant(String accountant) {
    accountantKind(accountant);
  }

  /**
   * The kind an accountant column holds: {@code "rdp"} or {@code "pld"} ("none" composes nothing).
   */
  private static AccountantKind accountantKind(String name) {
    if (AccountantKind.RDP.serializedName().equals(name)) {
      return AccountantKind.RDP;
    }
    if (AccountantKind.PLD.serializedName().equals(name)) {
      return AccountantKind.PLD;
    }
    throw new IllegalArgumentException(
        "accountant must be \"rdp\" or \"pld\", got \"" + name + "\"");
  }

  private static void validateName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("dataset name must not be blank");
    }
    if (name.length() > 200 || name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "dataset name must be at most 200 characters without control characters, got \""
              + name.replaceAll("\\p{Cntrl}", "?")
              + "\"");
    }
  }

  private IllegalArgumentException unknownDataset(String name) {
    return new IllegalArgumentException("no dataset '" + name + "' in the ledger " + path);
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

  private static Optional<DatasetRow> datasetRow(Connection c, String name) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT id, name, epsilon_budget, delta, accountant, created_at FROM datasets"
                + " WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(datasetRow(r)) : Optional.empty();
      }
    }
  }

  private static DatasetRow datasetRow(ResultSet r) throws SQLException {
    return new DatasetRow(
        r.getLong(1),
        r.getString(2),
        r.getDouble(3),
        r.getDouble(4),
        r.getString(5),
        Instant.parse(r.getString(6)));
  }

  private static List<RunRow> runRows(Connection c, long datasetId) throws SQLException {
    List<RunRow> rows = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT " + RUN_COLUMNS + " FROM runs WHERE dataset_id = ? ORDER BY id")) {
      s.setLong(1, datasetId);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String ended = r.getString(5);
          double q = r.getDouble(7);
          Double qOrNull = r.wasNull() ? null : q;
          double sigma = r.getDouble(8);
          Double sigmaOrNull = r.wasNull() ? null : sigma;
          rows.add(
              new RunRow(
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
        }
      }
    }
    return rows;
  }

  private static void setNullableDouble(PreparedStatement s, int index, Double value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.REAL);
    } else {
      s.setDouble(index, value);
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in a write transaction (BEGIN IMMEDIATE: the database's write lock). */
  private synchronized <T> T write(Work<T> work) {
    return transaction("BEGIN IMMEDIATE", work);
  }

  /** Runs {@code work} in a read transaction: one consistent snapshot. */
  private synchronized <T> T read(Work<T> work) {
    return transaction("BEGIN DEFERRED", work);
  }

  private <T> T transaction(String begin, Work<T> work) {
    ensureOpen();
    try {
      try (Statement s = connection.createStatement()) {
        s.execute(begin);
      }
      T result;
      try {
        result = work.run(connection);
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
      if (isNotADatabase(e)) {
        throw new IllegalArgumentException(path + " is not a dp4j ledger (not SQLite)", e);
      }
      throw new LedgerException("privacy ledger " + path + ": " + e.getMessage(), e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the privacy ledger " + path + " is closed");
    }
  }

  private void closeConnection() {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("ledger {}: closing the database failed", path, e);
    }
  }

  private static boolean isNotADatabase(SQLException e) {
    return e.getErrorCode() == SQLiteErrorCode.SQLITE_NOTADB.code;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env != null ? env : "unknown";
    }
  }

  record Charge(DpEvent event, long steps) {}

  private record DatasetRow(
      long id,
      String name,
      double epsilonBudget,
      double delta,
      String accountant,
      Instant created) {}

  private record RunRow(
      long id,
      String who,
      String what,
      Instant started,
      Instant ended,
      DpEvent event,
      Double q,
      Double sigma,
      long plannedSteps,
      long steps,
      String accountant,
      RunStatus status) {}

  private record Snapshot(DatasetRow dataset, List<RunRow> runs) {}
}
