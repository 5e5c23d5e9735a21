package io.dp4j.data.table;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dp4j.testing.AllocationLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import tech.tablesaw.api.Table;

/**
 * Fuzz target for {@link Csv#read} and the {@link TableSchema} / {@link ColumnSpec} encoding of
 * what it read (docs/fuzzing.md). Allowed, from their javadoc: {@link IllegalArgumentException}
 * with a message (not CSV, a cell that is not a number or not a declared category, ...).
 */
class CsvFuzzTest {
  private static Path file;

  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void csv(byte[] input) throws Exception {
    Path path = write(input);
    AllocationLimit.check(() -> readAndEncode(path));
  }

  private static void readAndEncode(Path path) {
    try {
      Table table = Csv.read(path);
      TableSchema numeric = TableSchema.numericColumnsOf(table);
      assertThat(numeric.encode(table)).hasSize(numeric.width() * table.rowCount());
      for (String column : table.columnNames()) {
        ColumnSpec oneHot =
            ColumnSpec.oneHot(column, ColumnSpec.categoriesObservedIn(table, column));
        TableSchema schema = TableSchema.of(oneHot);
        assertThat(schema.encode(table)).hasSize(schema.width() * table.rowCount());
      }
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  private static synchronized Path write(byte[] input) throws IOException {
    if (file == null) {
      file = Files.createTempFile("dp4j-fuzz", ".csv");
      file.toFile().deleteOnExit();
    }
    return Files.write(file, input);
  }
}
