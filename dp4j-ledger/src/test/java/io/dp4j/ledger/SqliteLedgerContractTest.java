package io.dp4j.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's promises, on an SQLite file. */
class SqliteLedgerContractTest extends LedgerContractTest {
  @TempDir Path dir;

  private Path db() {
    return dir.resolve("sub").resolve("ledger.db");
  }

  @Override
  PrivacyLedger open() {
    return PrivacyLedger.open(db());
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db());
  }
}
