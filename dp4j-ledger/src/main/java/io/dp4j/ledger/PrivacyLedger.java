package io.dp4j.ledger;

import io.dp4j.accounting.Arguments;
import io.dp4j.accounting.DpEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent privacy budget ledger: datasets registered with a total (ε, δ) allowance and every
 * training run charged against it. This class composes the parts: a {@link LedgerStore} (SQLite
 * today), the {@link AdmissionPolicy}, the {@link StaleRunReaper} and the file checks of {@link
 * LedgerPaths}.
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
 * (charged their recorded steps) when a ledger is opened for writing and before each admission; a
 * run of another host is closed with {@link #interruptRun}.
 *
 * <p><b>The file.</b> Only a path where nothing exists is made into a new ledger. An existing empty
 * (0-byte) file is refused, since a ledger that lost its content would give its datasets their
 * whole budget back; a damaged one is named as damaged with nothing written; a write-protected one
 * can be opened with {@link #openForReading} and not recorded in. These fail with a {@link
 * LedgerException} whose {@link LedgerException#problem()} says which.
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
  public static final String DEFAULT_ACCOUNTANT = "rdp";

  private static final Logger LOG = LoggerFactory.getLogger(PrivacyLedger.class);

  private final LedgerStore store;
  private final ProcessIdentity self;
  private final StaleRunReaper reaper;
  private final Set<RunCharge> openCharges = new LinkedHashSet<>();
  private boolean closed;

  private PrivacyLedger(LedgerStore store) {
    this.store = store;
    this.self = ProcessIdentity.current();
    this.reaper = new StaleRunReaper(self, store.path());
  }

  /**
   * The default ledger file: the system property {@value #PATH_PROPERTY}, else the environment
   * variable {@value #PATH_ENV}, else {@code $XDG_DATA_HOME/dp4j/ledger.db}, else {@code
   * ~/.local/share/dp4j/ledger.db}.
   */
  public static Path defaultPath() {
    return LedgerPaths.defaultPath();
  }

  /** Opens (creating if needed) the ledger at {@link #defaultPath()}. */
  public static PrivacyLedger open() {
    return open(defaultPath());
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
    PrivacyLedger ledger = new PrivacyLedger(SqliteLedgerStore.open(absolute, false));
    try {
      ledger.store.write(ledger.reaper::reap);
    } catch (RuntimeException e) {
      ledger.store.close();
      throw e;
    }
    LOG.debug("opened privacy ledger {}", absolute);
    return ledger;
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

  /** The ledger's database file. */
  public Path path() {
    return store.path();
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
                "dataset '" + name + "' already exists in the ledger " + path());
          }
          tx.insertDataset(name, epsilonBudget, delta, accountant, Instant.now());
          return null;
        });
    LOG.debug(
        "ledger {}: registered dataset '{}' with ε={} at δ={} ({})",
        path(),
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
                StoredDataset row = tx.dataset(dataset).orElseThrow(() -> unknownDataset(dataset));
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
                    path(),
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
        tx -> {
          if (!tx.runExists(runId)) {
            throw new IllegalArgumentException("no run " + runId + " in the ledger " + path());
          }
          return tx.endRun(runId, RunStatus.INTERRUPTED, Instant.now());
        });
  }

  /**
   * Marks as interrupted the running runs of this host whose process is gone, charging the steps
   * they recorded, so that their unspent plans stop being reserved.
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
        LOG.warn("ledger {}: could not close run {}", path(), charge.id(), e);
      }
    }
    synchronized (this) {
      if (!closed) {
        closed = true;
        store.close();
      }
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
                    + path()
                    + " (closed or reclaimed); it must not take more steps");
          }
          return null;
        });
  }

  /** Ends the run with {@code status} if it is still running. */
  synchronized boolean endRun(RunCharge charge, RunStatus status) {
    ensureOpen();
    openCharges.remove(charge);
    boolean ended = write(tx -> tx.endRun(charge.id(), status, Instant.now()));
    LOG.info("ledger {}: run {} {}", path(), charge.id(), status.label());
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
      throw new IllegalStateException("the privacy ledger " + path() + " is closed");
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
    return new IllegalArgumentException("no dataset '" + name + "' in the ledger " + path());
  }
}
