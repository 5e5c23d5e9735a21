package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.RdpAccountant;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Trainers in separate JVMs (as on separate hosts) sharing one PostgreSQL ledger: they race for
 * admission, and one is killed with SIGKILL mid-run.
 */
class PostgresLedgerProcessTest {
  private final String url = PostgresTestServer.newDatabase();

  private static Process startJvm(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static BufferedReader out(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  @Test
  void twoJvmsAdmittingAtOnceAdmitExactlyOneWhenOnlyOneFits() throws Exception {
    double one = LedgerContractTest.epsilonAlone(LedgerContractTest.STEP_A, 1000);
    double two = LedgerContractTest.epsilonAlone(LedgerContractTest.STEP_A, 2000);
    int rounds = 10;
    List<Process> children = new ArrayList<>();
    try (PrivacyLedger ledger = PrivacyLedger.open(url, Duration.ofSeconds(30))) {
      List<BufferedReader> outs = new ArrayList<>();
      List<PrintWriter> ins = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Process child = startJvm(LedgerAdmitChild.class, url, "30000");
        children.add(child);
        outs.add(out(child));
        ins.add(new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(outs.get(i).readLine()).isEqualTo("ready");
      }
      int admittedTotal = 0;
      for (int round = 0; round < rounds; round++) {
        String name = "race" + round;
        ledger.createDataset(name, (one + two) / 2, LedgerContractTest.DELTA);
        for (PrintWriter in : ins) {
          in.println("go " + name); // both JVMs are waiting: they ask at once
        }
        List<String> answers = new ArrayList<>();
        for (BufferedReader out : outs) {
          answers.add(out.readLine());
        }
        long admitted = answers.stream().filter(a -> a.startsWith("admitted ")).count();
        assertThat(admitted).as("round %d: %s", round, answers).isEqualTo(1);
        assertThat(answers).as("round %d", round).contains("refused");
        admittedTotal += (int) admitted;
        DatasetStatus status = ledger.dataset(name);
        assertThat(status.runs()).hasSize(1);
        assertThat(status.epsilonCommitted()).isLessThanOrEqualTo(status.epsilonBudget());
      }
      for (PrintWriter in : ins) {
        in.close();
      }
      for (Process child : children) {
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
      }
      System.err.printf(
          "concurrent admission (PostgreSQL, two JVMs, %d rounds, room for one run each): %d"
              + " admitted, %d refused%n",
          rounds, admittedTotal, 2 * rounds - admittedTotal);
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }

  @Test
  void aKilledTrainerIsChargedEveryStepItCommittedAndReleasedWhenItsLeaseExpires()
      throws Exception {
    long leaseMillis = 5000;
    long[] killAfter = {1, 40, 400};
    try (PrivacyLedger watcher = PrivacyLedger.open(url, Duration.ofMillis(leaseMillis))) {
      // room for one child's plan, not two: a dead child's plan blocks the next run until reclaimed
      double one =
          new RdpAccountant()
              .compose(LedgerCrashChild.STEP, LedgerCrashChild.PLANNED)
              .epsilon(LedgerContractTest.DELTA);
      double two =
          new RdpAccountant()
              .compose(LedgerCrashChild.STEP, 2 * LedgerCrashChild.PLANNED)
              .epsilon(LedgerContractTest.DELTA);
      watcher.createDataset("census", (one + two) / 2, LedgerContractTest.DELTA);
      for (int i = 0; i < killAfter.length; i++) {
        long reported = runAndKill(killAfter[i], leaseMillis);
        long killed = System.nanoTime();
        RunRecord dead = watcher.dataset("census").runs().get(i);
        // the dead run still holds its lease, and with it its whole plan
        assertThat(dead.status()).isEqualTo(RunStatus.RUNNING);
        assertThatThrownBy(
                () ->
                    watcher.startRun(
                        "census",
                        "parent",
                        "while the lease holds",
                        LedgerCrashChild.STEP,
                        LedgerCrashChild.PLANNED,
                        "rdp"))
            .isInstanceOf(BudgetExceededException.class);
        int reclaimed = 0;
        while (reclaimed == 0) {
          assertThat(System.nanoTime() - killed).isLessThan(TimeUnit.SECONDS.toNanos(120));
          Thread.sleep(100);
          reclaimed = watcher.reclaimStaleRuns();
        }
        double waited = (System.nanoTime() - killed) / 1e9;
        RunRecord run = watcher.dataset("census").runs().get(i);
        assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
        // charged every step reported committed; at most one more (killed between commit and print)
        assertThat(run.steps()).isBetween(reported, reported + 1);
        System.err.printf(
            "kill test (PostgreSQL) run %d: killed after seeing %d commits; child reported %d;"
                + " charged %d; reclaimed %.1f s after the kill (lease %.1f s)%n",
            run.id(), killAfter[i], reported, run.steps(), waited, leaseMillis / 1e3);
      }
      DatasetStatus status = watcher.dataset("census");
      assertThat(status.runs()).extracting(RunRecord::status).containsOnly(RunStatus.INTERRUPTED);
      assertThat(status.epsilonCommitted()).isEqualTo(status.epsilonSpent());
      // the next run starts: the dead runs hold only what they recorded
      try (RunCharge next =
          watcher.startRun(
              "census",
              "parent",
              "after the leases expired",
              LedgerCrashChild.STEP,
              LedgerCrashChild.PLANNED,
              "rdp")) {
        next.finish(10);
      }
    }
  }

  /** Starts a crash child, kills it with SIGKILL after it reports {@code threshold} commits. */
  private long runAndKill(long threshold, long leaseMillis) throws Exception {
    Process child = startJvm(LedgerCrashChild.class, url, "census", Long.toString(leaseMillis));
    long last = 0;
    try (BufferedReader out = out(child)) {
      String line;
      boolean killed = false;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          last = Math.max(last, Long.parseLong(line.substring("committed ".length())));
          if (!killed && last >= threshold) {
            // SIGKILL through the handle, which leaves our end of its stdout open to drain it
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
    return last;
  }
}
