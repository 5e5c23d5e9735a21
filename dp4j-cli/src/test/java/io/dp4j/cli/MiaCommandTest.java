package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit mia} on a model that memorized random labels, from both data formats. */
class MiaCommandTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path dir;

  private static final int FEATURES = 16;

  /** n rows of Gaussian features with random labels in 0..2. */
  private static float[][] rows(int n, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][FEATURES + 1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < FEATURES; j++) {
        x[i][j] = (float) r.nextGaussian();
      }
      x[i][FEATURES] = r.nextInt(3);
    }
    return x;
  }

  private static Dataset dataset(float[][] rows) {
    float[] x = new float[rows.length * FEATURES];
    float[] y = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, x, i * FEATURES, FEATURES);
      y[i] = rows[i][FEATURES];
    }
    return new Dataset(x, new long[] {FEATURES}, y, new long[0]);
  }

  private Path labelledCsv(String name, float[][] rows) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int j = 0; j < FEATURES; j++) {
      b.append("f").append(j).append(',');
    }
    b.append("label\n");
    for (float[] row : rows) {
      for (int j = 0; j < FEATURES; j++) {
        b.append(row[j]).append(',');
      }
      b.append((int) row[FEATURES]).append('\n');
    }
    return Files.writeString(dir.resolve(name), b);
  }

  private Path[] featureAndLabelCsvs(String name, float[][] rows) throws IOException {
    StringBuilder x = new StringBuilder();
    StringBuilder y = new StringBuilder();
    for (float[] row : rows) {
      for (int j = 0; j < FEATURES; j++) {
        x.append(j == 0 ? "" : ",").append(row[j]);
      }
      x.append('\n');
      y.append((int) row[FEATURES]).append('\n');
    }
    return new Path[] {
      Files.writeString(dir.resolve(name + "-x.csv"), x),
      Files.writeString(dir.resolve(name + "-y.csv"), y)
    };
  }

  @Test
  void anOverfitModelIsExposedAndReported() throws IOException {
    float[][] members = rows(80, 1);
    float[][] nonMembers = rows(80, 2);
    Path model = dir.resolve("overfit.keras");
    try (Sequential s =
        new Sequential(
                Dense.builder()
                    .setUnits(64)
                    .optActivation(ActivationFunction.RELU)
                    .optInputShape(FEATURES)
                    .build(),
                new Dense(3))
            .setSeed(1)) {
      s.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(true));
      s.fit(dataset(members), 40, 150);
      ModelIO.save(KerasModel.of(s, FEATURES), model);
    }
    Path in = labelledCsv("members.csv", members);
    Path[] out = featureAndLabelCsvs("non-members", nonMembers);
    Path report = dir.resolve("report");
    CommandRun r =
        CommandRun.of(
            "audit",
            "mia",
            "--model",
            model.toString(),
            "--members",
            in.toString(),
            "--non-members",
            out[0].toString(),
            out[1].toString(),
            "--json",
            "--report",
            report.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = MAPPER.readTree(r.out());
    assertThat(json.get("outputs").asText()).isEqualTo("logits");
    assertThat(json.get("members").asInt()).isEqualTo(80);
    assertThat(json.get("non_members").asInt()).isEqualTo(80);
    // memorized random labels: far from chance (0.5 ± 0.045 for 80 against 80)
    assertThat(json.get("highest_auc").get("auc").asDouble()).isGreaterThan(0.85);
    JsonNode first = json.get("results").get(0);
    assertThat(first.get("slice").asText()).isEqualTo("all");
    assertThat(first.get("attack").asText()).isEqualTo("loss_threshold");
    assertThat(first.get("auc").asDouble()).isGreaterThan(0.85);
    assertThat(first.has("tpr_at_fpr_0.001")).isTrue();
    byte[] png = Files.readAllBytes(report.resolve("roc.png"));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    assertThat(Files.readString(report.resolve("mia.md"))).contains("loss threshold", "roc.png");
    assertThat(MAPPER.readTree(report.resolve("mia.json").toFile())).isEqualTo(json);

    CommandRun table =
        CommandRun.of(
            "audit",
            "mia",
            "--model",
            model.toString(),
            "--members",
            in.toString(),
            "--non-members",
            out[0].toString(),
            out[1].toString());
    assertThat(table.exitCode()).isZero();
    assertThat(table.out()).contains("AUC", "advantage", "class 2", "correctly classified");
  }

  @Test
  void aSingleFileMustBeALabelledCsv() throws IOException {
    Path idx = Files.write(dir.resolve("x.idx"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
    Path model = dir.resolve("m.keras");
    try (Sequential s = new Sequential(Dense.builder().setUnits(2).optInputShape(1).build())) {
      s.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(true));
      ModelIO.save(KerasModel.of(s, 1), model);
    }
    CommandRun r =
        CommandRun.of(
            "audit",
            "mia",
            "--model",
            model.toString(),
            "--members",
            idx.toString(),
            "--non-members",
            idx.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--members", "labelled .csv");
  }
}
