package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19 (B4, C9): a damaged, a write-protected and an empty ledger file. */
class LedgerFileTest {
  private static final DpEvent STEP = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));

  @TempDir Path dir;

  private Path ledgerWithARun() {
    Path db = dir.resolve("ledger.db");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      for (int i = 0; i < 40; i++) {
        ledger.createDataset("d" + i, 2.0, 1e-5); // rows on several pages
      }
      ledger.createDataset("mnist", 3.0, 1e-5);
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", STEP, 100, "rdp")) {
        run.finish(100);
      }
    }
    return db;
  }

  @Test
  void aDamagedLedgerIsNamedAsDamagedAndLeftAlone() throws Exception {
    Path db = ledgerWithARun();
    byte[] bytes = Files.readAllBytes(db);
    Random random = new Random(19);
    for (int i = 4096; i < bytes.length; i++) { // keep the header and page 1 (the schema)
      bytes[i] = (byte) random.nextInt();
    }
    Files.write(db, bytes);

    for (boolean forReading : new boolean[] {false, true}) {
      LedgerException damaged =
          catchThrowableOfType(
              () -> {
                try (PrivacyLedger ledger =
                    forReading ? PrivacyLedger.openForReading(db) : PrivacyLedger.open(db)) {
                  ledger.datasets();
                }
              },
              LedgerException.class);
      assertThat(damaged).isNotNull();
      assertThat(damaged.problem()).isEqualTo(LedgerException.Problem.DAMAGED);
      assertThat(damaged.getMessage())
          .contains(db.toString())
          .contains("is damaged (SQLite: the database disk image is malformed)")
          .contains("nothing was written")
          .contains("Restore it from a copy")
          .doesNotContain("SQLITE_CORRUPT");
    }
    assertThat(Files.readAllBytes(db)).isEqualTo(bytes);
  }

  @Test
  void aWriteProtectedLedgerIsReadReadOnlyAndRefusesWrites() throws Exception {
    Path db = ledgerWithARun();
    byte[] before = Files.readAllBytes(db);
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("r--r--r--"));

    try (PrivacyLedger ledger = PrivacyLedger.openForReading(db)) {
      assertThat(ledger.datasets()).hasSize(41);
      DatasetStatus mnist = ledger.dataset("mnist");
      assertThat(mnist.runs()).singleElement().extracting(RunRecord::steps).isEqualTo(100L);

      LedgerException refused =
          catchThrowableOfType(() -> ledger.createDataset("x", 1.0, 1e-5), LedgerException.class);
      assertThat(refused.problem()).isEqualTo(LedgerException.Problem.READ_ONLY);
      assertThat(refused.getMessage()).contains(db.toString()).contains("read-only");
      assertThatThrownBy(() -> ledger.startRun("mnist", "bob", "cnn", STEP, 10, "rdp"))
          .isInstanceOf(LedgerException.class)
          .hasMessageContaining("read-only");
    }
    // opening to write says so before anything else
    assertThatThrownBy(() -> PrivacyLedger.open(db))
        .isInstanceOf(LedgerException.class)
        .hasMessageContaining("is read-only");
    assertThat(Files.readAllBytes(db)).isEqualTo(before);
  }

  @Test
  void anEmptyFileIsRefusedAndOnlyAMissingPathIsCreated() throws Exception {
    Path db = Files.createFile(dir.resolve("truncated.db"));
    for (boolean forReading : new boolean[] {false, true}) {
      LedgerException refused =
          catchThrowableOfType(
              () ->
                  (forReading ? PrivacyLedger.openForReading(db) : PrivacyLedger.open(db)).close(),
              LedgerException.class);
      assertThat(refused.problem()).isEqualTo(LedgerException.Problem.EMPTY_FILE);
      assertThat(refused.getMessage())
          .contains(db.toString())
          .contains("is empty (0 bytes)")
          .contains("delete it")
          .contains("choose another file");
    }
    assertThat(Files.size(db)).isZero();

    Path missing = dir.resolve("a").resolve("ledger.db");
    try (PrivacyLedger ledger = PrivacyLedger.openForReading(missing)) {
      assertThat(ledger.datasets()).isEmpty();
    }
    assertThat(Files.size(missing)).isPositive();
  }
}
