import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * docs/recipes.md's table and plots from the --json output of the recipe runs: files named
 * DATA-eEPSILON-rK.json (DATA mnist or fashion-mnist, K the repeat) in one folder. Prints the
 * markdown rows (mean ± sample standard deviation over the repeats, min-max) and writes
 * recipes-DATA.png beside the docs with the published anchors.
 *
 * <p>java -cp dp4j-cli/target/dp4j.jar tools/recipes/RecipeTable.java RUNS_DIR docs
 */
public final class RecipeTable {
  /** Published test accuracies (%) at epsilon: label, epsilon, accuracy. */
  private static final Map<String, Object[][]> ANCHORS =
      Map.of(
          "mnist",
          new Object[][] {
            {"Tramèr & Boneh 2021, ScatterNet + linear/CNN", 3.0, 98.7},
            {"Tramèr & Boneh 2021, end-to-end tanh CNN", 3.0, 98.1},
            {"Papernot et al. 2021, tempered sigmoid CNN", 2.93, 98.1}
          },
          "fashion-mnist",
          new Object[][] {
            {"Tramèr & Boneh 2021, ScatterNet + linear", 3.0, 89.7},
            {"Tramèr & Boneh 2021, end-to-end tanh CNN", 3.0, 86.0}
          });

  /** The targets of issue 13 (%), at epsilon 1 and 3. */
  private static final Map<String, List<Double>> TARGETS =
      Map.of("mnist", List.of(97.5, 98.8), "fashion-mnist", List.of(86.0, 90.0));

  public static void main(String[] args) throws IOException {
    Path runs = Path.of(args[0]);
    Path docs = Path.of(args[1]);
    ObjectMapper mapper = new ObjectMapper();
    // data -> epsilon -> runs
    Map<String, Map<Double, List<JsonNode>>> all = new TreeMap<>();
    try (Stream<Path> files = Files.list(runs)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (!name.matches("(mnist|fashion-mnist)-e[0-9.]+-r[0-9]+\\.json")) {
          continue;
        }
        String data = name.substring(0, name.indexOf("-e"));
        double eps = Double.parseDouble(name.substring(name.indexOf("-e") + 2, name.indexOf("-r")));
        all.computeIfAbsent(data, d -> new TreeMap<>())
            .computeIfAbsent(eps, e -> new ArrayList<>())
            .add(mapper.readTree(f.toFile()));
      }
    }
    for (var byData : all.entrySet()) {
      System.out.println("## " + byData.getKey());
      System.out.println(
          "| target ε (PLD) | runs | test accuracy % (mean ± sd) | min–max | σ | ε (RDP) | training"
              + " s |");
      System.out.println("|---|---|---|---|---|---|---|");
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      List<Double> errors = new ArrayList<>();
      for (var byEps : byData.getValue().entrySet()) {
        List<JsonNode> nodes = byEps.getValue();
        double[] acc = nodes.stream().mapToDouble(n -> 100 * n.get("test_accuracy").asDouble()).toArray();
        double mean = java.util.Arrays.stream(acc).average().orElseThrow();
        double sd =
            acc.length < 2
                ? 0
                : Math.sqrt(
                    java.util.Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum()
                        / (acc.length - 1));
        double min = java.util.Arrays.stream(acc).min().orElseThrow();
        double max = java.util.Arrays.stream(acc).max().orElseThrow();
        double seconds = nodes.stream().mapToDouble(n -> n.get("seconds").asDouble()).average().orElseThrow();
        System.out.printf(
            Locale.ROOT,
            "| %s | %d | %s | %s | %.3f | %.2f | %.0f |%n",
            fmt(byEps.getKey()),
            acc.length,
            acc.length < 2 ? String.format(Locale.ROOT, "%.2f", mean) : String.format(Locale.ROOT, "%.2f ± %.2f", mean, sd),
            acc.length < 2 ? "" : String.format(Locale.ROOT, "%.2f–%.2f", min, max),
            nodes.get(0).get("noise_multiplier").asDouble(),
            nodes.get(0).get("epsilon_rdp").asDouble(),
            seconds);
        xs.add(byEps.getKey());
        ys.add(mean);
        errors.add(sd);
      }
      plot(docs.resolve("recipes-" + byData.getKey() + ".png"), byData.getKey(), xs, ys, errors);
    }
  }

  private static String fmt(double x) {
    return x == Math.rint(x) ? Integer.toString((int) x) : Double.toString(x);
  }

  private static void plot(Path file, String data, List<Double> x, List<Double> y, List<Double> e)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(440)
            .title("dp4j train --recipe " + data + ": test accuracy against epsilon (delta 1e-5)")
            .xAxisTitle("epsilon (PLD; the runs also report RDP)")
            .yAxisTitle("test accuracy %")
            .build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(8);
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setDecimalPattern("0.#");
    XYSeries ours = chart.addSeries("dp4j recipe (mean, sd bars where 3 runs)", x, y, e);
    ours.setMarker(SeriesMarkers.CIRCLE);
    XYSeries target = chart.addSeries("target (issue 13)", List.of(1.0, 3.0), TARGETS.get(data));
    target.setMarker(SeriesMarkers.TRIANGLE_UP);
    target.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.NONE);
    for (Object[] anchor : ANCHORS.get(data)) {
      XYSeries s =
          chart.addSeries(
              (String) anchor[0], List.of((Double) anchor[1]), List.of((Double) anchor[2]));
      s.setMarker(SeriesMarkers.DIAMOND);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
