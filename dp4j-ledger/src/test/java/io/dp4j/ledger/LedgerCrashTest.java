package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a trainer JVM with SIGKILL while it commits steps to the ledger, then checks the ledger:
 * the database is intact and the run is charged at least every step the child saw committed.
 */
class LedgerCrashTest {
  @TempDir Path dir;

  @Test
  void aKilledTrainerIsChargedEveryStepItCommitted() throws Exception {
    Path db = dir.resolve("ledger.db");
    long[] killAfter = {1, 40, 400}; // kill at different moments of the commit loop
    List<Long> lastReported = new ArrayList<>();
    try (PrivacyLedger watcher = PrivacyLedger.open(db)) {
      watcher.createDataset("census", 1000.0, 1e-5);
      for (long threshold : killAfter) {
        lastReported.add(runAndKill(db, threshold));
      }
      // each child, opening the ledger, closed the run of the dead child before it; the last
      // run still reads as running, holding its plan, with the steps it recorded
      DatasetStatus before = watcher.dataset("census");
      assertThat(before.runs())
          .extracting(RunRecord::status)
          .containsExactly(RunStatus.INTERRUPTED, RunStatus.INTERRUPTED, RunStatus.RUNNING);
      assertThat(before.epsilonCommitted()).isGreaterThan(before.epsilonSpent());
      for (int i = 0; i < killAfter.length; i++) {
        assertThat(before.runs().get(i).steps()).isGreaterThanOrEqualTo(lastReported.get(i));
      }
      assertThat(watcher.reclaimStaleRuns()).isEqualTo(1);
      assertThat(watcher.reclaimStaleRuns()).isZero();
    }

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(r.getString(1)).isEqualTo("ok");
    }
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      DatasetStatus status = ledger.dataset("census");
      assertThat(status.runs()).hasSize(killAfter.length);
      for (int i = 0; i < killAfter.length; i++) {
        RunRecord run = status.runs().get(i);
        long reported = lastReported.get(i);
        assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(run.who()).isEqualTo("crash-child");
        // charged every step reported committed; at most one more (killed between commit and print)
        assertThat(run.steps()).isBetween(reported, reported + 1);
        System.err.printf(
            "kill test run %d: killed after seeing %d commits; child reported %d; charged %d%n",
            run.id(), killAfter[i], reported, run.steps());
      }
      assertThat(status.epsilonCommitted()).isEqualTo(status.epsilonSpent());
      // the recovered database takes new runs
      try (RunCharge run =
          ledger.startRun(
              "census", "parent", "after the crash", status.runs().get(0).stepEvent(), 10, "rdp")) {
        run.finish(10);
      }
      assertThat(ledger.dataset("census").runs()).hasSize(killAfter.length + 1);
    }
  }

  /** Starts the child, kills it with SIGKILL after it reports {@code threshold} commits. */
  private long runAndKill(Path db, long threshold) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                LedgerCrashChild.class.getName(),
                db.toString(),
                "census")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    long last = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      boolean killed = false;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          last = Math.max(last, Long.parseLong(line.substring("committed ".length())));
          if (!killed && last >= threshold) {
            // SIGKILL (no shutdown hooks, no close()); through the handle, which, unlike
            // Process.destroyForcibly(), leaves our end of the child's stdout open to drain it
            assertThat(child.toHandle().destroyForcibly()).isTrue();
            killed = true;
          }
        }
      }
      assertThat(killed).as("child reached %d commits before exiting", threshold).isTrue();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL
    return last; // every line read, including those flushed between the kill and the child's death
  }
}
