package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link PrivacyLedger#openForReading} on a fuzzed ledger file, then every read the
 * {@code ledger list} / {@code ledger show} commands make (docs/fuzzing.md). Allowed, from its
 * javadoc: {@link LedgerException} (empty, damaged, cannot be opened) and {@link
 * IllegalArgumentException} (not a dp4j ledger, or a newer one), each with a message.
 */
class LedgerFileFuzzTest {
  private static Path dir;

  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void ledgerFile(byte[] input) throws IOException {
    Path db = write(input);
    try (PrivacyLedger ledger = PrivacyLedger.openForReading(db)) {
      for (DatasetStatus status : ledger.datasets()) {
        assertThat(ledger.dataset(status.name())).isNotNull();
      }
    } catch (LedgerException | IllegalArgumentException e) {
      assertThat(e.getMessage()).as("message of %s", e.getClass().getName()).isNotBlank();
    }
  }

  /**
   * The fuzzed file, alone in its directory (SQLite's journal and WAL files of the last input go).
   */
  private static synchronized Path write(byte[] input) throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("dp4j-fuzz");
      dir.toFile().deleteOnExit();
    }
    Path db = dir.resolve("ledger.db");
    for (String suffix : new String[] {"-journal", "-wal", "-shm", ".lock"}) {
      Files.deleteIfExists(dir.resolve("ledger.db" + suffix));
    }
    return Files.write(db, input);
  }
}
