package io.dp4j.ledger;

import io.dp4j.accounting.Arguments;
import io.dp4j.accounting.DpEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent privacy budget ledger: datasets registered with a total (ε, δ) allowance and every
 * training run charged against it. This class composes the parts: a {@link LedgerStore} (an SQLite
 * file on this host, or a PostgreSQL database that a team's hosts share), the {@link
 * AdmissionPolicy}, a {@link RunReaper} and the file checks of {@link LedgerPaths}.
 *
 * <p><b>Composition.</b> A dataset's spend is the ε, at the dataset's δ, of one accountant (the
 * dataset's {@code accountant}, "rdp" by default) composed with every run's step event, each run
 * for the steps it was charged. ε's of separate runs are never added: composition in the accountant
 * is tighter than the sum.
 *
 * <p><b>Admission.</b> {@link #startRun} composes everything charged, the full plans of runs still
 * running, and the new run's plan; if the result exceeds the budget, the run is refused with a
 * {@link BudgetExceededException} carrying the numbers, before anything is recorded. The check and
 * the insertion happen in one write transaction that holds the dataset (SQLite: the file's write
 * lock; PostgreSQL: a lock on the dataset), so two processes or hosts starting runs on the same
 * dataset cannot both slip under the budget.
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
 * reserved until it is reclaimed, marked interrupted (charged its recorded steps) when a ledger is
 * opened for writing and before each admission. In a file, a run is dead when its process on this
 * host is gone; a run of another host is closed with {@link #releaseRun}. On a server, a run holds
 * a lease that its ledger's heartbeat and its recorded steps renew; it is dead once the lease
 * expired (by the server's clock), whichever host ran it.
 *
 * <p><b>The file.</b> Only a path where nothing exists is made into a new ledger. An existing empty
 * (0-byte) file is refused, since a ledger that lost its content would give its datasets their
 * whole budget back; a damaged one is named as damaged with nothing written; a write-protected one
 * can be opened with {@link #openForReading} and not recorded in. These fail with a {@link
 * LedgerException} whose {@link LedgerException#problem()} says which.
 *
 * <p><b>Storage.</b> A location is a file path or a {@code jdbc:postgresql://} URL. A file is one
 * SQLite database (WAL journal, {@code synchronous=FULL}: every committed transaction is on disk
 * when the call returns); several processes may share it on a local file system (SQLite's WAL mode
 * does not support network file systems). A PostgreSQL database is the shared ledger of a team:
 * every host charges the same budget; see {@link PostgresLedgerStore}. Both keep history
 * append-only in the database itself. A ledger object is thread-safe; it holds one connection (and,
 * on a server, a heartbeat thread), closed by {@link #close()}.
 */
public final class PrivacyLedger implements AutoCloseable {
  /** System property naming the default ledger file. */
  public static final String PATH_PROPERTY = "dp4j.ledger";

  /**
   * Environment variable naming the default ledger, a file or a {@code jdbc:postgresql://} URL
   * (after the system property).
   */
  public static final String PATH_ENV = "DP4J_LEDGER";

  /**
   * How long a run of a shared ledger stays alive without a heartbeat, unless given to {@link
   * #open(String, Duration)}: a run of a host that died holds its plan this long at most.
   */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(1);

  /** The accountant a dataset composes with unless told otherwise. */
  public static final String DEFAULT_ACCOUNTANT = "rdp";

  private static final Logger LOG = LoggerFactory.getLogger(PrivacyLedger.class);

  private final LedgerStore store;
  private final ProcessIdentity self;
  private final RunReaper reaper;
  private final Set<RunCharge> openCharges = new LinkedHashSet<>();
  private Heartbeat heartbeat; // a shared ledger opened for writing only
  private boolean closed;

  private PrivacyLedger(LedgerStore store) {
    this.store = store;
    this.self = ProcessIdentity.current();
    this.reaper =
        store.lease().isPresent()
            ? new ExpiredLeaseReaper(store.location())
            : new StaleRunReaper(self, store.location());
  }

  /** The ledger over a writable store: dead runs reclaimed, leases kept by a heartbeat. */
  private static PrivacyLedger writable(LedgerStore store) {
    PrivacyLedger ledger = new PrivacyLedger(store);
    try {
      store.write(ledger.reaper::reap);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    store
        .lease()
        .ifPresent(lease -> ledger.heartbeat = new Heartbeat(lease.dividedBy(3), ledger::beat));
    LOG.debug("opened privacy ledger {}", store.location());
    return ledger;
  }

  /**
   * The default ledger: the system property {@value #PATH_PROPERTY}, else the environment variable
   * {@value #PATH_ENV} (a file or a {@code jdbc:postgresql://} URL), else {@code
   * $XDG_DATA_HOME/dp4j/ledger.db}, else {@code ~/.local/share/dp4j/ledger.db}.
   */
  public static String defaultLocation() {
    return LedgerPaths.defaultLocation();
  }

  /**
   * The default ledger file, as {@link #defaultLocation()}.
   *
   * @throws IllegalStateException if the default ledger is a database server, not a file
   */
  public static Path defaultPath() {
    String location = defaultLocation();
    if (PostgresLedgerStore.names(location)) {
      throw new IllegalStateException(
          "the default ledger " + PostgresLedgerStore.redact(location) + " is not a file");
    }
    return Path.of(location);
  }

  /** Opens (creating if needed) the ledger at {@link #defaultLocation()}. */
  public static PrivacyLedger open() {
    return open(defaultLocation());
  }

  /**
   * Opens the ledger at {@code location}: a {@code jdbc:postgresql://HOST[:PORT]/DATABASE} URL
   * opens a shared ledger with the {@link #DEFAULT_LEASE}, anything else is a file ({@link
   * #open(Path)}).
   */
  public static PrivacyLedger open(String location) {
    return open(location, DEFAULT_LEASE);
  }

  /**
   * Opens the ledger at {@code location}, a file path or a {@code jdbc:postgresql://} URL (user and
   * password as URL parameters, or from {@code ~/.pgpass}).
   *
   * <p>A shared ledger connects to the server; a database without tables is made a ledger (which
   * needs the ledger admin role) and an older schema is upgraded. Runs started through it hold a
   * lease of {@code lease}, renewed by a heartbeat every third of it and by every recorded step; a
   * run whose lease expired is reclaimed by the next admission on any host.
   *
   * @param lease how long a run of a shared ledger stays alive without a heartbeat (ignored for a
   *     file, whose runs are alive while their process is), at least 1 ms
   * @throws LedgerException if the server cannot be reached or refuses the role, or as {@link
   *     #open(Path)} for a file
   * @throws IllegalArgumentException if the database or file holds something other than a dp4j
   *     ledger, or one written by a newer dp4j
   */
  public static PrivacyLedger open(String location, Duration lease) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(lease, "lease");
    if (PostgresLedgerStore.names(location)) {
      return writable(PostgresLedgerStore.open(location, false, lease));
    }
    return open(Path.of(location));
  }

  /**
   * Opens the ledger at {@code location} to read it: a shared ledger is only checked (nothing is
   * created, upgraded or reclaimed, so a role that may only read can list it); a file as {@link
   * #openForReading(Path)}.
   */
  public static PrivacyLedger openForReading(String location) {
    Objects.requireNonNull(location, "location");
    if (PostgresLedgerStore.names(location)) {
      return new PrivacyLedger(PostgresLedgerStore.open(location, true, DEFAULT_LEASE));
    }
    return openForReading(Path.of(location));
  }

  /**
   * Opens the ledger in the SQLite file {@code db} for reading and writing, creating the file, its
   * parent folders and the schema if nothing exists at {@code db}. Runs of dead processes on this
   * host are reclaimed.
   *
   * @throws IllegalArgumentException if the file exists and is not a dp4j ledger, or was written by
   *     a newer dp4j
   * @throws LedgerException if the file is empty (0 bytes), read-only or damaged, or cannot be
   *     opened
   */
  public static PrivacyLedger open(Path db) {
    Path absolute = Objects.requireNonNull(db, "db").toAbsolutePath();
    switch (LedgerPaths.stateOf(absolute)) {
      case EMPTY -> throw LedgerPaths.empty(absolute);
      case READ_ONLY -> throw LedgerPaths.readOnly(absolute, null);
      case MISSING -> LedgerPaths.createFolderOf(absolute);
      case WRITABLE -> {}
    }
    return writable(SqliteLedgerStore.open(absolute, false));
  }

  /**
   * Opens the ledger in {@code db} to read it ({@link #dataset}, {@link #datasets}). A
   * write-protected file is opened read-only: it can be read, and every write throws a {@link
   * LedgerException} saying the file is read-only; runs of dead processes then show as recorded
   * (running) until the ledger is next opened for writing. Otherwise the same as {@link
   * #open(Path)}.
   *
   * @throws IllegalArgumentException if the file exists and is not a dp4j ledger, or was written by
   *     a newer dp4j
   * @throws LedgerException if the file is empty (0 bytes) or damaged, or cannot be opened
   */
  public static PrivacyLedger openForReading(Path db) {
    Path absolute = Objects.requireNonNull(db, "db").toAbsolutePath();
    if (LedgerPaths.stateOf(absolute) != LedgerPaths.State.READ_ONLY) {
      return open(absolute);
    }
    LOG.debug("opened the read-only privacy ledger {}", absolute);
    return new PrivacyLedger(SqliteLedgerStore.open(absolute, true));
  }

  /**
   * The ledger's database file.
   *
   * @throws IllegalStateException if the ledger is on a database server: see {@link #location()}
   */
  public Path path() {
    if (store instanceof SqliteLedgerStore file) {
      return file.path();
    }
    throw new IllegalStateException("the ledger " + location() + " is a server, not a file");
  }

  /** Where the ledger is: its file, or its server's URL without a password. */
  public String location() {
    return store.location();
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
        tx -> {
          if (tx.dataset(name).isPresent()) {
            throw new IllegalArgumentException(
                "dataset '" + name + "' already exists in the ledger " + location());
          }
          tx.insertDataset(name, epsilonBudget, delta, accountant, Instant.now());
          return null;
        });
    LOG.debug(
        "ledger {}: registered dataset '{}' with ε={} at δ={} ({})",
        location(),
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
    return read(
        tx -> {
          StoredDataset row = tx.dataset(name).orElseThrow(() -> unknownDataset(name));
          return Composition.status(row, tx.runs(row.id()));
        });
  }

  /** Every dataset's status, by name. */
  public List<DatasetStatus> datasets() {
    return read(
        tx -> {
          List<DatasetStatus> result = new ArrayList<>();
          for (StoredDataset row : tx.datasets()) {
            result.add(Composition.status(row, tx.runs(row.id())));
          }
          return result;
        });
  }

  /**
   * Starts a run whose own ε is stated with the dataset's accountant.
   *
   * @see #startRun(String, String, String, DpEvent, long, String)
   */
  public RunCharge startRun(
      String dataset, String who, String what, DpEvent stepEvent, long plannedSteps) {
    String accountant =
        read(tx -> tx.dataset(dataset).orElseThrow(() -> unknownDataset(dataset))).accountant();
    return startRun(dataset, who, what, stepEvent, plannedSteps, accountant);
  }

  /**
   * Admits and starts a training run, or refuses it before it starts.
   *
   * <p>The run is admitted by the {@link AdmissionPolicy}: the dataset's accountant is composed
   * with the steps charged to every run, the full plans of runs still running, and {@code
   * plannedSteps} of {@code stepEvent}; if ε at the dataset's δ exceeds the budget, the run is
   * refused and nothing is recorded. Otherwise the run is recorded as running, reserving its plan,
   * with 0 steps charged.
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
    synchronized (this) {
      RunCharge charge =
          write(
              tx -> {
                reaper.reap(tx);
                StoredDataset row =
                    tx.lockDataset(dataset).orElseThrow(() -> unknownDataset(dataset));
                List<AdmissionPolicy.Reservation> reservations = new ArrayList<>();
                for (StoredRun run : tx.runs(row.id())) {
                  reservations.add(run.reservation());
                }
                AdmissionPolicy.Decision decision =
                    AdmissionPolicy.decide(
                        row.budget(), reservations, stepEvent, plannedSteps, accountant);
                if (!decision.admitted()) {
                  throw decision.refusal(dataset);
                }
                long id =
                    tx.insertRun(
                        row.id(),
                        who,
                        what,
                        stepEvent,
                        plannedSteps,
                        accountant,
                        self,
                        Instant.now());
                LOG.info(
                    "ledger {}: dataset '{}' run {} started by {} ({}): {} steps planned, ε {}"
                        + " alone, dataset ε at most {} of {} after it",
                    location(),
                    dataset,
                    id,
                    who,
                    what,
                    plannedSteps,
                    decision.epsilonPlannedRun(),
                    decision.epsilonAfterRun(),
                    row.epsilonBudget());
                return new RunCharge(this, id, dataset, plannedSteps);
              });
      openCharges.add(charge);
      return charge;
    }
  }

  /**
   * Closes a running run as interrupted, charging the steps it recorded.
   *
   * @return true if the run was running and is now interrupted
   * @throws IllegalArgumentException if there is no run with this id
   * @see #releaseRun(long, String)
   */
  public boolean interruptRun(long runId) {
    return releaseRun(runId, "interrupted through the ledger").isPresent();
  }

  /**
   * Ends a running run held by a host that is gone, as interrupted, charged the steps it recorded
   * (its unused plan stops being reserved), noting why. For a run whose lease has not yet expired
   * or whose process is on another host. If the trainer is in fact alive, its next {@link
   * RunCharge#recordSteps} fails, so it stops before releasing another step.
   *
   * @param reason why, kept with the run (e.g. "host gpu7 was decommissioned")
   * @return the run as now recorded, or empty if it was not running (finished or ended before)
   * @throws IllegalArgumentException if there is no run with this id, or the reason is blank
   */
  public Optional<RunRecord> releaseRun(long runId, String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("reason must not be blank: say why the run is released");
    }
    Optional<RunRecord> released =
        write(
            tx -> {
              String dataset =
                  tx.datasetOfRun(runId)
                      .orElseThrow(
                          () ->
                              new IllegalArgumentException(
                                  "no run " + runId + " in the ledger " + location()));
              if (!tx.endRun(runId, RunStatus.INTERRUPTED, Instant.now(), reason)) {
                return Optional.empty();
              }
              StoredDataset row = tx.dataset(dataset).orElseThrow();
              return Composition.status(row, tx.runs(row.id())).runs().stream()
                  .filter(r -> r.id() == runId)
                  .findFirst();
            });
    released.ifPresent(
        r ->
            LOG.warn(
                "ledger {}: run {} released ({}), charged {} of {} steps",
                location(),
                runId,
                reason,
                r.steps(),
                r.plannedSteps()));
    return released;
  }

  /**
   * Marks as interrupted the running runs whose trainer is gone (in a file: runs of this host whose
   * process is gone; on a server: runs whose lease expired), charging the steps they recorded, so
   * that their unspent plans stop being reserved.
   *
   * @return how many runs were reclaimed
   */
  public int reclaimStaleRuns() {
    return write(reaper::reap);
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
        LOG.warn("ledger {}: could not close run {}", location(), charge.id(), e);
      }
    }
    synchronized (this) {
      if (!closed) {
        closed = true;
        if (heartbeat != null) {
          heartbeat.close();
        }
        store.close();
      }
    }
  }

  /** Renews the leases of the runs open through this ledger (the heartbeat's beat). */
  private void beat() {
    List<Long> ids = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      for (RunCharge charge : openCharges) {
        ids.add(charge.id());
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    int renewed = write(tx -> tx.renewLeases(ids));
    if (renewed < ids.size()) {
      LOG.warn(
          "ledger {}: {} of the runs {} are no longer running (released or reclaimed); each stops"
              + " at its next recorded step",
          location(),
          ids.size() - renewed,
          ids);
    }
  }

  // ---- used by RunCharge ----

  /** Sets the run's charged steps to {@code steps} if it is still running; one transaction. */
  synchronized void recordSteps(long runId, long steps) {
    write(
        tx -> {
          if (!tx.recordSteps(runId, steps, Instant.now())) {
            throw new IllegalStateException(
                "run "
                    + runId
                    + " is no longer running in the ledger "
                    + location()
                    + " (closed, released or reclaimed); it must not take more steps");
          }
          return null;
        });
  }

  /** Ends the run with {@code status} if it is still running. */
  synchronized boolean endRun(RunCharge charge, RunStatus status) {
    ensureOpen();
    openCharges.remove(charge);
    boolean ended = write(tx -> tx.endRun(charge.id(), status, Instant.now(), null));
    LOG.info("ledger {}: run {} {}", location(), charge.id(), status.label());
    return ended;
  }

  /** The value of a PRAGMA on this ledger's SQLite connection (for tests). */
  String pragma(String name) {
    ensureOpen();
    return ((SqliteLedgerStore) store).pragma(name);
  }

  // ---- internals ----

  private synchronized <T> T write(LedgerStore.Work<T> work) {
    ensureOpen();
    return store.write(work);
  }

  private synchronized <T> T read(LedgerStore.Work<T> work) {
    ensureOpen();
    return store.read(work);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the privacy ledger " + location() + " is closed");
    }
  }

  private static void validateAccountant(String accountant) {
    if (!"rdp".equals(accountant) && !"pld".equals(accountant)) {
      throw new IllegalArgumentException(
          "accountant must be \"rdp\" or \"pld\", got \"" + accountant + "\"");
    }
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
    return new IllegalArgumentException("no dataset '" + name + "' in the ledger " + location());
  }
}
