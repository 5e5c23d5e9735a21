package io.dp4j.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/** The ledger's promises, on a PostgreSQL server (a new database for each test). */
class PostgresLedgerContractTest extends LedgerContractTest {
  private final String url = PostgresTestServer.newDatabase();

  @Override
  PrivacyLedger open() {
    return PrivacyLedger.open(url, Duration.ofSeconds(30));
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection(url);
  }
}
