package io.dp4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs cannot rot: every Java block in docs/*.md and README.md is a marked region of a sample
 * file under src/test/java/io/dp4j/docs, reproduced verbatim, and every sample is compiled and run
 * here.
 */
class DocsTest {
  static final Path DOCS = Path.of("../docs");
  static final Path SAMPLES = Path.of("src/test/java/io/dp4j/docs");
  private static final Pattern BLOCK =
      Pattern.compile("(<!-- snippet: (\\S+)#(\\S+) -->\\n)?```java\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path tmp;

  @Test
  void everyJavaBlockInTheDocsIsASampleRegionVerbatim() throws IOException {
    List<Path> pages;
    try (Stream<Path> s = Files.list(DOCS)) {
      pages =
          Stream.concat(
                  s.filter(p -> p.toString().endsWith(".md")).sorted(),
                  Stream.of(Path.of("../README.md")))
              .toList();
    }
    assertThat(pages).isNotEmpty();
    int blocks = 0;
    for (Path page : pages) {
      String md = Files.readString(page);
      Matcher m = BLOCK.matcher(md);
      while (m.find()) {
        blocks++;
        assertThat(m.group(1))
            .as("%s: a ```java block without a <!-- snippet: File.java#region --> line", page)
            .isNotNull();
        String region = region(SAMPLES.resolve(m.group(2)), m.group(3));
        assertThat(m.group(4)).as("%s: %s#%s", page, m.group(2), m.group(3)).isEqualTo(region);
      }
    }
    assertThat(blocks).isGreaterThanOrEqualTo(8);
  }

  /** The lines between {@code // [START name]} and {@code // [END name]}, dedented. */
  static String region(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<String> out = new ArrayList<>();
    boolean in = false;
    boolean found = false;
    for (String line : lines) {
      String t = line.strip();
      if (t.equals("// [START " + name + "]")) {
        in = true;
        found = true;
      } else if (t.equals("// [END " + name + "]")) {
        in = false;
      } else if (in) {
        out.add(line);
      }
    }
    assertThat(found).as("region %s in %s", name, file).isTrue();
    while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
      out.remove(out.size() - 1);
    }
    int indent = Integer.MAX_VALUE;
    for (String l : out) {
      if (!l.isBlank()) {
        indent = Math.min(indent, l.length() - l.stripLeading().length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String l : out) {
      sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return sb.toString();
  }

  private static String captured(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    String s = bytes.toString(StandardCharsets.UTF_8);
    old.print(s);
    return s;
  }

  private static double epsilon(String printed) {
    Matcher m = Pattern.compile("epsilon (\\d+\\.\\d+)").matcher(printed);
    assertThat(m.find()).as(printed).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void augmentationMultiplicityLeavesEpsilonAsItWasAndLearns() {
    double[] eps = new double[2];
    String plain = captured(() -> eps[0] = AugmentationSamples.train(1));
    String augmented = captured(() -> eps[1] = AugmentationSamples.train(4));
    assertThat(eps[1]).isEqualTo(eps[0]);
    Matcher m = Pattern.compile("test accuracy (\\d\\.\\d+)").matcher(augmented);
    assertThat(m.find()).as(augmented).isTrue();
    // two classes, 500 test images: chance is 0.5
    assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0.8);
    assertThat(plain).startsWith("K=1: epsilon ");
  }

  @Test
  void theThreeWaysToTrainPrivatelyRun() {
    String a = captured(GetStartedSamples::dpOptimizer);
    assertThat(a).matches("epsilon \\d\\.\\d{3} at delta 1.0E-5 after 20 steps\\R");
    String b = captured(GetStartedSamples::dpSequential);
    assertThat(epsilon(b)).isEqualTo(epsilon(a));
    String c = captured(GetStartedSamples::privateKerasModel);
    assertThat(c).contains("before training: epsilon ").contains("after training: epsilon ");
    assertThat(epsilon(c)).isEqualTo(epsilon(a));
  }

  @Test
  void microbatchesOfMoreThanOneExampleAreAccountedAtHalfTheNoise() {
    String out = captured(GetStartedSamples::microbatches);
    assertThat(out).contains("sensitivity doubled").contains("σ/2 = 1.100");
    // sigma 2.2 in microbatches costs what sigma 1.1 per example costs
    assertThat(epsilon(out)).isEqualTo(epsilon(captured(GetStartedSamples::dpOptimizer)));
  }

  @Test
  void theTrainingPlanSampleMeetsItsTarget() {
    String out = captured(GetStartedSamples::trainingPlan);
    assertThat(out).matches("sigma \\d+\\.\\d{4}, 40 steps: epsilon .* at delta 1.0E-4\\R");
    // the RDP epsilon (the first printed) is what the calibration targeted
    assertThat(epsilon(out)).isLessThanOrEqualTo(2.0);
  }

  @Test
  void privateTuningCostsMoreThanOneTrialAndLessThanComposingThem() {
    double[][] eps = new double[1][];
    String out = captured(() -> eps[0] = PrivateTuningSamples.bound());
    assertThat(out).startsWith("one trial: epsilon ");
    assertThat(eps[0][1]).isGreaterThan(eps[0][0]).isLessThan(eps[0][2]);
  }

  @Test
  void accountingSamplesRun() {
    DpSgdBudget[] budget = new DpSgdBudget[1];
    captured(() -> budget[0] = AccountingSamples.budget());
    assertThat(budget[0].steps()).isEqualTo(720);
    assertThat(budget[0].epsilonPld()).isLessThan(budget[0].epsilonRdp());
    NoiseCalibration.Calibration[] c = new NoiseCalibration.Calibration[1];
    captured(() -> c[0] = AccountingSamples.calibrate());
    assertThat(c[0].epsilon()).isLessThanOrEqualTo(1.0);
    String[] statement = new String[1];
    String printed = captured(() -> statement[0] = AccountingSamples.statement());
    assertThat(printed).isEqualTo(statement[0]).contains("epsilon with Poisson sampling");
  }

  @Test
  void kerasSampleRoundTrips() {
    Path file = tmp.resolve("blobs.keras");
    String out =
        captured(
            () -> {
              try {
                KerasSamples.exportAndImport(file);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(file).isNotEmptyFile();
    assertThat(out).contains("[dense, dense_1]").contains("2 predictions of 2 class probabilities");
  }

  @Test
  void fineTuningTheHeadKeepsTheFrozenLayersBitForBit() throws IOException {
    Path pretrained = tmp.resolve("pretrained.keras");
    Path tuned = tmp.resolve("tuned.keras");
    KerasSamples.pretrainOnPublicData(pretrained);
    String out =
        captured(
            () -> {
              try {
                KerasSamples.fineTuneHead(pretrained, tuned);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(out).contains("Trainable params: 34").contains("Non-trainable params: 320");
    assertThat(epsilon(out)).isGreaterThan(0);
    try (KerasModel before = ModelIO.load(pretrained);
        KerasModel after = ModelIO.load(tuned)) {
      List<float[]> w0 = before.sequential().getWeights();
      List<float[]> w1 = after.sequential().getWeights();
      for (int p = 0; p < 4; p++) {
        assertThat(w1.get(p)).as("frozen weight %d", p).containsExactly(w0.get(p));
      }
      assertThat(w1.get(4)).as("the head trained").isNotEqualTo(w0.get(4));
      assertThat(after.sequential().layers().get(0).isTrainable()).isFalse();
      assertThat(after.sequential().layers().get(2).isTrainable()).isTrue();
      assertThat(after.privacyRecord()).isPresent();
    }
  }

  @Test
  void theScatterNetSampleLearnsBarsFromCachedFeatures() {
    Dataset train = bars(2048, 1);
    Dataset test = bars(200, 2);
    String out = captured(() -> ScatterNetSamples.scatterNetLinear(train, test, 5));
    Matcher m = Pattern.compile("test accuracy (\\d\\.\\d{4}), epsilon \\d+\\.\\d{3}").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    assertThat(Double.parseDouble(m.group(1))).as(out).isGreaterThan(0.95);
  }

  @Test
  void theWhitenedScatterNetSampleLearnsAndCountsItsRelease() {
    Dataset train = bars(2048, 1);
    Dataset test = bars(200, 2);
    String out = captured(() -> ScatterNetSamples.scatterNetWhitened(train, test, 5));
    Matcher m =
        Pattern.compile("test accuracy (\\d\\.\\d{4}), epsilon (\\d+\\.\\d{3})").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    assertThat(Double.parseDouble(m.group(1))).as(out).isGreaterThan(0.95);
    // the release's Gaussian(8) composed with 5 epochs of 4 steps at q = 0.25, sigma 1
    io.dp4j.accounting.RdpAccountant a = new io.dp4j.accounting.RdpAccountant();
    a.compose(
        new io.dp4j.accounting.PoissonSampledDpEvent(
            1.0, new io.dp4j.accounting.GaussianDpEvent(8)));
    a.compose(
        new io.dp4j.accounting.PoissonSampledDpEvent(
            0.25, new io.dp4j.accounting.GaussianDpEvent(1.0)),
        20);
    assertThat(Double.parseDouble(m.group(2))).isCloseTo(a.epsilon(1e-5), within(5e-4));
  }

  /** 28 x 28 noise with a horizontal (class 0) or vertical (class 1) bright bar somewhere. */
  private static Dataset bars(int n, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] x = new float[n * 784];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      int at = 4 + r.nextInt(20);
      for (int p = 0; p < 784; p++) {
        int row = p / 28;
        int col = p % 28;
        boolean bar = y[i] == 0 ? Math.abs(row - at) < 2 : Math.abs(col - at) < 2;
        x[i * 784 + p] = (float) (0.2 * r.nextDouble() + (bar ? 0.8 : 0));
      }
    }
    return new Dataset(x, new long[] {28, 28, 1}, y, new long[0]);
  }

  @Test
  void theCustomClippingRuleMatchesTheDefaultAndTrains() {
    Dataset data = GetStartedSamples.blobs(1000, 8);
    Dataset batch = data.slice(0, 32);
    float[] mine = ClippingRuleSamples.ruleNorms(batch);
    float[] reference = ClippingRuleSamples.defaultNorms(batch);
    assertThat(mine).hasSize(32);
    for (int i = 0; i < mine.length; i++) {
      assertThat(mine[i]).isCloseTo(reference[i], within(1e-4f * Math.max(1, reference[i])));
    }
    assertThat(captured(() -> ClippingRuleSamples.trainWithTheRule(data)))
        .contains("trained 20 steps with the materialized Dense rule");
  }

  @Test
  void groupNormalizationWithWeightStandardizationTrainsUnderDp() {
    String out = captured(NormalizationSamples::train);
    Matcher m = Pattern.compile("accuracy (\\d\\.\\d+) after 60 steps").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0.9);
  }
}
