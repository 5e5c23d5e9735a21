package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.accounting.PrivacyStatement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report folder of a run, from a tiny synthetic history (no training). */
class ReportWriterTest {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  @TempDir Path tmp;

  @Test
  void writesTheMarkdownReportAndThreePngPlots() throws IOException {
    String statement = PrivacyStatement.of(1000, 100, 3, 1.1, 1e-5, false, true);
    StepPrivacy privacy = new StepPrivacy(0.1, 1.1, 1e-5);
    RunReport r =
        new RunReport(
            "synthetic run",
            Map.of("epochs", "3"),
            statement,
            Map.of("test accuracy", "0.7000"),
            List.of(1.2, 0.9, 0.8),
            List.of(0.5, 0.6, 0.7),
            privacy.rdpPerEpoch(3, 10),
            privacy.pldPerEpoch(3, 10));
    Path dir = tmp.resolve("report");
    Path md = ReportWriter.write(dir, r);
    for (String png : List.of("loss.png", "accuracy.png", "epsilon.png")) {
      byte[] bytes = Files.readAllBytes(dir.resolve(png));
      assertThat(bytes.length).as(png).isGreaterThan(1000);
      assertThat(Arrays.copyOf(bytes, 8)).as(png).isEqualTo(PNG);
    }
    String text = Files.readString(md);
    assertThat(text)
        .contains("# synthetic run")
        .contains(statement.strip())
        .contains("| test accuracy | 0.7000 |")
        .contains("| 3 | 0.8000 | 0.7000 |")
        .contains("![training loss per epoch](loss.png)")
        .contains("(epsilon.png)")
        .contains(
            "| epoch | training loss (not covered by DP) | training accuracy (not covered by DP) |")
        .contains(ReportWriter.NOT_DP_NOTE);
    assertThat(privacy.rdpPerEpoch(3, 10).get(2)).isGreaterThan(privacy.rdpPerEpoch(3, 10).get(0));
  }

  // issue 19, A.2: an unbounded ε was written "n/a", as if it had not been computed
  @Test
  void anUnboundedEpsilonIsWrittenNoBound() throws IOException {
    StepPrivacy privacy = new StepPrivacy(250.0 / 60000, 1e-6, 1e-5);
    RunReport r =
        new RunReport(
            "near-noiseless run",
            Map.of("epochs", "1"),
            "statement",
            Map.of(),
            List.of(1.0),
            List.of(),
            privacy.rdpPerEpoch(1, 240),
            privacy.pldPerEpoch(1, 240));
    String text = Files.readString(ReportWriter.write(tmp.resolve("report"), r));
    assertThat(privacy.pldPerEpoch(1, 240).get(0)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(privacy.rdpPerEpoch(1, 240).get(0)).isGreaterThan(1e12);
    assertThat(text).contains("| 1 | 1.0000 |").contains(" | no bound (infinite) |");
  }

  @Test
  void writesASweepPlot() throws IOException {
    Path md =
        ReportWriter.writeSweep(
            tmp,
            Map.of("train options", "--epochs 1"),
            List.of(
                new ReportWriter.SweepPoint(1, 2.0, 0.99, 0.8, 0.6, 0.99, 0.8),
                new ReportWriter.SweepPoint(4, 0.8, 3.99, 3.1, 0.8, 4.5, 3.6)));
    assertThat(Files.size(tmp.resolve("accuracy-vs-epsilon.png"))).isGreaterThan(1000);
    assertThat(Files.readString(md))
        .contains("| 4.000 | 0.8000 | 3.990 | 3.100 | 4.500 | 3.600 | 0.8000 |")
        .contains("epsilon 4.500 (RDP) / 3.600 (PLD) for the whole sweep");
  }
}
