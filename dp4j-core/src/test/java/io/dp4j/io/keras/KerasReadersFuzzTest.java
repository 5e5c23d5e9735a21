package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.testing.AllocationLimit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for every Keras reader of outside input (docs/fuzzing.md). The property, per target:
 * the reader returns a model (or record) or throws the exception its javadoc documents, with a
 * message; anything else (NullPointerException, ArrayIndexOutOfBoundsException, OutOfMemoryError,
 * more heap than {@link AllocationLimit#BYTES} for one input, a hang beyond the per-input {@link
 * Timeout}) is a finding.
 *
 * <p>Allowed, from {@link ModelIO} and {@link TrainingCheckpoint}'s javadoc: {@link
 * KerasFormatException} (a bad, unsupported or damaged file) and {@link IOException} (the file
 * cannot be read). {@link PrivacyRecord#fromJson}: {@link KerasFormatException} only.
 *
 * <p>{@code mvn verify} replays the committed inputs under {@code KerasReadersFuzzTestInputs/}; set
 * {@code JAZZER_FUZZ=1} to fuzz one target.
 */
class KerasReadersFuzzTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * ModelIO.fromJson: the {@code model.to_json()} architecture (KerasModelConfig.parse + build).
   */
  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void modelConfigJson(byte[] input) throws Exception {
    AllocationLimit.check(
        () -> {
          try (KerasModel model = ModelIO.fromJson(new String(input, StandardCharsets.UTF_8))) {
            assertThat(model.sequential()).isNotNull();
          } catch (KerasFormatException e) {
            assertHasMessage(e);
          }
        });
  }

  /** ModelIO.load of a legacy {@code .h5} (jhdf). */
  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void h5(byte[] input) throws Exception {
    AllocationLimit.check(() -> loadModel(input, ".h5"));
  }

  /** ModelIO.load of a Keras 3 {@code .keras} zip (config.json, model.weights.h5, metadata). */
  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void keras(byte[] input) throws Exception {
    AllocationLimit.check(() -> loadModel(input, ".keras"));
  }

  /** TrainingCheckpoint.load (and settings) of a training checkpoint. */
  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void checkpoint(byte[] input) throws Exception {
    AllocationLimit.check(() -> loadCheckpoint(input));
  }

  private static void loadCheckpoint(byte[] input) throws IOException {
    Path file = FuzzFiles.write(input, ".keras");
    try {
      TrainingCheckpoint.settings(file);
      try (KerasModel model = TrainingCheckpoint.load(file)) {
        assertThat(model.sequential()).isNotNull();
      }
    } catch (KerasFormatException e) {
      assertHasMessage(e);
    } catch (IOException e) {
      assertHasMessage(e);
    }
  }

  /** PrivacyRecord.fromJson: the {@code dp4j_privacy} record of a {@code .keras} metadata.json. */
  @FuzzTest(maxDuration = "10m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void privacyRecordJson(byte[] input) throws Exception {
    AllocationLimit.check(() -> readPrivacyRecord(input));
  }

  private static void readPrivacyRecord(byte[] input) {
    JsonNode node;
    try {
      // as ModelIO reads metadata.json: UTF-8 text, then JSON
      node = MAPPER.readTree(new String(input, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      return; // not JSON: ModelIO refuses it before the record is read
    }
    try {
      PrivacyRecord record = PrivacyRecord.fromJson(node);
      assertThat(record.toJson()).isNotNull();
    } catch (KerasFormatException e) {
      assertHasMessage(e);
    }
  }

  private static void loadModel(byte[] input, String suffix) throws IOException {
    Path file = FuzzFiles.write(input, suffix);
    try (KerasModel model = ModelIO.load(file)) {
      assertThat(model.sequential()).isNotNull();
    } catch (KerasFormatException e) {
      assertHasMessage(e);
    } catch (IOException e) {
      assertHasMessage(e);
    }
  }

  private static void assertHasMessage(Exception e) {
    assertThat(e.getMessage()).as("message of %s", e.getClass().getName()).isNotBlank();
  }

  /** One reused temporary file per suffix: a fresh file per input would fill the disk. */
  static final class FuzzFiles {
    private static Path dir;

    private FuzzFiles() {}

    static synchronized Path write(byte[] input, String suffix) throws IOException {
      if (dir == null) {
        dir = Files.createTempDirectory("dp4j-fuzz");
        dir.toFile().deleteOnExit();
      }
      Path file = dir.resolve("input" + suffix);
      Files.write(file, input);
      file.toFile().deleteOnExit();
      return file;
    }
  }
}
