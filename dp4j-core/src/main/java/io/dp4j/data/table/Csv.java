package io.dp4j.data.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/** Reads and writes CSV files with a header row as Tablesaw tables. */
public final class Csv {
  private Csv() {}

  /**
   * Reads a CSV file whose first row names the columns. Column types (number or text) are inferred
   * by Tablesaw from the values; encodings are declared separately ({@link TableSchema}).
   *
   * @throws IllegalArgumentException if there is no such file or it is not CSV
   */
  public static Table read(Path csv) {
    if (!Files.isRegularFile(csv)) {
      // the cause lets a caller tell a path that does not exist (the CLI: bad usage)
      throw new IllegalArgumentException(
          "no such CSV file: " + csv.toAbsolutePath(),
          Files.exists(csv) ? null : new NoSuchFileException(csv.toString()));
    }
    try {
      return Table.read().csv(CsvReadOptions.builder(csv.toFile()).header(true).build());
    } catch (RuntimeException e) {
      // the parser's message can quote a cell, which is private data: it is not passed on
      throw new IllegalArgumentException(
          "cannot read "
              + csv
              + " as CSV with a header row (every row needs the header's cells, and a column"
              + " whose first rows are numbers needs numbers in every row; the parser's message is"
              + " not shown as it may quote private data)");
    }
  }

  /** Writes {@code table} to {@code csv} with a header row, replacing the file. */
  public static void write(Table table, Path csv) {
    try {
      Path parent = csv.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    table.write().csv(csv.toFile());
  }
}
