package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --metrics}: which metrics are computed, reported, and refused. */
class TrainMetricsTest {
  @TempDir Path tmp;

  @Test
  void testAucIsTheExactAucOfTheSavedModelsScores() throws IOException {
    Path model = SyntheticCsv.twoClassModel(tmp);
    SyntheticCsv train = SyntheticCsv.write(tmp, "train", 600, 3, 2);
    SyntheticCsv test = SyntheticCsv.write(tmp, "test", 200, 4, 2);
    Path out = tmp.resolve("trained.keras");
    CommandRun run =
        CommandRun.of(
            List.of("train", "--model", model.toString(), "--from-logits"),
            train.withTest(test),
            List.of(
                "--metrics",
                "accuracy,auc",
                "--epochs",
                "3",
                "--batch-size",
                "60",
                "--learning-rate",
                "0.5",
                "--noise-multiplier",
                "0.8",
                "--delta",
                "1e-4",
                "--out",
                out.toString(),
                "--json"));
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains(" - accuracy: ").contains(" - auc: ");
    JsonNode json = Json.MAPPER.readTree(run.out());
    double auc = json.get("test_auc").asDouble();
    assertThat(json.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);

    float[] x = readFloats(test.features());
    float[] y = readFloats(test.labels());
    try (KerasModel trained = ModelIO.load(out)) {
      float[][] logits =
          trained.sequential().predict(new Dataset(x, new long[] {4}, y, new long[] {}));
      assertThat(auc).isCloseTo(pairCountAuc(logits, y), within(1e-12)).isGreaterThan(0.5);
    }
  }

  @Test
  void aucOnAThreeClassModelAndUnknownMetricsAreRefused() throws IOException {
    Path model = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(model));
    SyntheticCsv data = SyntheticCsv.write(tmp, "d", 100, 5);
    String[] base = {
      "train",
      "--model",
      model.toString(),
      "--features",
      data.features().toString(),
      "--labels",
      data.labels().toString(),
      "--delta",
      "1e-3",
      "--batch-size",
      "20",
      "--metrics"
    };
    CommandRun auc = CommandRun.of(append(base, "auc"));
    assertThat(auc.exitCode()).isEqualTo(2);
    assertThat(auc.err()).containsIgnoringCase("auc");
    CommandRun unknown = CommandRun.of(append(base, "accuracy,f1"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err())
        .contains("unknown metric 'f1'")
        .contains("accuracy, binary_accuracy, auc");
  }

  /** P(score of a class-1 example > score of a class-0 example), ties 1/2, score z1 - z0. */
  private static double pairCountAuc(float[][] logits, float[] labels) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < labels.length; i++) {
      for (int j = 0; j < labels.length; j++) {
        if (labels[i] == 1 && labels[j] == 0) {
          double si = (double) logits[i][1] - logits[i][0];
          double sj = (double) logits[j][1] - logits[j][0];
          wins += si > sj ? 1 : si == sj ? 0.5 : 0;
          pairs++;
        }
      }
    }
    return wins / pairs;
  }

  private static float[] readFloats(Path csv) throws IOException {
    List<String> values =
        Files.readAllLines(csv).stream()
            .filter(line -> !line.isBlank())
            .flatMap(line -> java.util.Arrays.stream(line.split(",")))
            .toList();
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Float.parseFloat(values.get(i));
    }
    return out;
  }

  private static String[] append(String[] base, String last) {
    String[] all = java.util.Arrays.copyOf(base, base.length + 1);
    all[base.length] = last;
    return all;
  }
}
