package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.CpuKernels;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.BatchEvent;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.clipping.NativeConvNorms;
import io.dp4j.tutorial.MnistTutorial;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j bench}: the cost of a DP step relative to a plain step of the same model, measured in
 * one run with alternating rounds (absolute times on a shared machine are noise; the ratio is the
 * figure), and the time of the accountants' queries.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark a model's DP-SGD step (per-example clipping, Poisson batches) against its plain"
          + " SGD step (same run, alternating rounds; the ratio is the figure) and the"
          + " accountants' query times.",
      "Run it with nothing else busy on the machine."
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--steps",
      defaultValue = "30",
      description = "Timed steps per round (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description = "Alternating rounds; the median of each is kept (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--model",
      defaultValue = "tutorial-cnn",
      converter = BenchTarget.Converter.class,
      description =
          "tutorial-cnn (default), cifar-cnn (Tramer & Boneh's CIFAR-10 CNN, tanh, 32x32x3),"
              + " mlp (Dense 256-128-10 on 28x28 pixels), embedding (64 ids of 5000 into 16"
              + " dimensions, Dense 32-2), or a Keras model file (.keras, .h5, .json) timed on"
              + " random inputs of its shape.")
  BenchTarget model;

  @Option(
      names = "--batch-size",
      description = "Expected (Poisson) batch size (default: 256 for cifar-cnn, else 250).")
  Integer batchSizeOption;

  private int batchSize;

  @Option(names = "--skip-training", description = "Only time the accountants.")
  boolean skipTraining;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(
      names = "--secure-noise",
      description =
          "Also time the DP step in the secure noise mode (noise drawn in Java on SecureRandom"
              + " and fed each step) in the same rounds.")
  boolean secureNoise;

  private static final int WARMUP = 5;

  @Override
  public Integer call() {
    batchSize = batchSizeOption != null ? batchSizeOption : model.defaultBatchSize();
    if (steps < 1 || rounds < 1 || batchSize < 1) {
      throw new IllegalArgumentException("--steps, --rounds and --batch-size must be >= 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter log = json ? spec.commandLine().getErr() : out;
    ObjectNode node = Json.object();
    CpuKernels kernels = CpuKernels.current();
    boolean nativeConvNorms = NativeConvNorms.available();
    log.printf(
        Locale.ROOT,
        "TensorFlow CPU kernels: %s (%s) on %s; dp4j's native convolution norms %s%n",
        kernels.oneDnn() ? "oneDNN" : "Eigen, oneDNN off",
        kernels.decidedBy(),
        kernels.cpu(),
        nativeConvNorms ? "on" : "off");
    node.put("onednn", kernels.oneDnn());
    node.put("onednn_decided_by", kernels.decidedBy());
    node.put("cpu", kernels.cpu());
    node.put("native_conv_norms", nativeConvNorms);
    if (!skipTraining) {
      Dataset data = model.data(batchSize * (WARMUP + steps));
      double[] plain = new double[rounds];
      double[] dp = new double[rounds];
      double[] secure = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        plain[r] = msPerStep(new SGD(MnistTutorial.LEARNING_RATE), data, false);
        dp[r] = msPerStep(tutorialDpOptimizer(), data, false);
        log.printf(
            Locale.ROOT,
            "round %d: plain %.1f ms/step, DP %.1f ms/step, ratio %.2f",
            r + 1,
            plain[r],
            dp[r],
            dp[r] / plain[r]);
        if (secureNoise) {
          secure[r] = msPerStep(tutorialDpOptimizer(), data, true);
          log.printf(
              Locale.ROOT,
              "; DP secure noise %.1f ms/step, ratio to DP %.2f",
              secure[r],
              secure[r] / dp[r]);
        }
        log.println();
        log.flush();
      }
      double plainMs = median(plain);
      double dpMs = median(dp);
      // Poisson batches average batchSize examples, so this is the DP step's expected throughput.
      double examplesPerSecond = batchSize * 1000.0 / dpMs;
      log.printf(
          Locale.ROOT,
          "%s, batch %d: plain %.1f ms/step, DP-SGD %.1f ms/step, DP/plain %.2f,"
              + " DP-SGD %.0f examples/s (medians of %d rounds)%n",
          model.label(),
          batchSize,
          plainMs,
          dpMs,
          dpMs / plainMs,
          examplesPerSecond,
          rounds);
      node.put("dp_ms_per_step", dpMs);
      node.put("nondp_ms_per_step", plainMs);
      node.put("ratio", dpMs / plainMs);
      node.put("examples_per_s", examplesPerSecond);
      node.put("model", model.label());
      node.put("batch_size", batchSize);
      if (secureNoise) {
        double secureMs = median(secure);
        log.printf(
            Locale.ROOT,
            "secure noise mode: DP-SGD %.1f ms/step, secure/default %.2f (medians of %d rounds)%n",
            secureMs,
            secureMs / dpMs,
            rounds);
        node.put("dp_secure_noise_ms_per_step", secureMs);
        node.put("secure_noise_over_dp", secureMs / dpMs);
      }
    }
    double q = (double) MnistTutorial.BATCH_SIZE / 60000;
    // the tutorial's step: clipped per example (M = batch size)
    DpEvent step = RunShape.step(q, MnistTutorial.NOISE_MULTIPLIER, 1).stepEvent();
    for (long count : new long[] {720, 1_000_000}) {
      node.put("rdp_epsilon_ms_" + count, timeEpsilon(RdpAccountant::new, step, count, log));
      node.put("pld_epsilon_ms_" + count, timeEpsilon(PldAccountant::new, step, count, log));
    }
    long start = System.nanoTime();
    NoiseCalibration.Calibration calibration =
        NoiseCalibration.noiseMultiplierFor(3.0, MnistTutorial.DELTA, q, 3600, RdpAccountant::new);
    double calibrationMs = (System.nanoTime() - start) / 1e6;
    log.printf(
        Locale.ROOT,
        "calibration (RDP, target epsilon 3, 3600 steps): sigma %.4f in %.1f ms%n",
        calibration.noiseMultiplier(),
        calibrationMs);
    node.put("rdp_calibration_ms", calibrationMs);
    log.flush();
    if (json) {
      out.println(Json.write(node));
      out.flush();
    }
    return 0;
  }

  /** Median time of compose + ε on fresh accountants, after one warm-up query. */
  private static double timeEpsilon(
      Supplier<PrivacyAccountant> factory, DpEvent step, long count, PrintWriter log) {
    factory.get().compose(step, count).epsilon(MnistTutorial.DELTA);
    double[] ms = new double[5];
    double epsilon = 0;
    for (int i = 0; i < ms.length; i++) {
      long start = System.nanoTime();
      epsilon = factory.get().compose(step, count).epsilon(MnistTutorial.DELTA);
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    double median = median(ms);
    log.printf(
        Locale.ROOT,
        "%s epsilon at %d steps: %.4f in %.2f ms%n",
        factory.get().method().toUpperCase(Locale.ROOT),
        count,
        epsilon,
        median);
    return median;
  }

  /** The tutorial's DP-SGD, clipping per example (as many microbatches as the batch size). */
  private DPKerasSGDOptimizer tutorialDpOptimizer() {
    return new DPKerasSGDOptimizer(
        MnistTutorial.L2_NORM_CLIP,
        MnistTutorial.NOISE_MULTIPLIER,
        batchSize,
        MnistTutorial.LEARNING_RATE);
  }

  private double msPerStep(Optimizer optimizer, Dataset data, boolean secureNoise) {
    try (Sequential model = this.model.newModel()) {
      if (secureNoise) {
        ModelPrivacy.of(model).noiseSource().useSecureNoise();
      }
      model.compile(optimizer, this.model.loss());
      long[] stamps = new long[WARMUP + steps + 2];
      int[] seen = {0};
      model.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onTrainingBatch(BatchEvent event) {
              if (seen[0] < stamps.length - 1) {
                stamps[++seen[0]] = System.nanoTime();
              }
            }
          });
      stamps[0] = System.nanoTime();
      // Poisson batches as the tutorial runs them (seeded: timing needs no privacy)
      model.fit(
          data,
          PoissonSampler.withExpectedBatchSize(data.size(), batchSize, new SplittableRandom(1)),
          1);
      return (stamps[WARMUP + steps] - stamps[WARMUP]) / 1e6 / steps;
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
}
