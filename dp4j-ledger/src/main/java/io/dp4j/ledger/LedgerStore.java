package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the ledger's datasets and runs are kept: transactions over their rows, and nothing about
 * budgets or processes. {@link SqliteLedgerStore} is the one implementation today; a server
 * database (PostgreSQL for teams) implements the same transactions.
 *
 * <p>Every read or write happens inside {@link #read} (one consistent snapshot) or {@link #write}
 * (the database's write lock, so a check and the insert that depends on it cannot interleave with
 * another process's); a failure rolls the transaction back.
 */
interface LedgerStore extends AutoCloseable {

  /** The store's location, for messages. */
  Path path();

  /** True if the store was opened for reading only: {@link #write} throws. */
  boolean readOnly();

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

    /** Every dataset, by name. */
    List<StoredDataset> datasets() throws SQLException;

    /** The dataset's runs, oldest first. */
    List<StoredRun> runs(long datasetId) throws SQLException;

    void insertDataset(
        String name, double epsilonBudget, double delta, String accountant, Instant created)
        throws SQLException;

    /** Records a new run as running with 0 steps; returns its id. */
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

    /** Sets a running run's steps if they do not go down; false if it is not running. */
    boolean recordSteps(long runId, long steps, Instant now) throws SQLException;

    /** Ends a running run with {@code status}; false if it was not running. */
    boolean endRun(long runId, RunStatus status, Instant now) throws SQLException;

    boolean runExists(long runId) throws SQLException;

    /** The running runs recorded by processes of {@code host}. */
    List<RunningRun> runningRunsOf(String host) throws SQLException;
  }

  /** A running run's id and the process that recorded it. */
  record RunningRun(long id, long pid, Long pidStarted) {}
}
