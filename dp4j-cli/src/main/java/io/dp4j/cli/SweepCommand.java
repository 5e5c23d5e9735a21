package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code dp4j sweep --targets 0.5,1,2,4 [train options]}: trains the same model once per target ε
 * (the noise multiplier calibrated each time) and plots test accuracy against ε.
 *
 * <p>Every run trains on the same data, so publishing the results of all of them spends the
 * composition of their ε's, not the ε of any one run: the sweep composes the DP events of all the
 * runs' steps with both accountants and reports that ε, after each run and for the whole sweep.
 *
 * <p>With {@code --private} it is a private hyperparameter search instead ({@link PrivateSearch}):
 * a random number of trials, only the best released, one RDP ε for the whole search.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Privacy-utility sweep: train the same model at several target epsilons (calibrating the"
          + " noise multiplier each time) and plot test accuracy against epsilon.",
      "Every other option is passed to `dp4j train` (see `dp4j train --help`); the data must"
          + " have a test split (--data, or --test-features/--test-labels).",
      "Example (a couple of minutes): dp4j sweep --targets 0.5,1,2,4 --model tutorial-cnn"
          + " --data mnist --epochs 1 --limit 10000",
      "--private: private hyperparameter tuning (Papernot and Steinke 2022). A random number of"
          + " trials (--trials-distribution, --mean-trials), each a random configuration of the"
          + " grid (--targets x --learning-rates), scored on a validation split of the training"
          + " data with noise; reports the best configuration and one epsilon for the whole"
          + " search.",
      "Exit codes: 0 done, 1 a run failed or was refused, 2 bad usage."
    })
final class SweepCommand implements Callable<Integer> {
  private static final Set<String> OWNED =
      Set.of("--target-epsilon", "--noise-multiplier", "--report", "--json", "--out");

  @Spec CommandSpec spec;

  @Option(
      names = "--targets",
      required = true,
      split = ",",
      paramLabel = "E1,E2,...",
      description = "The target epsilons, e.g. 0.5,1,2,4.")
  List<Double> targets;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description =
          "Where to write report.md and accuracy-vs-epsilon.png (default:"
              + " reports/sweep-<yyyyMMdd-HHmmss>).")
  Path report;

  @Option(names = "--json", description = "End with one JSON object of the results.")
  boolean json;

  @Option(
      names = "--private",
      description =
          "Private tuning: run a random number of trials and release only the best (see"
              + " docs/private-tuning.md).")
  boolean privateSearch;

  @Option(
      names = "--trials-distribution",
      paramLabel = "LAW",
      description =
          "With --private: poisson or negative-binomial (truncated; with --eta). Default:"
              + " negative-binomial.")
  String trialsDistribution;

  @Option(
      names = "--mean-trials",
      paramLabel = "M",
      description = "With --private: the expected number of trials, >= 1.")
  Double meanTrials;

  @Option(
      names = "--eta",
      paramLabel = "ETA",
      converter = AnyNumber.class,
      description =
          "With --private and negative-binomial: the shape, > -1 (0 logarithmic, 1 geometric;"
              + " default 1).")
  Double eta;

  @Option(
      names = "--learning-rates",
      split = ",",
      paramLabel = "LR1,LR2,...",
      description = "With --private: learning rates, a second axis of the grid.")
  List<Float> learningRates;

  @Option(
      names = "--validation-fraction",
      paramLabel = "F",
      description =
          "With --private: the share of the training data (its last examples) held out to score"
              + " the trials (default 0.1).")
  Double validationFraction;

  @Option(
      names = "--validation-noise",
      paramLabel = "SIGMA",
      description =
          "With --private: the standard deviation of the Gaussian noise on each trial's count of"
              + " correct validation examples (default 10); its privacy cost is in the epsilon.")
  Double validationNoise;

  @Unmatched List<String> trainArgs = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    for (String a : trainArgs) {
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (OWNED.contains(name)) {
        throw new IllegalArgumentException(
            name + " is not a sweep option: the sweep sets the target epsilon of each run");
      }
    }
    for (double t : targets) {
      if (!(t > 0 && Double.isFinite(t))) {
        throw new IllegalArgumentException("--targets must be finite and > 0, got " + t);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter log = json ? err : out;
    if (privateSearch) {
      return runPrivate(log, out, err);
    }
    if (trialsDistribution != null
        || meanTrials != null
        || eta != null
        || learningRates != null
        || validationFraction != null
        || validationNoise != null) {
      throw new IllegalArgumentException(
          "--trials-distribution, --mean-trials, --eta, --learning-rates, --validation-fraction"
              + " and --validation-noise go with --private");
    }
    Path dir =
        report != null
            ? report
            : Path.of(
                "reports",
                "sweep-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    TrainModelCommand train = parseTrain(log, err);
    List<ReportWriter.SweepPoint> points = new ArrayList<>();
    PrivacyAccountant composedRdp = new RdpAccountant();
    PrivacyAccountant composedPld = new PldAccountant();
    double delta = Double.NaN;
    for (double target : targets) {
      log.printf(Locale.ROOT, "%n== target epsilon %s ==%n", target);
      log.flush();
      TrainModelCommand.Result r = train.run(target);
      if (r.exitCode() != 0) {
        return r.exitCode();
      }
      if (Double.isNaN(r.testAccuracy())) {
        throw new IllegalArgumentException(
            "the sweep plots test accuracy: give data with a test split (--data, or"
                + " --test-features/--test-labels) and a classification loss");
      }
      if (!Double.isNaN(delta) && r.delta() != delta) {
        throw new IllegalStateException(
            "sweep runs used different deltas (" + delta + ", " + r.delta() + ")");
      }
      delta = r.delta();
      for (DpEvent event : r.events()) {
        composedRdp.compose(event);
        composedPld.compose(event);
      }
      points.add(
          new ReportWriter.SweepPoint(
              target,
              r.noiseMultiplier(),
              r.epsilonRdp(),
              r.epsilonPld(),
              r.testAccuracy(),
              composedRdp.epsilon(delta),
              composedPld.epsilon(delta)));
    }
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("train options", String.join(" ", trainArgs));
    settings.put("target epsilons", targets.toString());
    settings.put("accountant of the calibration", train.accountant.name());
    settings.put("delta", Double.toString(delta));
    ReportWriter.SweepPoint whole = points.get(points.size() - 1);
    Path written = ReportWriter.writeSweep(dir, settings, points);
    log.println();
    log.println(
        "target eps  sigma     eps RDP  eps PLD  sweep so far: eps RDP  eps PLD  test accuracy");
    for (ReportWriter.SweepPoint p : points) {
      log.printf(
          Locale.ROOT,
          "%10s  %-8.4f  %7.3f  %7.3f                %7.3f  %7.3f  %.4f%n",
          p.targetEpsilon(),
          p.noiseMultiplier(),
          p.epsilonRdp(),
          p.epsilonPld(),
          p.sweepEpsilonRdp(),
          p.sweepEpsilonPld(),
          p.testAccuracy());
    }
    log.printf(
        Locale.ROOT,
        "The whole sweep (%d runs on the same data) spent epsilon %.3f (RDP) / %.3f (PLD) at"
            + " delta = %s: publishing results of all runs spends this, not one run's epsilon.%n",
        points.size(),
        whole.sweepEpsilonRdp(),
        whole.sweepEpsilonPld(),
        delta);
    log.println("Report: " + written);
    log.flush();
    if (json) {
      ObjectNode node = Json.object();
      ArrayNode runs = node.putArray("runs");
      for (ReportWriter.SweepPoint p : points) {
        ObjectNode run = runs.addObject();
        run.put("target_epsilon", p.targetEpsilon());
        run.put("noise_multiplier", p.noiseMultiplier());
        EpsilonFormat.putJson(run, "epsilon_rdp", p.epsilonRdp());
        EpsilonFormat.putJson(run, "epsilon_pld", p.epsilonPld());
        run.put("test_accuracy", p.testAccuracy());
        run.put("sweep_epsilon_rdp_so_far", p.sweepEpsilonRdp());
        run.put("sweep_epsilon_pld_so_far", p.sweepEpsilonPld());
      }
      node.put("sweep_epsilon_rdp", whole.sweepEpsilonRdp());
      node.put("sweep_epsilon_pld", whole.sweepEpsilonPld());
      node.put("delta", delta);
      node.put(
          "dp_coverage_note",
          "every run trained on the same data: sweep_epsilon_* (all runs' steps composed) is"
              + " what publishing all runs spends; runs[].test_accuracy is computed on held-out"
              + " test data");
      node.put("report", written.toString());
      out.println(Json.write(node));
      out.flush();
    }
    return 0;
  }

  /** The train options, parsed once: each target (or trial) is one more plan of the same run. */
  private TrainModelCommand parseTrain(PrintWriter log, PrintWriter err) {
    TrainModelCommand train = new TrainModelCommand();
    CommandLine cli = NumberOptions.register(new CommandLine(train));
    cli.setOut(log);
    cli.setErr(err);
    try {
      cli.parseArgs(trainArgs.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return train;
  }

  /** {@code --private}: see {@link PrivateSearch}. */
  private int runPrivate(PrintWriter log, PrintWriter out, PrintWriter err) throws IOException {
    if (report != null) {
      throw new IllegalArgumentException(
          "--report is not written by a private search: its plot would publish every trial");
    }
    if (meanTrials == null) {
      throw new IllegalArgumentException("--private needs --mean-trials M (the expected trials)");
    }
    double fraction = validationFraction == null ? 0.1 : validationFraction;
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException(
          "--validation-fraction must be in (0, 1), got " + fraction);
    }
    double noise = validationNoise == null ? 10 : validationNoise;
    if (!(noise > 0 && noise < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "--validation-noise must be finite and > 0 (the trials' scores must be private), got "
              + noise);
    }
    List<PrivateSearch.Config> grid = new ArrayList<>();
    for (double t : targets) {
      if (learningRates == null) {
        grid.add(new PrivateSearch.Config(t, null));
      } else {
        for (Float lr : learningRates) {
          if (!(lr > 0 && Float.isFinite(lr))) {
            throw new IllegalArgumentException(
                "--learning-rates must be finite and > 0, got " + lr);
          }
          grid.add(new PrivateSearch.Config(t, lr));
        }
      }
    }
    for (String a : trainArgs) {
      if (learningRates != null && a.startsWith("--learning-rate")) {
        throw new IllegalArgumentException(
            "give the learning rates to search as --learning-rates, not --learning-rate");
      }
      if (a.startsWith("--validation")
          || a.startsWith("--resume")
          || a.startsWith("--checkpoint")) {
        throw new IllegalArgumentException(
            a
                + " does not go with --private: the search holds out its own validation split and"
                + " trains fresh models");
      }
    }
    TrainModelCommand train = parseTrain(new PrintWriter(java.io.Writer.nullWriter()), err);
    train.holdout = fraction;
    PrivateSearch search =
        new PrivateSearch(
            train,
            grid,
            PrivateSearch.distribution(
                trialsDistribution == null ? "negative-binomial" : trialsDistribution,
                meanTrials,
                eta),
            noise);
    return search.run(log, out, json);
  }

  /** η may be negative (down to −1, exclusive), which the positive-number converters refuse. */
  static final class AnyNumber implements CommandLine.ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
      }
    }
  }
}
