package io.dp4j.cli;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a run's report folder: {@code report.md} (settings, privacy statement, results) and PNG
 * plots drawn with XChart, headless: {@code loss.png}, {@code accuracy.png} and {@code epsilon.png}
 * per epoch, or {@code accuracy-vs-epsilon.png} for a sweep.
 */
final class ReportWriter {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  static final String REPORT = "report.md";

  /** What the report says about the figures ε does not cover. */
  static final String NOT_DP_NOTE =
      "Figures marked \"not covered by DP\" (the training loss and metrics) are computed without"
          + " noise on the private training data: epsilon does not cover them, so do not publish"
          + " them. Test figures are computed on the held-out test data, which training never"
          + " saw: DP protects the training examples, not the test examples.";

  private ReportWriter() {}

  /** Writes {@code dir/report.md} and the plots; returns the report's path. */
  static Path write(Path dir, RunReport r) throws IOException {
    Files.createDirectories(dir);
    List<String> plots = new ArrayList<>();
    List<Double> epochs = epochAxis(r.loss().size());
    plot(
        dir.resolve("loss.png"),
        "Training loss per epoch (private data, not covered by DP)",
        "epoch",
        "loss",
        List.of(new Series("loss", epochs, r.loss())));
    plots.add("![training loss per epoch](loss.png)");
    if (!r.accuracy().isEmpty()) {
      plot(
          dir.resolve("accuracy.png"),
          "Training accuracy per epoch (private data, not covered by DP)",
          "epoch",
          "accuracy",
          List.of(new Series("accuracy", epochAxis(r.accuracy().size()), r.accuracy())));
      plots.add("![training accuracy per epoch](accuracy.png)");
    }
    plot(
        dir.resolve("epsilon.png"),
        "Privacy spent (epsilon) after each epoch",
        "epoch",
        "epsilon",
        List.of(
            new Series("RDP", fromZero(r.epsilonRdp().size()), startAtZero(r.epsilonRdp())),
            new Series("PLD", fromZero(r.epsilonPld().size()), startAtZero(r.epsilonPld()))));
    plots.add("![epsilon after each epoch, RDP and PLD](epsilon.png)");

    StringBuilder md = new StringBuilder();
    md.append("# ").append(r.title()).append("\n\n");
    md.append("## Settings\n\n");
    table(md, "setting", r.settings());
    md.append("\n## Results\n\n");
    table(md, "result", r.results());
    md.append('\n').append(NOT_DP_NOTE).append('\n');
    md.append("\n## Privacy statement\n\n```\n")
        .append(r.privacyStatement().strip())
        .append("\n```\n");
    md.append("\n## Per epoch\n\n| epoch | training loss (not covered by DP) |")
        .append(r.accuracy().isEmpty() ? "" : " training accuracy (not covered by DP) |")
        .append(" epsilon (RDP) | epsilon (PLD) |\n|---|---|")
        .append(r.accuracy().isEmpty() ? "" : "---|")
        .append("---|---|\n");
    for (int e = 0; e < r.loss().size(); e++) {
      md.append("| ").append(e + 1).append(" | ").append(fmt(r.loss().get(e), 4)).append(" |");
      if (!r.accuracy().isEmpty()) {
        md.append(' ').append(fmt(r.accuracy().get(e), 4)).append(" |");
      }
      md.append(' ')
          .append(EpsilonFormat.text(at(r.epsilonRdp(), e), 3))
          .append(" | ")
          .append(EpsilonFormat.text(at(r.epsilonPld(), e), 3))
          .append(" |\n");
    }
    md.append("\n## Plots\n\n");
    for (String p : plots) {
      md.append(p).append("\n\n");
    }
    Path report = dir.resolve(REPORT);
    Files.writeString(report, md);
    return report;
  }

  /**
   * One point of a privacy-utility sweep.
   *
   * @param sweepEpsilonRdp ε (RDP) of this run and all runs before it composed: what publishing all
   *     of them spends, as they trained on the same data
   * @param sweepEpsilonPld the same composition under the PLD accountant
   */
  record SweepPoint(
      double targetEpsilon,
      double noiseMultiplier,
      double epsilonRdp,
      double epsilonPld,
      double testAccuracy,
      double sweepEpsilonRdp,
      double sweepEpsilonPld) {}

  /** Writes a sweep's {@code report.md} and {@code accuracy-vs-epsilon.png}. */
  static Path writeSweep(Path dir, Map<String, String> settings, List<SweepPoint> points)
      throws IOException {
    Files.createDirectories(dir);
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (SweepPoint p : points) {
      x.add(p.epsilonRdp());
      y.add(p.testAccuracy());
    }
    plot(
        dir.resolve("accuracy-vs-epsilon.png"),
        "Privacy-utility: test accuracy against epsilon (RDP)",
        "epsilon (RDP)" + (spansADecade(x) ? ", log scale" : ""),
        "test accuracy",
        List.of(new Series("test accuracy", x, y)),
        spansADecade(x));
    StringBuilder md = new StringBuilder("# Privacy-utility sweep\n\n## Settings\n\n");
    table(md, "setting", settings);
    md.append("\n## Results\n\n")
        .append(
            "| target epsilon | noise multiplier | epsilon (RDP) | epsilon (PLD) | sweep so far,"
                + " epsilon (RDP) | sweep so far, epsilon (PLD) | test accuracy (held-out test"
                + " data) |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (SweepPoint p : points) {
      md.append("| ")
          .append(fmt(p.targetEpsilon(), 3))
          .append(" | ")
          .append(fmt(p.noiseMultiplier(), 4))
          .append(" | ")
          .append(EpsilonFormat.text(p.epsilonRdp(), 3))
          .append(" | ")
          .append(EpsilonFormat.text(p.epsilonPld(), 3))
          .append(" | ")
          .append(fmt(p.sweepEpsilonRdp(), 3))
          .append(" | ")
          .append(fmt(p.sweepEpsilonPld(), 3))
          .append(" | ")
          .append(fmt(p.testAccuracy(), 4))
          .append(" |\n");
    }
    if (!points.isEmpty()) {
      SweepPoint whole = points.get(points.size() - 1);
      md.append("\nThe runs trained on the same data, so publishing the results of all ")
          .append(points.size())
          .append(" runs spends their composition: **epsilon ")
          .append(fmt(whole.sweepEpsilonRdp(), 3))
          .append(" (RDP) / ")
          .append(fmt(whole.sweepEpsilonPld(), 3))
          .append(" (PLD) for the whole sweep**, not one run's epsilon.\n");
    }
    md.append("\n![test accuracy against epsilon](accuracy-vs-epsilon.png)\n");
    Path report = dir.resolve(REPORT);
    Files.writeString(report, md);
    return report;
  }

  private record Series(String name, List<Double> x, List<Double> y) {}

  private static void plot(
      Path file, String title, String xTitle, String yTitle, List<Series> series)
      throws IOException {
    plot(file, title, xTitle, yTitle, series, false);
  }

  private static void plot(
      Path file, String title, String xTitle, String yTitle, List<Series> series, boolean logX)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(420)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(8);
    chart.getStyler().setDecimalPattern("0.###");
    chart.getStyler().setXAxisLogarithmic(logX);
    for (Series s : series) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < Math.min(s.x().size(), s.y().size()); i++) {
        if (Double.isFinite(s.y().get(i)) && Double.isFinite(s.x().get(i))) {
          xs.add(s.x().get(i));
          ys.add(s.y().get(i));
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries added = chart.addSeries(s.name(), xs, ys);
      added.setMarker(SeriesMarkers.CIRCLE);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
    }
  }

  private static boolean spansADecade(List<Double> x) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (double v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return min > 0 && max / min >= 10;
  }

  private static List<Double> epochAxis(int n) {
    List<Double> xs = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      xs.add((double) i);
    }
    return xs;
  }

  /** Epochs 0..n (ε is 0 before training). */
  private static List<Double> fromZero(int n) {
    List<Double> xs = new ArrayList<>();
    for (int i = 0; i <= n; i++) {
      xs.add((double) i);
    }
    return xs;
  }

  private static List<Double> startAtZero(List<Double> values) {
    List<Double> ys = new ArrayList<>();
    ys.add(0.0);
    ys.addAll(values);
    return ys;
  }

  private static double at(List<Double> values, int i) {
    return i < values.size() ? values.get(i) : Double.NaN;
  }

  private static void table(StringBuilder md, String header, Map<String, String> rows) {
    md.append("| ").append(header).append(" | value |\n|---|---|\n");
    rows.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
  }

  static String fmt(double v, int digits) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "n/a";
  }
}
