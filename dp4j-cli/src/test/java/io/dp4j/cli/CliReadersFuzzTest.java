package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dp4j.data.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the CLI's own readers of outside input (docs/fuzzing.md): the {@code --data} CSV
 * ({@link LabelledCsv}) and the {@code --schema} JSON ({@link TableSchemaFile}). Allowed: {@link
 * IllegalArgumentException} with a message (what the CLI turns into a usage error), and for the CSV
 * an {@link IOException} (a file that is not UTF-8 text), also with a message.
 */
class CliReadersFuzzTest {
  private static Path dir;

  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void labelledCsv(FuzzedDataProvider data) throws IOException {
    long[] inputShape = {data.consumeInt(1, 8)};
    Path file = write("data.csv", data.consumeRemainingAsBytes());
    try {
      Dataset dataset = LabelledCsv.read(file, "label", inputShape, 1f);
      assertThat(dataset.size()).isPositive();
    } catch (IllegalArgumentException | IOException e) {
      assertThat(e.getMessage()).as("message of %s", e.getClass().getName()).isNotBlank();
    }
  }

  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void tableSchemaJson(byte[] input) throws IOException {
    Path file = write("schema.json", input);
    try {
      TableSchemaFile schema = TableSchemaFile.read(file);
      assertThat(schema.features().columns()).isNotEmpty();
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).as("message of %s", e.getClass().getName()).isNotBlank();
    }
  }

  private static synchronized Path write(String name, byte[] input) throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("dp4j-fuzz");
      dir.toFile().deleteOnExit();
    }
    Path file = dir.resolve(name);
    file.toFile().deleteOnExit();
    return Files.write(file, input);
  }
}
