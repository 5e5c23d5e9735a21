package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code audit canaries} on a small untrained model (4 inputs, 16 hidden, 3 classes: 112 kernel
 * entries) and the 200-example synthetic task, seeded so that the outcome is fixed. The engine is
 * correct, so the lower bound must not exceed the claimed epsilon.
 */
class CanaryCommandTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path dir;
  private Path model;
  private SyntheticCsv files;
  private Path labelled;

  @BeforeEach
  void writeModelAndData() throws IOException {
    model = SyntheticCsv.model(dir, 16, 3, 1);
    files = SyntheticCsv.write(dir, "task", 200, 7);
    // the same examples as a labelled CSV (header row, class column last)
    List<String> x = Files.readAllLines(files.features());
    List<String> y = Files.readAllLines(files.labels());
    StringBuilder b = new StringBuilder("f0,f1,f2,f3,class\n");
    for (int i = 0; i < x.size(); i++) {
      b.append(x.get(i)).append(',').append(y.get(i)).append('\n');
    }
    labelled = Files.writeString(dir.resolve("task.csv"), b);
  }

  /** {@code audit canaries} of the model on the labelled CSV. */
  private List<String> onLabelledCsv() {
    return List.of(
        "audit",
        "canaries",
        "--model",
        model.toString(),
        "--data",
        labelled.toString(),
        "--label",
        "class");
  }

  /** {@code audit canaries} of the model on the feature and label files. */
  private List<String> onFiles() {
    List<String> args = new ArrayList<>(List.of("audit", "canaries", "--model", model.toString()));
    args.addAll(files.options());
    return args;
  }

  @Test
  void whiteBoxJsonHasTheIssuesKeysAndDoesNotRefuteTheCorrectEngine() throws IOException {
    CommandRun r =
        CommandRun.of(
            onLabelledCsv(),
            List.of(
                "--from-logits",
                "--l2-norm-clip",
                "1",
                "--noise-multiplier",
                "1",
                "--batch-size",
                "50",
                "--steps",
                "20",
                "--canaries",
                "100",
                "--guesses",
                "10",
                "--delta",
                "1e-5",
                "--seed",
                "14",
                "--json"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = MAPPER.readTree(r.out());
    assertThat(json.has("epsilon_lower_bound")).isTrue();
    assertThat(json.get("mode").asText()).isEqualTo("white-box");
    assertThat(json.get("canaries").asInt()).isEqualTo(100);
    assertThat(json.get("guesses").asInt()).isEqualTo(20);
    assertThat(json.get("correct").asInt()).isBetween(0, 20);
    assertThat(json.get("confidence").asDouble()).isEqualTo(0.95);
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-5);
    assertThat(json.get("steps").asLong()).isEqualTo(20);
    assertThat(json.get("q").asDouble()).isEqualTo(0.25);
    assertThat(json.get("predictable").asBoolean()).isTrue();
    // q 0.25, sigma 1, 20 steps: about 8 (PLD), neither 0 nor unbounded
    double claimed = json.get("epsilon_claimed").asDouble();
    assertThat(claimed).isBetween(0.5, 20.0);
    assertThat(json.get("epsilon_lower_bound").asDouble()).isBetween(0.0, claimed);
    assertThat(json.get("refutes_claim").asBoolean()).isFalse();
  }

  @Test
  void inputSpaceTableFromFeatureAndLabelFiles() {
    CommandRun r =
        CommandRun.of(
            onFiles(),
            List.of(
                "--from-logits",
                "--noise-multiplier",
                "1",
                "--batch-size",
                "50",
                "--epochs",
                "2",
                "--mode",
                "input-space",
                "--canaries",
                "40",
                "--seed",
                "3"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("input-space", "eps lower bound", "eps claimed", "8 steps")
        .contains("Consistent: the lower bound")
        .contains("--seed made the canaries");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "--mode|black-box|--mode must be white-box or input-space",
        "--guesses|60|--guesses must be in [1, 50]",
        "--score|max|--score must be residual, sum or variation",
        "--confidence|1|--confidence must be in (0, 1)",
        "--batch-size|500|--batch-size must be in [1, 200]",
        "--steps|0|--steps/--epochs must give 1",
        "--limit|0|Invalid value for option '--limit'",
      })
  void badInputExitsTwoNamingTheFlag(String flag, String value, String message) {
    List<String> args = new ArrayList<>(onFiles());
    args.addAll(List.of("--canaries", "100"));
    for (String[] valid : new String[][] {{"--steps", "5"}, {"--batch-size", "50"}}) {
      if (!flag.equals(valid[0])) {
        args.addAll(List.of(valid));
      }
    }
    args.addAll(List.of(flag, value));
    CommandRun r = CommandRun.of(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.out()).isEqualTo(2);
    assertThat(r.err()).contains(message);
  }

  @Test
  void inputSpaceCanariesMustBeFewerThanTheExamples() {
    CommandRun r =
        CommandRun.of(
            onLabelledCsv(),
            List.of(
                "--steps",
                "5",
                "--batch-size",
                "50",
                "--mode",
                "input-space",
                "--canaries",
                "200"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--canaries 200", "fewer than its 200");
  }
}
