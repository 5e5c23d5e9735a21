package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the PostgreSQL store does: roles, a server that goes away, its own messages. */
class PostgresLedgerTest {
  @TempDir Path dir;

  /** The SQL blocks of the docs' shared-ledger section, in order. */
  private static List<String> documentedSql() throws IOException {
    String docs = Files.readString(Path.of("..", "docs", "private-tabular.md"));
    String section = docs.substring(docs.indexOf("## Shared ledger"));
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(section);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  private static void run(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (String statement : sql.split(";")) {
        if (!statement.isBlank()) {
          s.execute(statement);
        }
      }
    }
  }

  @Test
  void theDocumentedClientRoleTrainsButCannotRewriteOrDeleteCharges() throws Exception {
    List<String> sql = documentedSql();
    assertThat(sql).hasSize(3);
    EmbeddedPostgres server = PostgresTestServer.server();
    run(server.getJdbcUrl("postgres", "postgres"), sql.get(0)); // roles and database
    run(server.getJdbcUrl("postgres", "dp4j_ledger"), sql.get(1)); // closed to others
    String admin = server.getJdbcUrl("dp4j_ledger_admin", "dp4j_ledger");
    String alice = server.getJdbcUrl("alice", "dp4j_ledger");
    long finished;
    try (PrivacyLedger ledger = PrivacyLedger.open(admin)) {
      ledger.createDataset("census", 3.0, 1e-5);
    }
    run(admin, sql.get(2)); // the client role's grants

    try (PrivacyLedger ledger = PrivacyLedger.open(alice)) {
      try (RunCharge run =
          ledger.startRun("census", "alice", "logreg", LedgerContractTest.STEP_A, 100, "rdp")) {
        run.recordSteps(50);
        run.finish(60);
        finished = run.id();
      }
      LedgerException refused =
          catchThrowableOfType(
              () -> ledger.createDataset("mine", 1e6, 1e-5), LedgerException.class);
      assertThat(refused.problem()).isEqualTo(LedgerException.Problem.PERMISSION_DENIED);
      assertThat(refused.getMessage())
          .contains("permission denied")
          .contains("admin role")
          .contains("user=alice");
      RunCharge other =
          ledger.startRun("census", "alice", "mlp", LedgerContractTest.STEP_A, 100, "rdp");
      other.recordSteps(5);
      assertThat(ledger.releaseRun(other.id(), "test: a client may end a run")).isPresent();
    }
    try (Connection c = DriverManager.getConnection(alice)) {
      for (String rewrite :
          List.of(
              "UPDATE runs SET steps = 0 WHERE id = " + finished,
              "UPDATE runs SET planned_steps = 1 WHERE id = " + finished,
              "UPDATE runs SET dataset_id = dataset_id WHERE id = " + finished,
              "DELETE FROM runs WHERE id = " + finished,
              "DELETE FROM runs",
              "TRUNCATE runs",
              "UPDATE datasets SET epsilon_budget = 1e6",
              "DELETE FROM datasets",
              "INSERT INTO datasets (name, epsilon_budget, delta, accountant, created_at)"
                  + " VALUES ('x', 1, 1e-5, 'rdp', 'now')",
              "ALTER TABLE runs DISABLE TRIGGER runs_append_only",
              "DROP TRIGGER runs_append_only ON runs",
              "CREATE TABLE mine (x int)")) {
        try (Statement s = c.createStatement()) {
          SQLException e = catchThrowableOfType(() -> s.execute(rewrite), SQLException.class);
          assertThat((Throwable) e).as(rewrite).isNotNull();
          // refused by privilege (42501, must be owner) or by the append-only trigger
          assertThat(e.getMessage())
              .as(rewrite)
              .containsAnyOf("permission denied", "must be owner", "append-only");
        }
      }
    }
    try (PrivacyLedger ledger = PrivacyLedger.openForReading(alice)) {
      DatasetStatus census = ledger.dataset("census");
      assertThat(census.runs()).extracting(RunRecord::steps).containsExactly(60L, 5L);
      assertThat(census.epsilonBudget()).isEqualTo(3.0);
    }
  }

  @Test
  void aServerRestartFailsTheStepClearlyKeepsEveryRecordedStepAndStopsTheRun() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path data = dir.resolve("pgdata");
    EmbeddedPostgres server = PostgresTestServer.start(data, port);
    String url = server.getJdbcUrl("postgres", "postgres");
    try (PrivacyLedger ledger = PrivacyLedger.open(url, Duration.ofSeconds(30))) {
      ledger.createDataset("census", 3.0, 1e-5);
      RunCharge run =
          ledger.startRun("census", "alice", "cnn", LedgerContractTest.STEP_A, 1000, "rdp");
      long trained = 0;
      LedgerException failure = null;
      // a trainer's loop: record the step, then release its gradient
      for (long step = 1; step <= 1000; step++) {
        if (step == 51) {
          server.close(); // the server restarts while the run trains
          server = PostgresTestServer.start(data, port);
        }
        try {
          run.recordSteps(step);
        } catch (LedgerException e) {
          failure = e;
          break;
        }
        trained = step;
      }
      assertThat(trained).isEqualTo(50);
      assertThat(failure).isNotNull();
      assertThat(failure.problem()).isEqualTo(LedgerException.Problem.UNAVAILABLE);
      assertThat(failure.getMessage())
          .contains("cannot be reached")
          .contains("stops here rather than train uncharged")
          .contains("steps it recorded before are kept");
      assertThat(run.stepsCharged()).isEqualTo(50);
      // the ledger connects anew: the run ends charged every step it recorded
      run.close();
      RunRecord record = ledger.dataset("census").runs().get(0);
      assertThat(record.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(record.steps()).isEqualTo(50);
    } finally {
      server.close();
    }
    // with the server gone, opening says so
    LedgerException down =
        catchThrowableOfType(() -> PrivacyLedger.open(url), LedgerException.class);
    assertThat(down.problem()).isEqualTo(LedgerException.Problem.UNAVAILABLE);
  }

  @Test
  void aDatabaseWithOtherTablesOfTheseNamesIsNotALedger() throws Exception {
    String url = PostgresTestServer.newDatabase();
    run(url, "CREATE TABLE runs (x int)");
    assertThatThrownBy(() -> PrivacyLedger.open(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a dp4j ledger");
  }

  @Test
  void messagesNeverShowThePassword() {
    assertThat(PostgresLedgerStore.redact("jdbc:postgresql://h/db?user=a&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=a&password=***&ssl=true");
    assertThat(PostgresLedgerStore.SCHEMA_VERSION).isEqualTo(SqliteLedgerStore.SCHEMA_VERSION);
  }
}
