package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 (B4, C9): the ledger commands on a damaged, a read-only and an empty ledger file, run as
 * a user runs them (own JVM): exit code, one message that names the file and what to do, no stack
 * trace, and the file left as it was.
 */
class LedgerFileCommandTest {
  /** Every ledger command here ends in a second or two; a hang is a failure. */
  private static final long TIMEOUT_SECONDS = 30;

  @TempDir Path dir;

  private Path ledgerWithARun() {
    Path db = dir.resolve("ledger.db");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      for (int i = 0; i < 40; i++) {
        ledger.createDataset("d" + i, 2.0, 1e-5); // enough rows for several pages
      }
      ledger.createDataset("mnist", 3.0, 1e-5);
      var step = new PoissonSampledDpEvent(0.004, new GaussianDpEvent(1.1));
      try (RunCharge run = ledger.startRun("mnist", "alice", "cnn", step, 100, "rdp")) {
        run.finish(100);
      }
    }
    return db;
  }

  private static void assertNoStackTrace(ProcessRun run) {
    assertThat(run.all()).doesNotContain("at io.").doesNotContain("at org.");
  }

  @Test
  void aDamagedLedgerIsNamedWithExitOneAndNoTrace() throws Exception {
    Path db = ledgerWithARun();
    // a valid SQLite header and page 1 (the schema), garbage on every later page
    byte[] bytes = Files.readAllBytes(db);
    Random random = new Random(19);
    for (int i = 4096; i < bytes.length; i++) {
      bytes[i] = (byte) random.nextInt();
    }
    Files.write(db, bytes);

    for (String[] args :
        new String[][] {
          {"ledger", "list", "--db", db.toString()},
          {"ledger", "show", "mnist", "--db", db.toString()},
          {"ledger", "create", "x", "--epsilon", "1", "--delta", "1e-5", "--db", db.toString()}
        }) {
      ProcessRun run = ProcessRun.of(TIMEOUT_SECONDS, args);
      assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
      assertThat(run.err())
          .contains(db.toString())
          .contains("damaged")
          .contains("nothing was written")
          .contains("Restore it from a copy");
      assertNoStackTrace(run);
      assertThat(Files.readAllBytes(db)).as("the damaged file is left as it was").isEqualTo(bytes);
    }
  }

  @Test
  void aReadOnlyLedgerCanBeListedAndShownButNotWritten() throws Exception {
    Path db = ledgerWithARun();
    byte[] before = Files.readAllBytes(db);
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("r--r--r--"));

    ProcessRun list = ProcessRun.of(TIMEOUT_SECONDS, "ledger", "list", "--db", db.toString());
    assertThat(list.exitCode()).as(list.all()).isZero();
    assertThat(list.out()).contains("mnist").contains("d39");
    assertNoStackTrace(list);

    ProcessRun show =
        ProcessRun.of(TIMEOUT_SECONDS, "ledger", "show", "mnist", "--db", db.toString(), "--json");
    assertThat(show.exitCode()).as(show.all()).isZero();
    assertThat(show.out()).contains("\"alice\"").contains("\"finished\"");

    ProcessRun create =
        ProcessRun.of(
            TIMEOUT_SECONDS,
            "ledger",
            "create",
            "x",
            "--epsilon",
            "1",
            "--delta",
            "1e-5",
            "--db",
            db.toString());
    assertThat(create.exitCode()).as(create.all()).isEqualTo(1);
    assertThat(create.err()).contains(db.toString()).contains("read-only");
    assertNoStackTrace(create);
    assertThat(Files.readAllBytes(db)).isEqualTo(before);
  }

  @Test
  void anEmptyLedgerFileIsRefusedNotStartedAfresh() throws Exception {
    Path db = Files.createFile(dir.resolve("truncated.db"));
    for (String[] args :
        new String[][] {
          {"ledger", "list", "--db", db.toString()},
          {"ledger", "show", "mnist", "--db", db.toString()},
          {"ledger", "create", "x", "--epsilon", "1", "--delta", "1e-5", "--db", db.toString()}
        }) {
      ProcessRun run = ProcessRun.of(TIMEOUT_SECONDS, args);
      assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
      assertThat(run.err())
          .contains(db.toString())
          .contains("is empty (0 bytes)")
          .contains("delete it")
          .contains("--db");
      assertNoStackTrace(run);
      assertThat(Files.size(db)).as("not made into a new ledger").isZero();
    }
    // a path that does not exist is still created
    Path fresh = dir.resolve("new").resolve("ledger.db");
    ProcessRun created =
        ProcessRun.of(
            TIMEOUT_SECONDS,
            "ledger",
            "create",
            "x",
            "--epsilon",
            "1",
            "--delta",
            "1e-5",
            "--db",
            fresh.toString());
    assertThat(created.exitCode()).as(created.all()).isZero();
    assertThat(fresh).exists();
  }

  @Test
  void aTrainingRunChargedToAReadOnlyOrEmptyLedgerStopsBeforeTraining() throws Exception {
    Path readOnly = dir.resolve("ro.db");
    try (PrivacyLedger ledger = PrivacyLedger.open(readOnly)) {
      ledger.createDataset("breast-cancer", 4.0, 1e-5);
    }
    byte[] before = Files.readAllBytes(readOnly);
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--r--r--"));
    Path empty = Files.createFile(dir.resolve("empty.db"));
    Path example = Path.of("..", "examples", "breast-cancer");

    for (Path db : new Path[] {readOnly, empty}) {
      ProcessRun run =
          ProcessRun.of(
              TIMEOUT_SECONDS,
              "private-train",
              "--csv",
              example.resolve("breast_cancer.csv").toString(),
              "--schema",
              example.resolve("schema.json").toString(),
              "--noise-multiplier",
              "3",
              "--epochs",
              "2",
              "--batch-size",
              "64",
              "--ledger",
              "breast-cancer",
              "--db",
              db.toString());
      assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
      assertThat(run.err())
          .contains(db.toString())
          .contains(db == empty ? "is empty (0 bytes)" : "is read-only");
      assertThat(run.out()).doesNotContain("epoch");
      assertNoStackTrace(run);
    }
    assertThat(Files.readAllBytes(readOnly)).isEqualTo(before);
    assertThat(Files.size(empty)).isZero();
  }
}
