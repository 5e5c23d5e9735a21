package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The data options train and audit canaries share: each refusal names the options, the command's
 * own partner options included, and --limit and --scale shape what is read.
 */
class DataOptionsTest {
  /** Train's options that go with one form of the data, given or not. */
  private static List<DataOptions.Partner> withCsv(boolean validation) {
    return List.of(new DataOptions.Partner("--validation", validation));
  }

  private static List<DataOptions.Partner> withFiles(boolean testFeatures) {
    return List.of(
        new DataOptions.Partner("--test-features", testFeatures),
        new DataOptions.Partner("--test-labels", false));
  }

  private static DataOptions parse(String... args) {
    DataOptions options = new DataOptions();
    new CommandLine(options).parseArgs(args);
    return options;
  }

  @Test
  void refusalsNameTheOptionsOfTheCommandAtHand() {
    assertThatThrownBy(() -> parse("--data", "t.csv").validate())
        .hasMessage("a --data CSV needs --label COLUMN");
    assertThatThrownBy(() -> parse("--data", "mnist", "--label", "y").validate())
        .hasMessage("--label goes with a --data CSV");
    assertThatThrownBy(
            () -> parse("--data", "mnist").validate(false, withCsv(true), withFiles(false)))
        .hasMessage("--label and --validation go with a --data CSV");
    assertThatThrownBy(() -> parse("--data", "mnist", "--features", "x.csv").validate())
        .hasMessage("--data replaces --features/--labels; give one or the other");
    assertThatThrownBy(
            () -> parse("--data", "mnist").validate(false, withCsv(false), withFiles(true)))
        .hasMessage(
            "--data replaces --features/--labels/--test-features/--test-labels; give one or the"
                + " other");
    assertThatThrownBy(() -> parse("--features", "x.csv").validate())
        .hasMessageStartingWith("give the training data: --data mnist|fashion-mnist");
    assertThatThrownBy(() -> parse("--data", "cifar10").validate())
        .hasMessage("--data must be mnist or fashion-mnist, got \"cifar10\"");
    assertThatThrownBy(() -> parse("--data", "mnist", "--limit", "0").validate())
        .hasMessage("--limit must be >= 1, got 0");
  }

  @Test
  void aTableReadElsewhereNeedsItsLabelAndIsNotABuiltInName() {
    assertThatThrownBy(
            () -> parse("--data", "t.parquet").validate(true, withCsv(false), withFiles(false)))
        .hasMessage("a --data CSV needs --label COLUMN");
    parse("--data", "t.parquet", "--label", "y").validate(true, withCsv(true), withFiles(false));
  }

  @Test
  void filesAreReadScaledAndCutToTheLimit(@TempDir Path dir) throws Exception {
    SyntheticCsv csv = SyntheticCsv.write(dir, "d", 10, 1);
    List<String> args = new ArrayList<>(csv.options());
    args.addAll(List.of("--limit", "4", "--scale", "2"));
    DataOptions options = parse(args.toArray(String[]::new));
    options.validate();
    DataOptions.Split read =
        options.read(new long[] {4}, new long[0], new PrintWriter(new StringWriter()));
    assertThat(read.test()).isNull();
    Dataset train = read.train();
    assertThat(train.size()).isEqualTo(4);
    List<String> rows = Files.readAllLines(csv.features());
    for (int i = 0; i < 4; i++) {
      String[] cells = rows.get(i).split(",");
      for (int j = 0; j < 4; j++) {
        // the scale is one float multiplication of the parsed value: exact to the float
        assertThat(train.features()[4 * i + j]).isEqualTo(2 * Float.parseFloat(cells[j]));
      }
      assertThat(train.labels()[i])
          .isEqualTo(Float.parseFloat(Files.readAllLines(csv.labels()).get(i)));
    }
    assertThat(options.labelFile()).isEqualTo(csv.labels());
    assertThat(options.describe()).isEqualTo(csv.features() + " / " + csv.labels());
  }
}
