package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LedgerTest {
  private static final double DELTA = 1e-5;
  private static final DpEvent STEP_A = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));
  private static final DpEvent STEP_B = new PoissonSampledDpEvent(0.02, new GaussianDpEvent(1.3));

  @TempDir Path dir;

  private PrivacyLedger open() {
    return PrivacyLedger.open(dir.resolve("sub").resolve("ledger.db"));
  }

  private static double epsilonAlone(DpEvent event, long steps) {
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
    assertThat(dir.resolve("sub").resolve("ledger.db")).exists();
  }

  @Test
  void storesInSqliteWithWalAndFullSync() {
    try (PrivacyLedger ledger = open()) {
      assertThat(ledger.pragma("journal_mode")).isEqualTo("wal");
      assertThat(ledger.pragma("synchronous")).isEqualTo("2"); // FULL
      assertThat(ledger.pragma("foreign_keys")).isEqualTo("1");
      assertThat(ledger.pragma("user_version")).isEqualTo("2");
      assertThat(ledger.pragma("application_id"))
          .isEqualTo(Integer.toString(SqliteLedgerStore.APPLICATION_ID));
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
  void aPldDatasetFallsBackToTheRdpBoundWherePldHasNone() {
    DpEvent noiseless = new PoissonSampledDpEvent(250.0 / 60000, new GaussianDpEvent(1e-6));
    List<Charge> charges = List.of(new Charge(noiseless, 6));
    assertThat(Composition.epsilonOf(charges, "pld", DELTA))
        .isEqualTo(epsilonAlone(noiseless, 6))
        .isFinite();
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
  void refusesAFileThatIsNotALedger() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "not a database, just some text that is long enough to be a header");
    assertThatThrownBy(() -> PrivacyLedger.open(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a dp4j ledger");
  }

  @Test
  void defaultPathHonoursTheSystemProperty() {
    String old = System.getProperty(PrivacyLedger.PATH_PROPERTY);
    try {
      System.setProperty(PrivacyLedger.PATH_PROPERTY, dir.resolve("x.db").toString());
      assertThat(PrivacyLedger.defaultPath()).isEqualTo(dir.resolve("x.db"));
      System.clearProperty(PrivacyLedger.PATH_PROPERTY);
      if (System.getenv(PrivacyLedger.PATH_ENV) == null && System.getenv("XDG_DATA_HOME") == null) {
        assertThat(PrivacyLedger.defaultPath())
            .isEqualTo(
                Path.of(System.getProperty("user.home"), ".local", "share", "dp4j", "ledger.db"));
      }
    } finally {
      if (old == null) {
        System.clearProperty(PrivacyLedger.PATH_PROPERTY);
      } else {
        System.setProperty(PrivacyLedger.PATH_PROPERTY, old);
      }
    }
  }
}
