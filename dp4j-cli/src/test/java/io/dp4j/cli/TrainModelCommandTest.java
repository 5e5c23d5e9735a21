package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --model}: a real Keras file trained with DP-SGD, saved with its privacy record. */
class TrainModelCommandTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path tmp;

  /**
   * This module never has Spark on its class path (the launcher adds it for --master only): the
   * option is refused before any model or data is read, saying how to build the Spark jars.
   */
  @Test
  void aMasterWithoutTheSparkJarsSaysHowToBuildThem() {
    CommandRun run =
        CommandRun.of(
            "train",
            "--model",
            tmp.resolve("absent.json").toString(),
            "--master",
            "local[2]",
            "--data",
            tmp.resolve("absent.csv").toString(),
            "--label",
            "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("--master local[2]: no cluster engine on the class path")
        .contains("mvn -B -q -DskipTests package -pl dp4j-spark -am");
  }

  @Test
  void trainsAKerasModelAndRecordsThePrivacySpent() throws IOException {
    Path keras = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
    Assumptions.assumeTrue(Files.exists(keras));
    SyntheticCsv csv = SyntheticCsv.write(tmp, "train", 400, 5);
    Path features = csv.features();
    Path labels = csv.labels();
    Path out = tmp.resolve("trained.keras");
    CommandRun run =
        KerasCommandsTest.run(
            new TrainModelCommand(),
            "--model",
            keras.toString(),
            "--features",
            features.toString(),
            "--labels",
            labels.toString(),
            "--out",
            out.toString(),
            "--epochs",
            "3",
            "--batch-size",
            "40",
            "--learning-rate",
            "0.5",
            "--noise-multiplier",
            "1.3",
            "--l2-norm-clip",
            "0.8",
            "--delta",
            "1e-4",
            "--secure-noise",
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    PrivacyRecord printed = PrivacyRecord.fromJson(json.get("privacy"));
    assertThat(printed.samplingRate()).isEqualTo(0.1);
    assertThat(printed.steps()).isEqualTo(30);
    assertThat(printed.noiseMultiplier()).isEqualTo(1.3);
    assertThat(printed.l2NormClip()).isEqualTo(0.8);
    assertThat(printed.secureNoise()).isTrue();
    assertThat(json.get("secure_noise").asBoolean()).isTrue();
    RdpAccountant independent = new RdpAccountant();
    independent.compose(new PoissonSampledDpEvent(0.1, new GaussianDpEvent(1.3)), 30);
    assertThat(printed.epsilon()).isCloseTo(independent.epsilon(1e-4), within(1e-9));
    try (KerasModel trained = ModelIO.load(out);
        KerasModel original = ModelIO.load(keras)) {
      assertThat(trained.privacyRecord()).contains(printed);
      assertThat(trained.sequential().getWeights().get(0))
          .isNotEqualTo(original.sequential().getWeights().get(0));
    }
  }

  /**
   * A Keras file with a frozen layer trains its other layers only, and --ema is reported in the
   * JSON; the saved model keeps the frozen weights and flag.
   */
  @Test
  void trainsAFileWithAFrozenLayerAndAveragesTheWeights() throws IOException {
    Dense frozen =
        Dense.builder().setUnits(6).optActivation(ActivationFunction.TANH).optInputShape(4).build();
    frozen.setTrainable(false);
    Path model = tmp.resolve("frozen.keras");
    Sequential s = new Sequential(frozen, new Dense(3)).setSeed(2);
    s.compile(
        new io.dp4j.nn.optimizers.SGD(0.1f),
        new io.dp4j.nn.losses.SparseCategoricalCrossentropy(true));
    try (KerasModel keras = KerasModel.of(s)) {
      ModelIO.save(keras, model);
    }
    SyntheticCsv csv = SyntheticCsv.write(tmp, "train", 300, 6);
    Path out = tmp.resolve("tuned.keras");
    CommandRun run =
        KerasCommandsTest.run(
            new TrainModelCommand(),
            "--model",
            model.toString(),
            "--features",
            csv.features().toString(),
            "--labels",
            csv.labels().toString(),
            "--from-logits",
            "--out",
            out.toString(),
            "--epochs",
            "2",
            "--batch-size",
            "30",
            "--noise-multiplier",
            "1.0",
            "--ema",
            "0.9",
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.path("parameter_averaging").path("ema").asDouble()).isEqualTo(0.9);
    assertThat(json.path("parameter_averaging").path("warmup").asBoolean()).isFalse();
    try (KerasModel before = ModelIO.load(model);
        KerasModel after = ModelIO.load(out)) {
      List<float[]> w0 = before.sequential().getWeights();
      List<float[]> w1 = after.sequential().getWeights();
      assertThat(w1.get(0)).containsExactly(w0.get(0));
      assertThat(w1.get(1)).containsExactly(w0.get(1));
      assertThat(w1.get(2)).isNotEqualTo(w0.get(2));
      assertThat(after.sequential().layers().get(0).isTrainable()).isFalse();
    }
    assertThat(
            KerasCommandsTest.run(
                    new TrainModelCommand(), "--model", model.toString(), "--ema", "1")
                .exitCode())
        .isEqualTo(2);
  }

  @Test
  void chargesALedgerDatasetAndRefusesAnOverspendBeforeTraining() throws IOException {
    Path keras = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
    Assumptions.assumeTrue(Files.exists(keras));
    SplittableRandom r = new SplittableRandom(7);
    StringBuilder x = new StringBuilder();
    StringBuilder y = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      for (int j = 0; j < 4; j++) {
        x.append(j == 0 ? "" : ",").append(r.nextDouble());
      }
      x.append('\n');
      y.append(r.nextInt(3)).append('\n');
    }
    Files.writeString(tmp.resolve("x.csv"), x);
    Files.writeString(tmp.resolve("y.csv"), y);
    Path db = tmp.resolve("ledger.db");
    // one run of 2 epochs x 5 steps at q = 0.2, sigma = 2 costs about 2.5 at delta 1e-4
    RdpAccountant oneRun = new RdpAccountant();
    oneRun.compose(new PoissonSampledDpEvent(0.2, new GaussianDpEvent(2.0)), 10);
    double budget = oneRun.epsilon(1e-4) * 1.2;
    assertThat(
            CommandRun.of(
                    "ledger",
                    "create",
                    "d",
                    "--epsilon",
                    Double.toString(budget),
                    "--delta",
                    "1e-4",
                    "--db",
                    db.toString())
                .exitCode())
        .isZero();
    String[] train = {
      "train",
      "--model",
      keras.toString(),
      "--features",
      tmp.resolve("x.csv").toString(),
      "--labels",
      tmp.resolve("y.csv").toString(),
      "--epochs",
      "2",
      "--batch-size",
      "40",
      "--noise-multiplier",
      "2",
      "--delta",
      "1e-4",
      "--ledger",
      "d",
      "--db",
      db.toString()
    };
    CommandRun first = CommandRun.of(train);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("ledger: run 1 charged to 'd'");
    CommandRun second = CommandRun.of(train);
    assertThat(second.exitCode()).isEqualTo(1);
    assertThat(second.err()).contains("refused by the ledger");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      DatasetStatus status = ledger.dataset("d");
      assertThat(status.runs()).hasSize(1);
      assertThat(status.runs().get(0).steps()).isEqualTo(10);
      assertThat(status.epsilonSpent()).isCloseTo(oneRun.epsilon(1e-4), within(1e-9));
    }
  }
}
