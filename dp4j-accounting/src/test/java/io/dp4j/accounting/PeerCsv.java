package io.dp4j.accounting;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/** Reads a peer-reference CSV from the test resources (written by {@code tools/reference}). */
final class PeerCsv {
  private PeerCsv() {}

  /** The data lines, split on commas, the header skipped. */
  static List<String[]> rows(String resource) {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    PeerCsv.class.getResourceAsStream(resource), "test resource " + resource),
                StandardCharsets.UTF_8))) {
      return in.lines().skip(1).map(line -> line.split(",")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
