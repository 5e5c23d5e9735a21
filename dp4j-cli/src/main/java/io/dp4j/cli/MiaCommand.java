package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.audit.MembershipInference;
import io.dp4j.audit.MembershipInference.Report;
import io.dp4j.audit.MembershipInference.Result;
import io.dp4j.audit.ModelOutputs;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j audit mia}: membership-inference attacks ({@link MembershipInference}) on a trained
 * classifier, given examples it was trained on and examples it never saw.
 */
@Command(
    name = "mia",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Membership-inference attacks on a trained classifier, as TensorFlow Privacy's privacy_tests"
          + " run them: a loss threshold, and logistic regressions on the losses and on the"
          + " model's outputs. Per slice (all examples, each class, correctly and incorrectly"
          + " classified) it prints the attack's AUC, its advantage max(TPR - FPR) and its TPR at"
          + " FPR 1% and 0.1%.",
      "Members and non-members are read as train reads data: a labelled CSV (--label names the"
          + " class column), or a features file and a labels file of class indices (CSV or IDX)."
    })
final class MiaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** What the model's outputs are. */
  enum Outputs {
    auto,
    logits,
    probabilities
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE",
      description = "The trained model: a .keras, .h5 or .json file.")
  Path model;

  @Option(
      names = "--members",
      required = true,
      arity = "1..2",
      paramLabel = "FILE",
      description = "Examples the model was trained on: a labelled .csv, or FEATURES LABELS.")
  List<Path> members;

  @Option(
      names = "--non-members",
      required = true,
      arity = "1..2",
      paramLabel = "FILE",
      description =
          "Examples from the same distribution the model never saw (e.g. held-out test data),"
              + " in the same form.")
  List<Path> nonMembers;

  @Option(
      names = "--label",
      defaultValue = "label",
      paramLabel = "COLUMN",
      description = "The class column of a labelled CSV. Default: ${DEFAULT-VALUE}.")
  String label;

  @Option(
      names = "--scale",
      defaultValue = "1",
      description = "Multiply every feature by this, as for train. Default: ${DEFAULT-VALUE}.")
  float scale;

  @Option(
      names = "--outputs",
      defaultValue = "auto",
      description =
          "${COMPLETION-CANDIDATES}: what the model outputs. auto takes probabilities when every"
              + " output is in [0, 1] and, with several classes, every row sums to 1; else"
              + " logits. Default: ${DEFAULT-VALUE}.")
  Outputs outputs;

  @Option(
      names = "--seed",
      defaultValue = "0",
      converter = NumberOptions.AnyLong.class,
      description = "Seed of the attack models' folds. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description = "Also write mia.md, mia.json and roc.png (the ROC curves) to this folder.")
  Path report;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Report result;
    boolean logits;
    int memberCount;
    int nonMemberCount;
    try (KerasModel m = ModelIO.load(model)) {
      long[] inputShape = m.inputShape();
      Dataset in = read(members, "--members", inputShape);
      Dataset outData = read(nonMembers, "--non-members", inputShape);
      float[][] inOutputs = m.sequential().predict(in);
      float[][] outOutputs = m.sequential().predict(outData);
      logits =
          switch (outputs) {
            case logits -> true;
            case probabilities -> false;
            case auto -> !(probabilities(inOutputs) && probabilities(outOutputs));
          };
      ModelOutputs mo = new ModelOutputs(inOutputs, ModelOutputs.classes(in), logits);
      ModelOutputs no = new ModelOutputs(outOutputs, ModelOutputs.classes(outData), logits);
      memberCount = mo.size();
      nonMemberCount = no.size();
      result = new MembershipInference(seed).attack(mo, no);
    }
    ObjectNode node = toJson(result, logits, memberCount, nonMemberCount);
    String table = table(result, logits, memberCount, nonMemberCount);
    if (report != null) {
      Files.createDirectories(report);
      Files.writeString(report.resolve("mia.json"), Json.write(node) + "\n");
      Files.writeString(report.resolve("mia.md"), markdown(table));
      plot(report.resolve("roc.png"), result);
    }
    out.print(json ? Json.write(node) + "\n" : table);
    if (report != null && !json) {
      out.println("Report written to " + report);
    }
    out.flush();
    return 0;
  }

  private Dataset read(List<Path> files, String option, long[] inputShape) throws IOException {
    if (files.size() == 2) {
      return DataOptions.readFiles(files.get(0), files.get(1), inputShape, new long[0], scale);
    }
    Path file = files.get(0);
    if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + ": give a labelled .csv file, or a features file and a labels file");
    }
    return LabelledCsv.read(file, label, inputShape, scale);
  }

  /** Every value in [0, 1] and, with two or more columns, every row summing to 1 (float32). */
  static boolean probabilities(float[][] rows) {
    for (float[] row : rows) {
      double sum = 0;
      for (float v : row) {
        if (!(v >= 0 && v <= 1)) {
          return false;
        }
        sum += v;
      }
      if (row.length > 1 && Math.abs(sum - 1) > 1e-3) {
        return false;
      }
    }
    return true;
  }

  private static ObjectNode toJson(Report r, boolean logits, int members, int nonMembers) {
    ObjectNode node = Json.object();
    node.put("outputs", logits ? "logits" : "probabilities");
    node.put("members", members);
    node.put("non_members", nonMembers);
    node.set("highest_auc", resultJson(r.highestAuc()));
    node.set("highest_advantage", resultJson(r.highestAdvantage()));
    ArrayNode results = node.putArray("results");
    r.results().forEach(x -> results.add(resultJson(x)));
    return node;
  }

  private static ObjectNode resultJson(Result r) {
    ObjectNode o = Json.object();
    o.put("slice", r.slice());
    o.put("attack", r.attack().name().toLowerCase(Locale.ROOT));
    o.put("members", r.members());
    o.put("non_members", r.nonMembers());
    o.put("auc", r.auc());
    o.put("advantage", r.advantage());
    o.put("tpr_at_fpr_0.01", r.tprAtFpr1Percent());
    o.put("tpr_at_fpr_0.001", r.tprAtFpr01Percent());
    return o;
  }

  private static String table(Report r, boolean logits, int members, int nonMembers) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "Membership inference: %d members, %d non-members, model outputs read as %s%n%n",
            members,
            nonMembers,
            logits ? "logits" : "probabilities"));
    b.append(
        String.format(
            Locale.ROOT,
            "%-22s %-31s %7s %7s %6s %9s %8s %9s%n",
            "slice",
            "attack",
            "members",
            "non-mem",
            "AUC",
            "advantage",
            "TPR@1%",
            "TPR@0.1%"));
    for (Result x : r.results()) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-22s %-31s %7d %7d %6.3f %9.3f %8.3f %9.3f%n",
              x.slice(),
              x.attack().description(),
              x.members(),
              x.nonMembers(),
              x.auc(),
              x.advantage(),
              x.tprAtFpr1Percent(),
              x.tprAtFpr01Percent()));
    }
    Result worst = r.highestAuc();
    b.append(
        String.format(
            Locale.ROOT,
            "%nHighest AUC %.3f (%s, %s); highest advantage %.3f. AUC 0.5 and advantage 0 are"
                + " chance: an attack that fails shows only that these attacks do not find"
                + " members.%n",
            worst.auc(),
            worst.attack().description(),
            worst.slice(),
            r.highestAdvantage().advantage()));
    return b.toString();
  }

  private static String markdown(String table) {
    return "# Membership inference\n\n```\n" + table + "```\n\n![ROC curves](roc.png)\n";
  }

  /** The ROC curves of the attacks on all examples, with the chance diagonal. */
  private static void plot(Path file, Report r) throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(640)
            .height(560)
            .title("Membership inference, all examples")
            .xAxisTitle("false positive rate")
            .yAxisTitle("true positive rate")
            .build();
    chart.getStyler().setLegendPosition(LegendPosition.InsideSE);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setDecimalPattern("0.##");
    XYSeries chance = chart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1});
    chance.setMarker(SeriesMarkers.NONE);
    chance.setLineColor(Color.GRAY);
    for (Result x : r.entireData()) {
      XYSeries s =
          chart.addSeries(
              String.format(Locale.ROOT, "%s (AUC %.3f)", x.attack().description(), x.auc()),
              x.roc().fpr(),
              x.roc().tpr());
      s.setMarker(SeriesMarkers.NONE);
    }
    try (OutputStream o = Files.newOutputStream(file)) {
      BitmapEncoder.saveBitmap(chart, o, BitmapFormat.PNG);
    }
  }
}
