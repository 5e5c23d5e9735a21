package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountants;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The row operations both stores share, in the SQL both databases read: one transaction's
 * statements on one connection. Each store adds how a dataset is locked, how a run's lease is kept,
 * and what a row that cannot be decoded means.
 */
abstract class JdbcRows implements LedgerStore.Transaction {
  static final String DATASET_COLUMNS = "id, name, epsilon_budget, delta, accountant, created_at";

  static final String RUN_COLUMNS =
      "id, who, what, started_at, ended_at, step_event, q, sigma, planned_steps, steps,"
          + " accountant, status";

  final Connection connection;

  JdbcRows(Connection connection) {
    this.connection = connection;
  }

  /**
   * Runs {@code work} on {@code rows} in one transaction opened by {@code begin}: committed if it
   * returns, rolled back (and the failure rethrown) if it throws. Retrying and translating errors
   * is each store's own.
   */
  static <T> T inTransaction(String begin, JdbcRows rows, LedgerStore.Work<T> work)
      throws SQLException {
    Connection c = rows.connection;
    try (Statement s = c.createStatement()) {
      s.execute(begin);
    }
    T result;
    try {
      result = work.run(rows);
    } catch (SQLException | RuntimeException | Error e) {
      try (Statement s = c.createStatement()) {
        s.execute("ROLLBACK");
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
    try (Statement s = c.createStatement()) {
      s.execute("COMMIT");
    }
    return result;
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
   * A row the database reads but dp4j cannot decode (a time that is not a time, a missing value, an
   * unknown status): the ledger was changed outside dp4j or damaged.
   */
  abstract LedgerException undecodable(String table, RuntimeException e);

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

  /**
   * The SQL value of a lease that starts now: an expression on the server's clock, or NULL where
   * runs hold no lease (liveness is then by process).
   */
  abstract String leaseExpiry();

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
                + " host, pid, pid_started, lease_expires_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'running', ?, ?, ?, "
                + leaseExpiry()
                + ")",
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
            "UPDATE runs SET steps = ?, updated_at = ?, lease_expires_at = "
                + leaseExpiry()
                + " WHERE id = ? AND status = 'running' AND steps <= ?")) {
      s.setLong(1, steps);
      s.setString(2, now.toString());
      s.setLong(3, runId);
      s.setLong(4, steps);
      return s.executeUpdate() == 1;
    }
  }

  @Override
  public boolean endRun(long runId, RunStatus status, Instant now, String reason)
      throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE runs SET status = ?, ended_at = ?, updated_at = ?, end_reason = ?"
                + " WHERE id = ? AND status = 'running'")) {
      s.setString(1, status.label());
      s.setString(2, now.toString());
      s.setString(3, now.toString());
      s.setString(4, reason);
      s.setLong(5, runId);
      return s.executeUpdate() == 1;
    }
  }

  @Override
  public Optional<String> datasetOfRun(long runId) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT d.name FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?")) {
      s.setLong(1, runId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    }
  }

  @Override
  public List<LedgerStore.RunningRun> runningRunsOf(String host) throws SQLException {
    List<LedgerStore.RunningRun> running = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT id, pid, pid_started FROM runs WHERE status = 'running' AND host = ?")) {
      s.setString(1, host);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          long started = r.getLong(3);
          running.add(
              new LedgerStore.RunningRun(r.getLong(1), r.getLong(2), r.wasNull() ? null : started));
        }
      }
    }
    return running;
  }

  @Override
  public int renewLeases(List<Long> runIds) throws SQLException {
    int renewed = 0;
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE runs SET lease_expires_at = "
                + leaseExpiry()
                + " WHERE id = ? AND status = 'running' AND lease_expires_at IS NOT NULL")) {
      for (long id : runIds) {
        s.setLong(1, id);
        renewed += s.executeUpdate();
      }
    }
    return renewed;
  }

  @Override
  public List<Long> endExpiredRuns(String reason) throws SQLException {
    List<Long> expired = new ArrayList<>();
    try (PreparedStatement s =
            connection.prepareStatement(
                "SELECT id FROM runs WHERE status = 'running'"
                    + " AND lease_expires_at < CURRENT_TIMESTAMP ORDER BY id");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        expired.add(r.getLong(1));
      }
    }
    List<Long> ended = new ArrayList<>();
    for (long id : expired) {
      // another host may have ended it meanwhile: only the runs this transaction ended count
      if (endRun(id, RunStatus.INTERRUPTED, Instant.now(), reason)) {
        ended.add(id);
      }
    }
    return ended;
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
