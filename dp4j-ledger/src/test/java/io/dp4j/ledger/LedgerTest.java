package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void aPldDatasetFallsBackToTheRdpBoundWherePldHasNone() {
    DpEvent noiseless = new PoissonSampledDpEvent(250.0 / 60000, new GaussianDpEvent(1e-6));
    List<Charge> charges = List.of(new Charge(noiseless, 6));
    assertThat(Composition.epsilonOf(charges, "pld", DELTA))
        .isEqualTo(epsilonAlone(noiseless, 6))
        .isFinite();
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

  @Test
  void aSchemaVersionOneFileIsUpgradedWhenOpenedAndKeepsItsData() throws Exception {
    Path db = dir.resolve("v1.db");
    try (var in =
        LedgerTest.class.getResourceAsStream(
            "LedgerFileFuzzTestInputs/ledgerFile/two_datasets.db")) {
      Files.copy(in, db); // written by dp4j at schema version 1
    }
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      assertThat(ledger.pragma("user_version")).isEqualTo("2");
      assertThat(ledger.datasets())
          .extracting(DatasetStatus::name)
          .containsExactly("adult", "mnist");
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP_A, 10, "rdp")) {
        run.finish(10);
      }
      assertThat(ledger.releaseRun(1, "already finished")).isEmpty();
    }
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        var s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE runs SET steps = 0"))
          .hasMessageContaining("append-only");
    }
  }
}
