package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dp4j.testing.AllocationLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link IdxReader} (docs/fuzzing.md): a plain or gzip IDX file is read, or refused
 * with an {@link IdxFormatException} with a message (the only exception its javadoc allows for a
 * file that exists). A header claiming more elements than the file holds must be refused before its
 * array is allocated ({@link AllocationLimit}).
 */
class IdxReaderFuzzTest {
  private static Path file;

  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void idx(byte[] input) throws Exception {
    Path path = write(input);
    AllocationLimit.check(
        () -> {
          try {
            IdxArray array = IdxReader.read(path);
            assertThat(array).isNotNull();
          } catch (IdxFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
          }
        });
  }

  private static synchronized Path write(byte[] input) throws IOException {
    if (file == null) {
      file = Files.createTempFile("dp4j-fuzz", ".idx");
      file.toFile().deleteOnExit();
    }
    return Files.write(file, input);
  }
}
