package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.optimizers.RMSprop;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPKerasAdagradOptimizer;
import io.dp4j.privacy.DPKerasAdamOptimizer;
import io.dp4j.privacy.DPKerasRMSpropOptimizer;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import io.dp4j.privacy.PrivacySpent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run resumed from a checkpoint continues the same privacy ledger. */
class TrainingCheckpointTest {
  @TempDir Path tmp;

  static final Dataset DATA =
      new Dataset(
          KerasFixturesTest.randomInputs(200 * 3, 1),
          new long[] {3},
          KerasFixturesTest.randomInputs(200, 2),
          new long[] {1});

  static Sequential modelWithoutState() {
    Sequential s = new Sequential(new Dense(4, ActivationFunction.TANH), new Dense(1));
    s.setInputShape(3).setSeed(4);
    s.compile(new DPKerasSGDOptimizer(1.0, 0.9, 0, 0.05f), new MeanSquaredError(Reduction.NONE));
    return s;
  }

  @Test
  void resumedTrainingReportsTheSameEpsilonAsAnUninterruptedRun() throws IOException {
    double uninterrupted;
    long uninterruptedSteps;
    try (Sequential a = modelWithoutState()) {
      a.fit(DATA, PoissonSampler.seeded(200, 0.1, 1), 4);
      uninterrupted = ModelPrivacy.of(a).privacySpent(1e-5).epsilon();
      uninterruptedSteps = ModelPrivacy.of(a).privacyLog().steps();
    }
    Path file = tmp.resolve("ckpt.keras");
    List<float[]> saved;
    long firstHalf;
    try (Sequential b = modelWithoutState()) {
      b.fit(DATA, PoissonSampler.seeded(200, 0.1, 2), 2);
      firstHalf = ModelPrivacy.of(b).privacyLog().steps();
      saved = b.getWeights();
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    assertThat(firstHalf * 2).isEqualTo(uninterruptedSteps);
    try (KerasModel c = TrainingCheckpoint.load(file)) {
      Sequential s = c.sequential();
      assertThat(ModelPrivacy.of(s).privacyLog().steps()).isEqualTo(firstHalf);
      List<float[]> restored = s.getWeights();
      for (int i = 0; i < saved.size(); i++) {
        assertThat(restored.get(i)).containsExactly(saved.get(i));
      }
      s.compile(new DPKerasSGDOptimizer(1.0, 0.9, 0, 0.05f), new MeanSquaredError(Reduction.NONE));
      assertThat(s.getWeights().get(0))
          .as("compile keeps the weights")
          .containsExactly(saved.get(0));
      s.fit(DATA, PoissonSampler.seeded(200, 0.1, 3), 2);
      assertThat(ModelPrivacy.of(s).privacyLog().steps()).isEqualTo(uninterruptedSteps);
      assertThat(ModelPrivacy.of(s).privacySpent(1e-5).epsilon()).isEqualTo(uninterrupted);
    }
    // loaded as a plain model, the checkpoint keeps its ledger: training it further composes it
    try (KerasModel plain = ModelIO.load(file)) {
      assertThat(ModelPrivacy.of(plain.sequential()).privacyLog().steps()).isEqualTo(firstHalf);
    }
  }

  @Test
  void microbatchedStepsKeepTheirSigmaAndTheDoubledSensitivityNoteAfterAResume()
      throws IOException {
    Path file = tmp.resolve("microbatches.keras");
    PrivacySpent before;
    try (Sequential b = new Sequential(new Dense(4, ActivationFunction.TANH), new Dense(1))) {
      b.setInputShape(3).setSeed(4);
      // Poisson batches of 20 expected examples in 5 microbatches: 4 per microbatch, σ/2
      b.compile(new DPKerasSGDOptimizer(1.0, 1.2, 5, 0.05f), new MeanSquaredError(Reduction.NONE));
      b.fit(DATA, PoissonSampler.seeded(200, 0.1, 2), 1);
      before = ModelPrivacy.of(b).privacySpent(1e-5);
      assertThat(before.sensitivityDoubled()).isTrue();
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    try (KerasModel c = TrainingCheckpoint.load(file)) {
      PrivacySpent after = ModelPrivacy.of(c.sequential()).privacySpent(1e-5);
      assertThat(after.epsilon()).isEqualTo(before.epsilon());
      assertThat(after.noiseMultiplier()).isEqualTo(1.2);
      assertThat(after.effectiveNoiseMultiplier()).isEqualTo(0.6);
      assertThat(after.sensitivityDoubled()).isTrue();
      assertThat(after.microbatchSize()).isEqualTo(4);
    }
  }

  @Test
  void stepsWithoutNoiseStillMakeEpsilonInfiniteAfterAResume() throws IOException {
    Path file = tmp.resolve("noiseless.keras");
    long steps;
    try (Sequential b = new Sequential(new Dense(4, ActivationFunction.TANH), new Dense(1))) {
      b.setInputShape(3).setSeed(4);
      b.compile(new DPKerasSGDOptimizer(1.0, 0.9, 0, 0.05f), new MeanSquaredError(Reduction.NONE));
      b.fit(DATA, PoissonSampler.seeded(200, 0.1, 2), 1);
      b.compile(new DPKerasSGDOptimizer(1.0, 0.0, 0, 0.05f), new MeanSquaredError(Reduction.NONE));
      b.fit(DATA, PoissonSampler.seeded(200, 0.1, 3), 1);
      steps = ModelPrivacy.of(b).privacyLog().steps();
      assertThat(ModelPrivacy.of(b).privacyLog().noiselessSteps()).isEqualTo(10).isLessThan(steps);
      assertThat(ModelPrivacy.of(b).privacySpent(1e-5).epsilon()).isInfinite();
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    try (KerasModel c = TrainingCheckpoint.load(file)) {
      PrivacyLog log = ModelPrivacy.of(c.sequential()).privacyLog();
      assertThat(log.steps()).isEqualTo(steps);
      assertThat(log.noiselessSteps()).isEqualTo(10);
      assertThat(log.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new).epsilon())
          .isInfinite();
    }
  }

  @Test
  void settingsAreWhatTheCheckpointedRunUsed() throws IOException {
    Path file = tmp.resolve("ckpt.keras");
    long steps;
    try (Sequential b = modelWithoutState()) {
      b.fit(DATA, PoissonSampler.seeded(200, 0.1, 2), 1);
      steps = ModelPrivacy.of(b).privacyLog().steps();
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    TrainingCheckpoint.Settings settings = TrainingCheckpoint.settings(file);
    assertThat(settings.steps()).isEqualTo(steps).isPositive();
    assertThat(settings.modelSteps()).isEqualTo(steps);
    assertThat(settings.l2NormClip()).hasValue(1.0);
    assertThat(settings.noiseMultiplier()).hasValue(0.9);
    assertThat(settings.numMicrobatches()).hasValue(0);
    assertThat(settings.optimizerClass()).contains(DPKerasSGDOptimizer.class.getName());
    // a float32 written in its shortest decimal form: exact once narrowed back to float
    assertThat((float) settings.learningRate().orElseThrow()).isEqualTo(0.05f);
    Path plain = tmp.resolve("plain.keras");
    try (Sequential b = modelWithoutState()) {
      ModelIO.save(KerasModel.of(b, 3), plain);
    }
    assertThatThrownBy(() -> TrainingCheckpoint.settings(plain))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("not a dp4j checkpoint");
  }

  /** Replays fixed epochs of batches, so that two runs see the same batches. */
  static final class Replay implements BatchSampler {
    private final PoissonSampler like;
    private final List<List<int[]>> epochs;
    private int next;

    Replay(PoissonSampler like, List<List<int[]>> epochs) {
      this.like = like;
      this.epochs = epochs;
    }

    @Override
    public List<int[]> nextEpoch() {
      return epochs.get(next++);
    }

    @Override
    public int stepsPerEpoch() {
      return like.stepsPerEpoch();
    }

    @Override
    public double samplingRate() {
      return like.samplingRate();
    }

    @Override
    public double expectedBatchSize() {
      return like.expectedBatchSize();
    }

    @Override
    public SamplingMode mode() {
      return SamplingMode.POISSON;
    }
  }

  static Sequential model(Optimizer optimizer) {
    Sequential s = new Sequential(new Dense(4, ActivationFunction.TANH), new Dense(1));
    s.setInputShape(3).setSeed(4);
    ModelPrivacy.of(s).noiseSource().useFixedNoiseSeedForTesting(11);
    s.compile(optimizer, new MeanSquaredError(Reduction.NONE));
    return s;
  }

  static Optimizer adam() {
    return new DPKerasAdamOptimizer(1.0, 0.8, 0, 0.02f);
  }

  static Optimizer momentum() {
    return new DPKerasSGDOptimizer(1.0, 0.8, 0, new SGD(0.05f, 0.9f));
  }

  static List<List<int[]>> epochs(int count) {
    PoissonSampler sampler = PoissonSampler.seeded(200, 0.1, 7);
    List<List<int[]>> epochs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      epochs.add(sampler.nextEpoch());
    }
    return epochs;
  }

  static PoissonSampler like() {
    return PoissonSampler.seeded(200, 0.1, 7);
  }

  private void resumedRunMatchesTheUninterruptedOne(Supplier<Optimizer> optimizer)
      throws IOException {
    List<List<int[]>> epochs = epochs(3);
    List<float[]> uninterrupted;
    double epsilon;
    long steps;
    try (Sequential a = model(optimizer.get())) {
      a.fit(DATA, new Replay(like(), epochs), 3);
      uninterrupted = a.getWeights();
      epsilon = ModelPrivacy.of(a).privacySpent(1e-5).epsilon();
      steps = a.steps();
      assertThat(ModelPrivacy.of(a).privacyLog().steps()).isEqualTo(steps);
    }
    Path file = tmp.resolve("ckpt.keras");
    long firstSteps;
    try (Sequential b = model(optimizer.get())) {
      b.fit(DATA, new Replay(like(), epochs.subList(0, 1)), 1);
      firstSteps = b.steps();
      assertThat(b.optimizerState()).isNotEmpty();
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    assertThat(firstSteps).isPositive().isLessThan(steps);
    try (KerasModel c =
        TrainingCheckpoint.resume(file, optimizer.get(), new MeanSquaredError(Reduction.NONE))) {
      Sequential s = c.sequential();
      assertThat(s.steps()).isEqualTo(firstSteps);
      ModelPrivacy.of(s).noiseSource().useFixedNoiseSeedForTesting(11);
      s.fit(DATA, new Replay(like(), epochs.subList(1, 3)), 2);
      assertThat(s.steps()).isEqualTo(steps);
      assertThat(ModelPrivacy.of(s).privacyLog().steps()).isEqualTo(steps);
      assertThat(ModelPrivacy.of(s).privacySpent(1e-5).epsilon()).isEqualTo(epsilon);
      List<float[]> resumed = s.getWeights();
      for (int i = 0; i < uninterrupted.size(); i++) {
        assertThat(resumed.get(i)).containsExactly(uninterrupted.get(i), within(1e-6f));
      }
    }
    // control: without the optimizer state the run diverges, so the test above means something
    try (KerasModel d = TrainingCheckpoint.load(file)) {
      Sequential s = d.sequential();
      s.compile(optimizer.get(), new MeanSquaredError(Reduction.NONE));
      ModelPrivacy.of(s).noiseSource().useFixedNoiseSeedForTesting(11);
      s.fit(DATA, new Replay(like(), epochs.subList(1, 3)), 2);
      assertThat(maxDifference(s.getWeights(), uninterrupted)).isGreaterThan(1e-4);
    }
  }

  private static double maxDifference(List<float[]> a, List<float[]> b) {
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < a.get(i).length; j++) {
        max = Math.max(max, Math.abs(a.get(i)[j] - b.get(i)[j]));
      }
    }
    return max;
  }

  @Test
  void resumedAdamContinuesExactly() throws IOException {
    resumedRunMatchesTheUninterruptedOne(TrainingCheckpointTest::adam);
  }

  @Test
  void resumedMomentumSgdContinuesExactly() throws IOException {
    resumedRunMatchesTheUninterruptedOne(TrainingCheckpointTest::momentum);
  }

  @Test
  void resumedRmspropWithMomentumContinuesExactly() throws IOException {
    resumedRunMatchesTheUninterruptedOne(
        () ->
            new DPKerasRMSpropOptimizer(1.0, 0.8, 0, new RMSprop(0.01f, 0.9f, 0.5f, 1e-7f, false)));
  }

  @Test
  void resumedAdagradContinuesExactly() throws IOException {
    resumedRunMatchesTheUninterruptedOne(() -> new DPKerasAdagradOptimizer(1.0, 0.8, 0, 0.1f));
  }

  @Test
  void theOptimizerStateHoldsAdamsMomentsAndBetaPowers() {
    try (Sequential s = model(adam())) {
      s.fit(DATA, new Replay(like(), epochs(1)), 1);
      Map<String, float[]> state = s.optimizerState();
      assertThat(state)
          .containsKeys("weight_0-m", "weight_0-v", "weight_3-m", "weight_3-v")
          .containsKeys("beta1_power", "beta2_power")
          .hasSize(10);
      assertThat(state.get("weight_0-m")).hasSize(12);
      // beta1_power = 0.9^(steps + 1) encodes Adam's iteration count
      assertThat(state.get("beta1_power")[0])
          .isCloseTo((float) Math.pow(0.9, s.steps() + 1), within(1e-5f));
    }
    try (Sequential s = model(momentum())) {
      assertThat(s.optimizerState().keySet())
          .containsExactly(
              "weight_0-momentum", "weight_1-momentum", "weight_2-momentum", "weight_3-momentum");
    }
  }

  @Test
  void aCheckpointOfAnotherOptimizerIsRefused() throws IOException {
    Path file = tmp.resolve("adam.keras");
    try (Sequential b = model(adam())) {
      b.fit(DATA, new Replay(like(), epochs(1)), 1);
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    assertThatThrownBy(
            () -> TrainingCheckpoint.resume(file, momentum(), new MeanSquaredError(Reduction.NONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trained with optimizer io.dp4j.privacy.DPKerasAdamOptimizer")
        .hasMessageContaining("compiled with io.dp4j.privacy.DPKerasSGDOptimizer");
    // same class, other slots (SGD with momentum vs without)
    Path sgd = tmp.resolve("momentum.keras");
    try (Sequential b = model(momentum())) {
      b.fit(DATA, new Replay(like(), epochs(1)), 1);
      TrainingCheckpoint.save(KerasModel.of(b, 3), sgd);
    }
    assertThatThrownBy(
            () ->
                TrainingCheckpoint.resume(
                    sgd,
                    new DPKerasSGDOptimizer(1.0, 0.8, 0, 0.05f),
                    new MeanSquaredError(Reduction.NONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight_0-momentum")
        .hasMessageContaining("compile with the optimizer");
  }

  @Test
  void corruptOptimizerStateIsAClearError() throws IOException {
    Path file = tmp.resolve("ckpt.keras");
    try (Sequential b = model(adam())) {
      b.fit(DATA, new Replay(like(), epochs(1)), 1);
      TrainingCheckpoint.save(KerasModel.of(b, 3), file);
    }
    String json = readEntry(file);
    ObjectMapper mapper = new ObjectMapper();

    ObjectNode flipped = (ObjectNode) mapper.readTree(json);
    ObjectNode v0 = (ObjectNode) flipped.get("optimizer_state").get("variables").get(0);
    byte[] bytes = Base64.getDecoder().decode(v0.get("data").asText());
    bytes[5] ^= 0x10;
    v0.put("data", Base64.getEncoder().encodeToString(bytes));
    assertRefused(file, flipped, "is corrupt (CRC-32 mismatch)");

    ObjectNode truncated = (ObjectNode) mapper.readTree(json);
    ObjectNode t0 = (ObjectNode) truncated.get("optimizer_state").get("variables").get(0);
    t0.put("data", t0.get("data").asText().substring(0, 8));
    assertRefused(file, truncated, "expected 12 float32 values");

    ObjectNode garbage = (ObjectNode) mapper.readTree(json);
    ((ObjectNode) garbage.get("optimizer_state").get("variables").get(0))
        .put("data", "%%not base64");
    assertRefused(file, garbage, "not valid base64");

    ObjectNode missing = (ObjectNode) mapper.readTree(json);
    ((ArrayNode) missing.get("optimizer_state").get("variables")).remove(0);
    Path p = rewrite(file, missing);
    assertThatThrownBy(
            () -> TrainingCheckpoint.resume(p, adam(), new MeanSquaredError(Reduction.NONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight_0-m");

    ObjectNode old = (ObjectNode) mapper.readTree(json);
    old.remove("optimizer_state");
    assertRefused(file, old, "holds no optimizer state");
  }

  private void assertRefused(Path file, ObjectNode state, String message) throws IOException {
    Path p = rewrite(file, state);
    assertThatThrownBy(
            () -> TrainingCheckpoint.resume(p, adam(), new MeanSquaredError(Reduction.NONE)))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining(message);
  }

  private static String readEntry(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      return new String(
          zip.getInputStream(zip.getEntry(TrainingCheckpoint.ENTRY)).readAllBytes(),
          StandardCharsets.UTF_8);
    }
  }

  private int rewrites;

  /** A copy of {@code file} with the checkpoint entry replaced by {@code state}. */
  private Path rewrite(Path file, ObjectNode state) throws IOException {
    Path out = tmp.resolve("rewritten" + rewrites++ + ".keras");
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
        ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        zip.putNextEntry(new ZipEntry(e.getName()));
        if (e.getName().equals(TrainingCheckpoint.ENTRY)) {
          zip.write(state.toString().getBytes(StandardCharsets.UTF_8));
        } else {
          in.transferTo(zip);
        }
        zip.closeEntry();
      }
    }
    return out;
  }

  @Test
  void theCheckpointNamesItsPrivacyLogAndStillReadsTheOldLedgerKey() throws IOException {
    Path file = tmp.resolve("named.keras");
    PrivacyLog.Snapshot trained;
    double epsilon;
    try (Sequential s = modelWithoutState()) {
      s.fit(DATA, PoissonSampler.seeded(200, 0.1, 3), 1);
      ModelPrivacy.of(s).privacyLog().continueOnDisjointData();
      s.fit(DATA, PoissonSampler.seeded(200, 0.05, 4), 1);
      trained = ModelPrivacy.of(s).privacyLog().snapshot();
      epsilon = ModelPrivacy.of(s).privacySpent(1e-5).epsilon();
      TrainingCheckpoint.save(KerasModel.of(s, 3), file);
    }
    ObjectNode state = (ObjectNode) new ObjectMapper().readTree(readEntry(file));
    ObjectNode entry = (ObjectNode) state.get("disjoint_data_entries").get(0);
    for (ObjectNode node : List.of(state, entry)) {
      assertThat(node.has("privacy_log")).isTrue();
      assertThat(node.has("privacy_log_microbatch_sizes")).isTrue();
      assertThat(node.has("ledger")).isFalse();
      // the format written before the rename
      node.set("ledger", node.remove("privacy_log"));
      node.set("ledger_microbatch_sizes", node.remove("privacy_log_microbatch_sizes"));
    }
    try (KerasModel old = TrainingCheckpoint.load(rewrite(file, state))) {
      PrivacyLog log = ModelPrivacy.of(old.sequential()).privacyLog();
      assertThat(log.snapshot()).isEqualTo(trained);
      assertThat(log.disjointDataEntries()).hasSize(1);
      assertThat(log.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new).epsilon())
          .isEqualTo(epsilon);
    }
  }

  @Test
  void aPlainKerasFileIsNotACheckpoint() {
    Path plain = KerasFixturesTest.fixture("k3.1.1_seq_diabetes_dense.keras");
    assertThatThrownBy(() -> TrainingCheckpoint.load(plain))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("not a dp4j checkpoint");
  }
}
