package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelIO#loadWeights} from Keras 3 files, and the Keras 2.13 zip layout refused. */
class LoadWeightsTest {
  @TempDir Path tmp;

  /** The Keras 3 fixture (the test is skipped, naming the path, without the shared fixtures). */
  static Path keras3() {
    return KerasFixturesTest.fixture("k3.1.1_seq_diabetes_dense.keras");
  }

  static byte[] entry(Path zip, String name) throws IOException {
    try (ZipFile z = new ZipFile(zip.toFile())) {
      return z.getInputStream(z.getEntry(name)).readAllBytes();
    }
  }

  @Test
  void keras3WeightsFileAndArchiveLoadIntoAModelBuiltFromItsConfig() throws IOException {
    String config =
        new String(entry(keras3(), "config.json"), java.nio.charset.StandardCharsets.UTF_8);
    Path weights = tmp.resolve("model.weights.h5");
    Files.write(weights, entry(keras3(), "model.weights.h5"));
    try (KerasModel original = ModelIO.load(keras3());
        KerasModel fromConfig = ModelIO.fromJson(config);
        KerasModel fromArchive = ModelIO.fromJson(config)) {
      List<float[]> expected = original.sequential().getWeights();
      ModelIO.loadWeights(fromConfig, weights);
      ModelIO.loadWeights(fromArchive, keras3());
      for (int i = 0; i < expected.size(); i++) {
        assertThat(fromConfig.sequential().getWeights().get(i)).containsExactly(expected.get(i));
        assertThat(fromArchive.sequential().getWeights().get(i)).containsExactly(expected.get(i));
      }
    }
  }

  @Test
  void keras213ZipLayoutIsRefusedWithTheReason() throws IOException {
    // the layout Keras 2.13 used inside .keras zips (SOURCES.md), written here with jhdf
    Path h5 = tmp.resolve("w.h5");
    try (WritableHdfFile f = HdfFile.write(h5)) {
      f.putGroup("_layer_checkpoint_dependencies")
          .putGroup("dense")
          .putGroup("vars")
          .putDataset("0", new float[10][20]);
    }
    Path zip = tmp.resolve("k213.keras");
    String config =
        new String(entry(keras3(), "config.json"), java.nio.charset.StandardCharsets.UTF_8);
    MalformedFilesTest.writeZip(zip, config, Files.readAllBytes(h5));
    assertThatThrownBy(() -> ModelIO.load(zip))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("Keras 2.13 zip layout");
  }

  @Test
  void jsonIsNotAWeightsFile() throws IOException {
    Path config = KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_config.json");
    try (KerasModel m = ModelIO.load(keras3())) {
      assertThatThrownBy(() -> ModelIO.loadWeights(m, config))
          .hasMessageContaining("not a weights file");
    }
  }
}
