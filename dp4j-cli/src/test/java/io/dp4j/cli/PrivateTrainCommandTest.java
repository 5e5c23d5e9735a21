package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PrivateTrainCommandTest {
  /** The example shipped in the repository (tests run in the module's folder). */
  private static final Path EXAMPLE = Path.of("..", "examples", "breast-cancer");

  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  /** Runs {@code private-train ARGS} with dp4j's handling of user errors (exit 2, one line). */
  private static Result run(String... args) {
    CommandLine cli = new CommandLine(new PrivateTrainCommand());
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof IllegalArgumentException) {
            commandLine.getErr().println("dp4j: " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private static String[] example(String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--csv",
                EXAMPLE.resolve("breast_cancer.csv").toString(),
                "--schema",
                EXAMPLE.resolve("schema.json").toString(),
                "--noise-multiplier",
                "3",
                "--epochs",
                "10",
                "--batch-size",
                "64",
                "--learning-rate",
                "0.05",
                "--seed",
                "1"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void trainsTheBreastCancerExampleChargesTheLedgerAndPredicts() throws Exception {
    Path db = dir.resolve("ledger.db");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      ledger.createDataset("breast-cancer", 4.0, 1e-5);
    }
    Path predictions = dir.resolve("predicted.csv");
    Result r =
        run(
            example(
                "--ledger",
                "breast-cancer",
                "--db",
                db.toString(),
                "--who",
                "ann",
                "--predict-out",
                predictions.toString(),
                "--json"));
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(r.out());
    assertThat(json.get("rows").asInt()).isEqualTo(569);
    assertThat(json.get("train_rows").asInt()).isEqualTo(455);
    // 10 epochs of ceil(455 / 64) = 8 steps (StepCount)
    assertThat(json.get("steps").asLong()).isEqualTo(80);
    // charged to a ledger dataset: reported at its delta
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-5);
    double planned = json.get("planned_epsilon_rdp").asDouble();
    assertThat(json.get("epsilon").asDouble()).isEqualTo(planned);
    assertThat(planned).isBetween(1.0, 3.0);
    assertThat(json.get("history").get("epsilon")).hasSize(10);
    assertThat(json.get("test_accuracy").asDouble()).isGreaterThan(0.85);
    // two classes: the AUC of class 1 (benign), per epoch and on the held-out rows
    assertThat(json.get("history").get("auc")).hasSize(10);
    assertThat(json.get("test_auc").asDouble()).isGreaterThan(0.9).isLessThanOrEqualTo(1.0);
    JsonNode charged = json.get("ledger");
    assertThat(charged.get("steps_charged").asLong()).isEqualTo(80);
    // defect 3: the per-epoch history and the held-out rows (from the same private file) are
    // computed without DP, and say so
    assertThat(json.get("not_covered_by_dp").toString())
        .contains("\"history.loss\"")
        .contains("\"history.accuracy\"")
        .contains("\"history.auc\"")
        .contains("\"test_accuracy\"")
        .contains("\"test_auc\"")
        .contains("\"test_loss\"")
        .doesNotContain("epsilon");
    assertThat(charged.get("epsilon_spent").asDouble())
        .isCloseTo(planned, org.assertj.core.data.Offset.offset(1e-6));

    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      DatasetStatus status = ledger.dataset("breast-cancer");
      assertThat(status.runs()).hasSize(1);
      assertThat(status.runs().get(0).status()).isEqualTo(RunStatus.FINISHED);
      assertThat(status.runs().get(0).who()).isEqualTo("ann");
    }
    List<String> lines = Files.readAllLines(predictions);
    assertThat(lines).hasSize(1 + 114);
    assertThat(lines.get(0))
        .endsWith(
            ",diagnosis,predicted_diagnosis,predicted_diagnosis_malignant,"
                + "predicted_diagnosis_benign");
  }

  @Test
  void theDefaultDeltaIsATenthOfOneOverNAndALargeDeltaIsWarnedAbout() throws Exception {
    // 455 training rows: 1/(10n) = 2.2e-4, rounded down to a power of ten
    Result dry = run(example("--dry-run", "--json"));
    assertThat(dry.exit()).as(dry.err()).isZero();
    assertThat(Json.MAPPER.readTree(dry.out()).get("delta").asDouble()).isEqualTo(1e-4);
    assertThat(dry.err()).doesNotContain("warning");
    Result large = run(example("--dry-run", "--delta", "0.005"));
    assertThat(large.exit()).as(large.err()).isZero();
    assertThat(large.err()).contains("dp4j: warning: delta = 0.005 is >= 1/n");
  }

  @Test
  void epochLinesAndHeldOutFiguresSayTheyAreNotCoveredByDp() {
    Result r = run(example());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(EpochLines.NOT_DP_NOTE)
        .containsPattern("epoch   1/10  loss \\S+  accuracy \\S+  auc \\S+ \\[not covered by DP\\]")
        .contains("rows of the private file [not covered by DP]");
  }

  @Test
  void aRunOverTheLedgerBudgetIsRefusedBeforeTraining() {
    Path db = dir.resolve("ledger.db");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      ledger.createDataset("breast-cancer", 1.0, 1e-5);
    }
    Result r = run(example("--ledger", "breast-cancer", "--db", db.toString()));
    assertThat(r.exit()).isEqualTo(PrivateTrainCommand.REFUSED);
    assertThat(r.err()).contains("refused by the ledger").contains("breast-cancer");
    assertThat(r.out()).contains("privacy before training").doesNotContain("epoch   1/");
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      assertThat(ledger.dataset("breast-cancer").runs()).isEmpty();
    }
  }

  @Test
  void dryRunPrintsTheBudgetAndLabelsMustBeDeclared() {
    Result dry = run(example("--dry-run"));
    assertThat(dry.exit()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("80 steps").contains("(RDP)").contains("(PLD)");

    Result undeclared =
        run("--csv", EXAMPLE.resolve("breast_cancer.csv").toString(), "--label", "diagnosis");
    assertThat(undeclared.exit()).isEqualTo(2);
    assertThat(undeclared.err()).contains("--label-categories");
  }
}
