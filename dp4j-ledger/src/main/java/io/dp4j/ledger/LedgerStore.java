package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the ledger's datasets and runs are kept: transactions over their rows, and nothing about
 * budgets. {@link SqliteLedgerStore} keeps them in one file on this host; {@link
 * PostgresLedgerStore} on a PostgreSQL server that several hosts share. Both keep the same tables
 * at the same schema version.
 *
 * <p>Every read or write happens inside {@link #read} (one consistent snapshot) or {@link #write};
 * a failure rolls the transaction back. A write transaction that reads a dataset with {@link
 * Transaction#lockDataset} holds that dataset until it commits, so a check and the insert that
 * depends on it cannot interleave with another process's.
 */
interface LedgerStore extends AutoCloseable {

  /** The store's location for messages: the file, or the server URL without its password. */
  String location();

  /** True if the store was opened for reading only: {@link #write} throws. */
  boolean readOnly();

  /**
   * How long a running run stays alive without a heartbeat, for a store shared between hosts; empty
   * for a store on this host, whose runs are alive while their process is.
   */
  Optional<Duration> lease();

  /** Runs {@code work} in a read transaction. */
  <T> T read(Work<T> work);

  /**
   * Runs {@code work} in a write transaction.
   *
   * @throws LedgerException with {@link LedgerException.Problem#READ_ONLY} on a read-only store
   */
  <T> T write(Work<T> work);

  @Override
  void close();

  @FunctionalInterface
  interface Work<T> {
    T run(Transaction tx) throws SQLException;
  }

  /** The row operations of one transaction. */
  interface Transaction {
    Optional<StoredDataset> dataset(String name) throws SQLException;

    /**
     * The dataset, held by this write transaction until it ends: another transaction locking it
     * waits. Admission reads the dataset this way before it reads the runs and inserts one.
     */
    Optional<StoredDataset> lockDataset(String name) throws SQLException;

    /** Every dataset, by name. */
    List<StoredDataset> datasets() throws SQLException;

    /** The dataset's runs, oldest first. */
    List<StoredRun> runs(long datasetId) throws SQLException;

    void insertDataset(
        String name, double epsilonBudget, double delta, String accountant, Instant created)
        throws SQLException;

    /**
     * Records a new run as running with 0 steps (holding a fresh lease where the store has leases);
     * returns its id.
     */
    long insertRun(
        long datasetId,
        String who,
        String what,
        DpEvent stepEvent,
        long plannedSteps,
        String accountant,
        ProcessIdentity owner,
        Instant now)
        throws SQLException;

    /**
     * Sets a running run's steps if they do not go down (and renews its lease); false if it is not
     * running.
     */
    boolean recordSteps(long runId, long steps, Instant now) throws SQLException;

    /**
     * Ends a running run with {@code status}, noting {@code reason} (may be null); false if it was
     * not running.
     */
    boolean endRun(long runId, RunStatus status, Instant now, String reason) throws SQLException;

    /** The name of the run's dataset; empty if there is no such run. */
    Optional<String> datasetOfRun(long runId) throws SQLException;

    /** The running runs recorded by processes of {@code host}. */
    List<RunningRun> runningRunsOf(String host) throws SQLException;

    /**
     * Extends the leases of those of {@code runIds} still running by the store's lease, from the
     * server's clock; returns how many. A store without leases has nothing to renew: 0.
     */
    int renewLeases(List<Long> runIds) throws SQLException;

    /**
     * Ends as interrupted the running runs whose lease expired by the server's clock, noting {@code
     * reason}; returns their ids. A store without leases has none.
     */
    List<Long> endExpiredRuns(String reason) throws SQLException;
  }

  /** A running run's id and the process that recorded it. */
  record RunningRun(long id, long pid, Long pidStarted) {}
}
