package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep}: the runs share the data, so the sweep reports their composed ε. */
class SweepCommandTest {
  @TempDir Path tmp;

  @Test
  void reportsTheCompositionOfAllRunsBesideEachRun() throws Exception {
    Path model = tmp.resolve("linear.keras");
    try (Sequential s = new Sequential(new Dense(2)).setSeed(4)) {
      s.setInputShape(new long[] {4});
      s.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      ModelIO.save(KerasModel.of(s, 4), model);
    }
    SyntheticCsv train = SyntheticCsv.write(tmp, "train", 200, 21, 2);
    SyntheticCsv test = SyntheticCsv.write(tmp, "test", 50, 22, 2);
    Path report = tmp.resolve("sweep");
    CommandRun run =
        CommandRun.of(
            List.of(
                "sweep",
                "--targets",
                "1,4",
                "--report",
                report.toString(),
                "--json",
                "--model",
                model.toString(),
                "--from-logits"),
            train.withTest(test),
            List.of("--epochs", "2", "--batch-size", "40", "--delta", "1e-4"));
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(run.out());
    JsonNode runs = json.get("runs");
    assertThat(runs).hasSize(2);

    // by hand: each run is 2 epochs of ceil(200/40) = 5 Poisson steps at q = 0.2 with its σ
    PrivacyAccountant rdp = new RdpAccountant();
    PrivacyAccountant pld = new PldAccountant();
    double[] rdpSoFar = new double[2];
    double[] pldSoFar = new double[2];
    for (int i = 0; i < 2; i++) {
      double sigma = runs.get(i).get("noise_multiplier").asDouble();
      PoissonSampledDpEvent step = new PoissonSampledDpEvent(0.2, new GaussianDpEvent(sigma));
      rdp.compose(step, 10);
      pld.compose(step, 10);
      rdpSoFar[i] = rdp.epsilon(1e-4);
      pldSoFar[i] = pld.epsilon(1e-4);
      // the same events composed the same way by the same code: equal up to summation order
      assertThat(runs.get(i).get("sweep_epsilon_rdp_so_far").asDouble())
          .isCloseTo(rdpSoFar[i], within(1e-9 * rdpSoFar[i]));
      assertThat(runs.get(i).get("sweep_epsilon_pld_so_far").asDouble())
          .isCloseTo(pldSoFar[i], within(1e-9 * pldSoFar[i]));
    }
    assertThat(json.get("sweep_epsilon_rdp").asDouble())
        .isEqualTo(runs.get(1).get("sweep_epsilon_rdp_so_far").asDouble());
    assertThat(json.get("sweep_epsilon_pld").asDouble())
        .isEqualTo(runs.get(1).get("sweep_epsilon_pld_so_far").asDouble());
    // the whole sweep spends more than any one run: publishing all runs is not "epsilon 4"
    assertThat(json.get("sweep_epsilon_rdp").asDouble())
        .isGreaterThan(runs.get(1).get("epsilon_rdp").asDouble())
        .isGreaterThan(runs.get(0).get("epsilon_rdp").asDouble());
    assertThat(runs.get(0).get("sweep_epsilon_rdp_so_far").asDouble())
        .isCloseTo(runs.get(0).get("epsilon_rdp").asDouble(), within(1e-9));

    String md = Files.readString(report.resolve(ReportWriter.REPORT));
    assertThat(md)
        .contains("sweep so far, epsilon (RDP)")
        .contains(
            "epsilon "
                + ReportWriter.fmt(rdpSoFar[1], 3)
                + " (RDP) / "
                + ReportWriter.fmt(pldSoFar[1], 3)
                + " (PLD) for the whole sweep");
    assertThat(run.err())
        .contains("The whole sweep (2 runs on the same data) spent epsilon")
        .contains(ReportWriter.fmt(rdpSoFar[1], 3) + " (RDP)");
  }
}
