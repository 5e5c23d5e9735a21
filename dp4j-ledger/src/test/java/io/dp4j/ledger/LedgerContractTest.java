package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every ledger store promises, run against each ({@link SqliteLedgerContractTest}, {@link
 * PostgresLedgerContractTest}): admission, composition, charging, release, and history the database
 * itself keeps append-only.
 */
abstract class LedgerContractTest {
  static final double DELTA = 1e-5;
  static final DpEvent STEP_A = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));
  static final DpEvent STEP_B = new PoissonSampledDpEvent(0.02, new GaussianDpEvent(1.3));

  /** A new ledger object on this test's store (the same store on every call). */
  abstract PrivacyLedger open();

  /** A plain JDBC connection to this test's store, as its owner, bypassing dp4j. */
  abstract Connection rawConnection() throws SQLException;

  static double epsilonAlone(DpEvent event, long steps) {
    return new RdpAccountant().compose(event, steps).epsilon(DELTA);
  }

  @Test
  void newDatasetHasItsWholeBudget() {
    try (PrivacyLedger ledger = open()) {
      DatasetStatus created = ledger.createDataset("mnist", 3.0, DELTA);
      assertThat(created.name()).isEqualTo("mnist");
      assertThat(created.epsilonBudget()).isEqualTo(3.0);
      assertThat(created.delta()).isEqualTo(DELTA);
      assertThat(created.accountant()).isEqualTo("rdp");
      assertThat(created.epsilonSpent()).isZero();
      assertThat(created.epsilonRemaining()).isEqualTo(3.0);
      assertThat(created.runs()).isEmpty();
      assertThat(ledger.datasets()).containsExactly(created);
    }
  }

  @Test
  void creatingAnExistingDatasetIsAnError() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 3.0, DELTA);
      assertThatThrownBy(() -> ledger.createDataset("mnist", 5.0, DELTA))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("dataset 'mnist' already exists");
      assertThat(ledger.dataset("mnist").epsilonBudget()).isEqualTo(3.0);
    }
  }

  @Test
  void badInputsNameTheParameter() {
    try (PrivacyLedger ledger = open()) {
      assertThatThrownBy(() -> ledger.createDataset("d", -1.0, DELTA))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsilon")
          .hasMessageContaining("-1.0");
      assertThatThrownBy(() -> ledger.createDataset("d", Double.NaN, DELTA))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsilon");
      for (double delta : new double[] {0.0, 1.0, -1e-5, 1.5}) {
        assertThatThrownBy(() -> ledger.createDataset("d", 1.0, delta))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("delta must be in (0, 1)");
      }
      assertThatThrownBy(() -> ledger.createDataset(" ", 1.0, DELTA))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("dataset name");
      assertThatThrownBy(() -> ledger.createDataset("d", 1.0, DELTA, "moments"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("accountant");
      assertThatThrownBy(() -> ledger.dataset("nope"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no dataset 'nope'");
      assertThatThrownBy(() -> ledger.startRun("nope", "alice", "cnn", STEP_A, 10, "rdp"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no dataset 'nope'");
      ledger.createDataset("d", 1.0, DELTA);
      assertThatThrownBy(() -> ledger.startRun("d", "alice", "cnn", STEP_A, 0, "rdp"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("plannedSteps");
      assertThat(ledger.datasets()).hasSize(1);
    }
  }

  @Test
  void refusesAnOverspendBeforeItStartsWithTheNumbers() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 2.0, DELTA);
      try (RunCharge first = ledger.startRun("mnist", "alice", "cnn v1", STEP_A, 1000, "rdp")) {
        first.finish(1000);
      }
      double spent = ledger.dataset("mnist").epsilonSpent();
      assertThat(spent).isEqualTo(epsilonAlone(STEP_A, 1000)).isLessThan(2.0);

      BudgetExceededException refused =
          catchThrowableOfType(
              () -> ledger.startRun("mnist", "bob", "cnn v2", STEP_B, 5000, "rdp"),
              BudgetExceededException.class);

      assertThat(refused).isInstanceOf(IllegalStateException.class);
      assertThat(refused.epsilonBudget()).isEqualTo(2.0);
      assertThat(refused.epsilonSpent()).isEqualTo(spent);
      assertThat(refused.epsilonPlannedRun()).isEqualTo(epsilonAlone(STEP_B, 5000));
      double after = new RdpAccountant().compose(STEP_A, 1000).compose(STEP_B, 5000).epsilon(DELTA);
      assertThat(refused.epsilonAfterRun()).isEqualTo(after).isGreaterThan(2.0);
      assertThat(refused.getMessage())
          .contains("dataset 'mnist'")
          .contains("5000 steps")
          .contains(String.format(Locale.ROOT, "%.4g", spent))
          .contains(String.format(Locale.ROOT, "%.4g", refused.epsilonPlannedRun()))
          .contains(String.format(Locale.ROOT, "%.4g", after))
          .contains("budget 2.000");
      // nothing was recorded for the refused run
      assertThat(ledger.dataset("mnist").runs()).hasSize(1);
      assertThat(ledger.dataset("mnist").epsilonSpent()).isEqualTo(spent);
    }
  }

  // issue 19: σ = 1e-6 was accounted as ε = 0 and admitted, leaving the budget untouched.
  @ParameterizedTest
  @ValueSource(strings = {"rdp", "pld"})
  void refusesANearlyNoiselessRunAndRecordsNothing(String accountant) {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("x", 1.0, DELTA, accountant);
      DpEvent noiseless = new PoissonSampledDpEvent(250.0 / 60000, new GaussianDpEvent(1e-6));
      BudgetExceededException refused =
          catchThrowableOfType(
              () -> ledger.startRun("x", "alice", "cnn", noiseless, 6, accountant),
              BudgetExceededException.class);
      assertThat(refused).isNotNull();
      assertThat(refused.epsilonPlannedRun()).isGreaterThan(1e9).isNotNaN();
      assertThat(refused.getMessage()).contains("dataset 'x'").doesNotContain("NaN");
      DatasetStatus after = ledger.dataset("x");
      assertThat(after.runs()).isEmpty();
      assertThat(after.epsilonSpent()).isZero();
      assertThat(after.epsilonRemaining()).isEqualTo(1.0);
    }
  }

  @Test
  void composesRunsInOneAccountantNotBySummingEpsilons() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("adult", 10.0, DELTA);
      try (RunCharge a = ledger.startRun("adult", "alice", "logreg", STEP_A, 2000, "rdp")) {
        for (long s = 1; s <= 2000; s += 100) {
          a.recordSteps(s + 99);
        }
        a.finish();
      }
      try (RunCharge b = ledger.startRun("adult", "bob", "mlp", STEP_B, 1000, "rdp")) {
        b.finish(1000);
      }
      DatasetStatus status = ledger.dataset("adult");

      double composed =
          new RdpAccountant().compose(STEP_A, 2000).compose(STEP_B, 1000).epsilon(DELTA);
      double sum = epsilonAlone(STEP_A, 2000) + epsilonAlone(STEP_B, 1000);
      assertThat(status.epsilonSpent()).isEqualTo(composed);
      assertThat(status.epsilonSpent()).isLessThan(sum);
      assertThat(status.epsilonRemaining()).isEqualTo(10.0 - composed);
      assertThat(status.runs())
          .extracting(RunRecord::epsilon)
          .containsExactly(epsilonAlone(STEP_A, 2000), epsilonAlone(STEP_B, 1000));
      RunRecord first = status.runs().get(0);
      assertThat(first.who()).isEqualTo("alice");
      assertThat(first.what()).isEqualTo("logreg");
      assertThat(first.samplingProbability()).isEqualTo(0.01);
      assertThat(first.noiseMultiplier()).isEqualTo(1.1);
      assertThat(first.steps()).isEqualTo(2000);
      assertThat(first.status()).isEqualTo(RunStatus.FINISHED);
      assertThat(first.ended()).isAfterOrEqualTo(first.started());
      assertThat(first.stepEvent()).isEqualTo(STEP_A);
    }
  }

  @Test
  void aPldDatasetComposesItsRunsInOnePldAccountant() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("adult", 10.0, DELTA, "pld");
      try (RunCharge a = ledger.startRun("adult", "alice", "logreg", STEP_A, 2000)) {
        a.finish(2000);
      }
      // a run may state its own ε with another accountant; the dataset still composes with PLD
      try (RunCharge b = ledger.startRun("adult", "bob", "mlp", STEP_B, 1000, "rdp")) {
        b.finish(1000);
      }
      DatasetStatus status = ledger.dataset("adult");
      assertThat(status.accountant()).isEqualTo("pld");
      double composed =
          new PldAccountant().compose(STEP_A, 2000).compose(STEP_B, 1000).epsilon(DELTA);
      double pldA = new PldAccountant().compose(STEP_A, 2000).epsilon(DELTA);
      double pldB = new PldAccountant().compose(STEP_B, 1000).epsilon(DELTA);
      assertThat(status.epsilonSpent()).isEqualTo(composed).isLessThan(pldA + pldB);
      assertThat(status.runs().get(0).accountant()).isEqualTo("pld");
      assertThat(status.runs().get(0).epsilon()).isEqualTo(pldA);
      assertThat(status.runs().get(1).accountant()).isEqualTo("rdp");
      assertThat(status.runs().get(1).epsilon()).isEqualTo(epsilonAlone(STEP_B, 1000));
    }
  }

  @Test
  void anInterruptedRunIsChargedTheStepsItRecorded() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 3.0, DELTA);
      double full = epsilonAlone(STEP_A, 1000);
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 1000, "rdp")) {
        for (long step = 1; step <= 300; step++) {
          run.recordSteps(step);
        }
        // the trainer fails here: try-with-resources closes the run without finish()
      }
      DatasetStatus status = ledger.dataset("mnist");
      RunRecord run = status.runs().get(0);
      assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(run.steps()).isEqualTo(300);
      assertThat(run.plannedSteps()).isEqualTo(1000);
      assertThat(status.epsilonSpent()).isEqualTo(epsilonAlone(STEP_A, 300)).isLessThan(full);
      assertThat(status.epsilonCommitted()).isEqualTo(status.epsilonSpent());
    }
  }

  @Test
  void aRunningRunReservesItsWholePlan() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 2.5, DELTA);
      double plan = epsilonAlone(STEP_A, 1500);
      assertThat(plan).isLessThan(2.5);
      assertThat(new RdpAccountant().compose(STEP_A, 3000).epsilon(DELTA)).isGreaterThan(2.5);
      RunCharge first = ledger.startRun("mnist", "alice", "cnn", STEP_A, 1500, "rdp");
      first.recordSteps(10);
      DatasetStatus running = ledger.dataset("mnist");
      assertThat(running.epsilonSpent()).isEqualTo(epsilonAlone(STEP_A, 10));
      assertThat(running.epsilonCommitted()).isEqualTo(plan);
      assertThat(running.runs().get(0).status()).isEqualTo(RunStatus.RUNNING);
      assertThat(running.runs().get(0).ended()).isNull();

      assertThatThrownBy(() -> ledger.startRun("mnist", "bob", "cnn", STEP_A, 1500, "rdp"))
          .isInstanceOf(BudgetExceededException.class)
          .hasMessageContaining("with the plans of running runs");

      first.close(); // charged 10 steps; the rest of its plan is released
      try (RunCharge second = ledger.startRun("mnist", "bob", "cnn", STEP_A, 1500, "rdp")) {
        second.finish(1500);
      }
      assertThat(ledger.dataset("mnist").epsilonSpent())
          .isEqualTo(epsilonAlone(STEP_A, 1510))
          .isLessThanOrEqualTo(2.5);
    }
  }

  @Test
  void stepsMustStayWithinThePlanAndNeverGoDown() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 5.0, DELTA);
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 100, "rdp")) {
        run.recordSteps(50);
        run.recordSteps(50);
        assertThatThrownBy(() -> run.recordSteps(40))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("stepsDone must not go down");
        assertThatThrownBy(() -> run.recordSteps(101))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("admitted for 100 steps");
        assertThat(run.stepsCharged()).isEqualTo(50);
        run.finish();
        assertThat(run.status()).isEqualTo(RunStatus.FINISHED);
        assertThatThrownBy(() -> run.recordSteps(60))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("finished");
      }
      assertThat(ledger.dataset("mnist").runs().get(0).steps()).isEqualTo(50);
      assertThat(ledger.dataset("mnist").runs().get(0).status()).isEqualTo(RunStatus.FINISHED);
    }
  }

  @Test
  void closingTheLedgerInterruptsItsOpenRuns() {
    RunCharge run;
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 5.0, DELTA);
      run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 100, "rdp");
      run.recordSteps(7);
    }
    assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
    try (PrivacyLedger ledger = open()) {
      RunRecord record = ledger.dataset("mnist").runs().get(0);
      assertThat(record.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(record.steps()).isEqualTo(7);
    }
  }

  @Test
  void anInterruptedRunCannotTakeMoreSteps() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 5.0, DELTA);
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 100, "rdp")) {
        run.recordSteps(5);
        try (PrivacyLedger admin = open()) {
          assertThat(admin.interruptRun(run.id())).isTrue();
          assertThat(admin.interruptRun(run.id())).isFalse();
          assertThatThrownBy(() -> admin.interruptRun(999))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("no run 999");
        }
        assertThatThrownBy(() -> run.recordSteps(6))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no longer running");
      }
      assertThat(ledger.dataset("mnist").runs().get(0).steps()).isEqualTo(5);
    }
  }

  @Test
  void survivesReopeningAndSharesTheFileBetweenLedgers() {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("b", 2.0, 1e-6);
      ledger.createDataset("a", 1.0, DELTA);
      try (RunCharge run = ledger.startRun("a", "alice", "cnn", STEP_A, 100, "rdp")) {
        run.finish(100);
      }
    }
    try (PrivacyLedger ledger = open()) {
      assertThat(ledger.datasets()).extracting(DatasetStatus::name).containsExactly("a", "b");
      DatasetStatus a = ledger.dataset("a");
      assertThat(a.runs()).hasSize(1);
      assertThat(a.epsilonSpent()).isEqualTo(epsilonAlone(STEP_A, 100));
      assertThat(ledger.dataset("b").delta()).isEqualTo(1e-6);
    }
  }

  @Test
  void twoLedgersRacingForRoomForOneAdmitExactlyOne() throws Exception {
    double one = epsilonAlone(STEP_A, 1000);
    double two = epsilonAlone(STEP_A, 2000);
    double budget = (one + two) / 2;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (PrivacyLedger a = open();
        PrivacyLedger b = open()) {
      for (int round = 0; round < 5; round++) {
        String name = "d" + round;
        a.createDataset(name, budget, DELTA);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RunCharge>> starts = new ArrayList<>();
        for (PrivacyLedger ledger : List.of(a, b)) {
          starts.add(
              pool.submit(
                  () -> {
                    go.await();
                    return ledger.startRun(name, "t", "race", STEP_A, 1000, "rdp");
                  }));
        }
        go.countDown();
        int admitted = 0;
        int refused = 0;
        for (Future<RunCharge> start : starts) {
          try {
            start.get().finish(1000);
            admitted++;
          } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BudgetExceededException.class);
            refused++;
          }
        }
        assertThat(admitted).isEqualTo(1);
        assertThat(refused).isEqualTo(1);
        assertThat(b.dataset(name).runs()).hasSize(1);
        assertThat(b.dataset(name).epsilonSpent()).isEqualTo(one);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void releasingARunChargesWhatItRecordedAndStopsItsTrainer() throws SQLException {
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 2.5, DELTA);
      RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 1500, "rdp");
      run.recordSteps(40);
      assertThatThrownBy(() -> ledger.startRun("mnist", "bob", "cnn", STEP_A, 1500, "rdp"))
          .isInstanceOf(BudgetExceededException.class);

      RunRecord released;
      try (PrivacyLedger admin = open()) {
        released = admin.releaseRun(run.id(), "host gpu7 is gone").orElseThrow();
        assertThat(admin.releaseRun(run.id(), "again")).isEmpty();
        assertThatThrownBy(() -> admin.releaseRun(run.id(), " "))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("reason");
        assertThatThrownBy(() -> admin.releaseRun(999, "no such run"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no run 999");
      }
      assertThat(released.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(released.steps()).isEqualTo(40);
      assertThat(released.epsilon()).isEqualTo(epsilonAlone(STEP_A, 40));
      // the trainer, if alive after all, cannot take another step
      assertThatThrownBy(() -> run.recordSteps(41))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no longer running");
      DatasetStatus after = ledger.dataset("mnist");
      assertThat(after.epsilonSpent()).isEqualTo(epsilonAlone(STEP_A, 40));
      assertThat(after.epsilonCommitted()).isEqualTo(after.epsilonSpent());
      try (RunCharge next = ledger.startRun("mnist", "bob", "cnn", STEP_A, 1500, "rdp")) {
        next.finish(1500);
      }
      try (Connection c = rawConnection();
          Statement s = c.createStatement();
          var r = s.executeQuery("SELECT end_reason FROM runs WHERE id = " + run.id())) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("host gpu7 is gone");
      }
    }
  }

  @Test
  void theDatabaseKeepsHistoryAppendOnly() throws Exception {
    long finished;
    long running;
    try (PrivacyLedger ledger = open()) {
      ledger.createDataset("mnist", 5.0, DELTA);
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 100, "rdp")) {
        run.finish(60);
        finished = run.id();
      }
      RunCharge open = ledger.startRun("mnist", "alice", "cnn", STEP_A, 100, "rdp");
      open.recordSteps(30);
      running = open.id();
      try (Connection c = rawConnection()) {
        for (String rewrite :
            List.of(
                "UPDATE runs SET steps = 10 WHERE id = " + running,
                "UPDATE runs SET steps = 70 WHERE id = " + finished,
                "UPDATE runs SET status = 'running', ended_at = NULL WHERE id = " + finished,
                "UPDATE runs SET planned_steps = 1 WHERE id = " + running,
                "UPDATE runs SET step_event = '{}' WHERE id = " + running,
                "DELETE FROM runs WHERE id = " + finished,
                "UPDATE datasets SET epsilon_budget = 1000",
                "DELETE FROM datasets",
                "INSERT INTO runs (dataset_id, who, what, started_at, updated_at, step_event,"
                    + " planned_steps, steps, accountant, status, host, pid)"
                    + " SELECT dataset_id, who, what, started_at, updated_at, step_event,"
                    + " planned_steps, 5, accountant, 'finished', host, pid FROM runs WHERE id = "
                    + finished)) {
          try (Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate(rewrite))
                .as(rewrite)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("append-only");
          }
        }
        // what dp4j does is allowed: more steps on a running run, then ending it
        try (Statement s = c.createStatement()) {
          assertThat(s.executeUpdate("UPDATE runs SET steps = 31 WHERE id = " + running))
              .isEqualTo(1);
        }
      }
      DatasetStatus status = ledger.dataset("mnist");
      assertThat(status.runs()).extracting(RunRecord::steps).containsExactly(60L, 31L);
      assertThat(status.epsilonBudget()).isEqualTo(5.0);
      open.close();
    }
  }
}
