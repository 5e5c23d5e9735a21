package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.accounting.DeltaDefault;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 defects 3, 4 and 5 on one run shape (n 1000, b 400, E 2): {@code budget}, {@code
 * calibrate}, the report's privacy statement and a real {@code train} count the same steps, the
 * calibrated σ meets its target in training, the default δ is 1e-4 (not 1/n), and every training
 * figure is labelled as not covered by DP.
 */
class RunShapeAgreementTest {
  @TempDir Path tmp;

  private static JsonNode json(CommandRun run) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isZero();
    return Json.MAPPER.readTree(run.out());
  }

  @Test
  void budgetCalibrateStatementAndTrainingCountTheSameStepsAndCalibrationHitsItsTarget()
      throws Exception {
    String[] shape = {"--n", "1000", "--batch-size", "400", "--epochs", "2", "--delta", "1e-4"};
    JsonNode cal =
        json(
            CommandRun.of(
                concat(
                    "calibrate", shape, "--target-epsilon", "3", "--accountant", "rdp", "--json")));
    double sigma = cal.get("noise_multiplier").asDouble();
    JsonNode budget =
        json(
            CommandRun.of(
                concat(
                    "budget",
                    shape,
                    "--noise-multiplier",
                    Double.toString(sigma),
                    "--accountant",
                    "rdp",
                    "--json")));
    // 2 epochs of ceil(1000/400) = 3 steps; the old planning counted ceil(2·1000/400) = 5
    assertThat(cal.get("steps").asLong()).isEqualTo(6);
    assertThat(budget.get("steps").asLong()).isEqualTo(6);

    SyntheticCsv data = SyntheticCsv.write(tmp, "train", 1000, 11, 2);
    SyntheticCsv test = SyntheticCsv.write(tmp, "test", 100, 12, 2);
    Path report = tmp.resolve("report");
    CommandRun train =
        CommandRun.of(
            List.of(
                "train", "--model", SyntheticCsv.twoClassModel(tmp).toString(), "--from-logits"),
            data.withTest(test),
            List.of(
                "--epochs",
                "2",
                "--batch-size",
                "400",
                "--noise-multiplier",
                Double.toString(sigma),
                "--target-epsilon",
                "3",
                "--accountant",
                "rdp",
                "--report",
                report.toString(),
                "--json"));
    JsonNode run = json(train);
    assertThat(run.get("privacy").get("steps").asLong()).isEqualTo(6);
    assertThat(run.get("steps").asLong()).isEqualTo(6);
    // no --delta: the default for n = 1000 is 1e-4 = 1/(10n) (it was 1e-3 = 1/n), not warned
    assertThat(run.get("delta").asDouble()).isEqualTo(1e-4);
    assertThat(train.err()).doesNotContain("warning: delta");
    // same q, σ, steps and δ: the run spends exactly what calibrate computed, within the target
    RdpAccountant independent = new RdpAccountant();
    independent.compose(new PoissonSampledDpEvent(0.4, new GaussianDpEvent(sigma)), 6);
    assertThat(run.get("epsilon_rdp").asDouble())
        .isCloseTo(cal.get("epsilon").asDouble(), within(1e-9))
        .isCloseTo(independent.epsilon(1e-4), within(1e-9))
        .isLessThanOrEqualTo(3.0);
    String md = Files.readString(report.resolve(ReportWriter.REPORT));
    assertThat(md).contains("2 epochs = 6 steps").doesNotContain("Note: the statement counts");

    // defect 3: every figure computed on the private training data is labelled
    assertThat(train.err())
        .contains(EpochLines.NOT_DP_NOTE)
        .containsPattern("Epoch 1/2 - 3 steps .* - loss: .*\\[not covered by DP\\] - epsilon: ")
        .contains("(last epoch; private training data, not covered by DP)")
        .contains("held-out test examples");
    assertThat(md)
        .contains("| final training loss (not covered by DP) |")
        .contains("| test accuracy (held-out test data) |")
        .contains("| epoch | training loss (not covered by DP) |")
        .contains(ReportWriter.NOT_DP_NOTE);
    assertThat(run.get("not_covered_by_dp")).hasSize(1);
    assertThat(run.get("not_covered_by_dp").get(0).asText()).isEqualTo("loss");
    assertThat(run.get("test_data_figures").toString())
        .contains("\"test_accuracy\"")
        .contains("\"test_loss\"");
    assertThat(run.get("dp_coverage_note").asText()).contains("not_covered_by_dp");
  }

  @Test
  void aUserDeltaOfOneOverNOrMoreIsWarnedAbout() throws Exception {
    SyntheticCsv data = SyntheticCsv.write(tmp, "train", 100, 11, 2);
    CommandRun train =
        CommandRun.of(
            List.of(
                "train", "--model", SyntheticCsv.twoClassModel(tmp).toString(), "--from-logits"),
            data.options(),
            List.of("--epochs", "1", "--batch-size", "50", "--delta", "0.01", "--json"));
    json(train);
    assertThat(train.err())
        .contains("dp4j: warning: " + DeltaDefault.warning(0.01, 100).orElseThrow());
  }

  @Test
  void budgetAndCalibrateWarnAboutADeltaOfOneOverNOrMore() {
    String[] shape = {"--n", "1000", "--batch-size", "400", "--epochs", "2", "--delta", "1e-3"};
    CommandRun budget = CommandRun.of(concat("budget", shape, "--noise-multiplier", "1.1"));
    CommandRun calibrate = CommandRun.of(concat("calibrate", shape, "--target-epsilon", "3"));
    String warning = "dp4j: warning: " + DeltaDefault.warning(1e-3, 1000).orElseThrow();
    assertThat(budget.exitCode()).as(budget.err()).isZero();
    assertThat(budget.err()).contains(warning);
    assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
    assertThat(calibrate.err()).contains(warning);
    CommandRun small =
        CommandRun.of(
            "budget",
            "--n",
            "1000",
            "--batch-size",
            "400",
            "--epochs",
            "2",
            "--delta",
            "1e-4",
            "--noise-multiplier",
            "1.1");
    assertThat(small.err()).doesNotContain("warning");
  }

  private static String[] concat(String first, String[] middle, String... last) {
    String[] all = new String[1 + middle.length + last.length];
    all[0] = first;
    System.arraycopy(middle, 0, all, 1, middle.length);
    System.arraycopy(last, 0, all, 1 + middle.length, last.length);
    return all;
  }
}
