package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DP-trained model loaded from its file (a {@code .keras} with a privacy record, or a checkpoint)
 * and trained further keeps its history: same data by default, a separate entry for disjoint data.
 */
class ContinuedTrainingTest {
  private static final int N = 40;
  private static final double Q = 0.25; // round(1 / q) = 4 steps per epoch
  private static final long STEPS = 8; // of one fit: 2 epochs
  private static final double SIGMA = 1.1;
  private static final double DELTA = 1e-5;

  @TempDir Path tmp;

  private static Dataset data() {
    float[] x = KerasFixturesTest.randomInputs(N * 4, 2);
    float[] y = KerasFixturesTest.randomInputs(N, 3);
    return new Dataset(x, new long[] {4}, y, new long[] {1});
  }

  private static double rdpEpsilon(long steps) {
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA)), steps);
    return rdp.epsilon(DELTA);
  }

  /** A DP model trained for {@link #STEPS} steps, saved with its privacy record. */
  private Path trainedFile(String name) throws IOException {
    DPSequential s =
        new DPSequential(1.0, SIGMA, new Dense(3, ActivationFunction.RELU), new Dense(1));
    s.setInputShape(4).setSeed(1);
    s.compile(new SGD(0.1f), new MeanSquaredError(Reduction.NONE));
    s.fit(data(), PoissonSampler.seeded(N, Q, 9), 2);
    Path file = tmp.resolve(name);
    try (KerasModel model = KerasModel.of(s, 4).withPrivacyRecord(PrivacyRecord.of(s, DELTA))) {
      ModelIO.save(model, file);
    }
    return file;
  }

  /** Compiles the loaded model for DP training as it was trained, and trains 2 more epochs. */
  private static void trainFurther(Sequential s) {
    s.compile(new DPKerasSGDOptimizer(1.0, SIGMA, 0, 0.1f), new MeanSquaredError(Reduction.NONE));
    s.fit(data(), PoissonSampler.seeded(N, Q, 11), 2);
  }

  @Test
  void trainingALoadedModelFurtherComposesItsRecordedSteps() throws IOException {
    Path file = trainedFile("a.keras");
    Path next = tmp.resolve("b.keras");
    try (KerasModel loaded = ModelIO.load(file)) {
      assertThat(ModelPrivacy.of(loaded.sequential()).privacyLog().steps()).isEqualTo(STEPS);
      assertThat(ModelPrivacy.of(loaded.sequential()).privacySpent(DELTA).epsilon())
          .isCloseTo(rdpEpsilon(STEPS), within(1e-9));
      trainFurther(loaded.sequential());
      PrivacyRecord record = PrivacyRecord.of(loaded.sequential(), DELTA);
      assertThat(record.steps()).isEqualTo(2 * STEPS);
      assertThat(record.epsilon()).isCloseTo(rdpEpsilon(2 * STEPS), within(1e-9));
      assertThat(record.continuedFromSteps()).isEqualTo(STEPS);
      assertThat(record.disjointDataEntries()).isEmpty();
      assertThat(record.predictableRandomness()).as("the first run's seeded batches").isTrue();
      ModelIO.save(loaded.withPrivacyRecord(record), next);
      try (KerasModel back = ModelIO.load(next)) {
        assertThat(back.privacyRecord()).contains(record);
        assertThat(ModelPrivacy.of(back.sequential()).privacyLog().steps()).isEqualTo(2 * STEPS);
      }
    }
  }

  @Test
  void disjointDataKeepsTheEarlierHistoryAsASeparateEntry() throws IOException {
    Path file = trainedFile("a.keras");
    Path next = tmp.resolve("b.keras");
    try (KerasModel loaded = ModelIO.load(file)) {
      ModelPrivacy.of(loaded.sequential()).privacyLog().continueOnDisjointData();
      assertThat(ModelPrivacy.of(loaded.sequential()).privacyLog().steps()).isZero();
      trainFurther(loaded.sequential());
      PrivacyRecord record = PrivacyRecord.of(loaded.sequential(), DELTA);
      assertThat(record.steps()).isEqualTo(STEPS);
      assertThat(record.epsilon()).isCloseTo(rdpEpsilon(STEPS), within(1e-9));
      assertThat(record.continuedFromSteps()).isZero();
      assertThat(record.disjointDataEntries()).hasSize(1);
      PrivacyRecord.DisjointDataEntry old = record.disjointDataEntries().get(0);
      assertThat(old.steps()).isEqualTo(STEPS);
      assertThat(old.epsilon()).isCloseTo(rdpEpsilon(STEPS), within(1e-9));
      assertThat(old.predictableRandomness()).isTrue();
      ModelIO.save(loaded.withPrivacyRecord(record), next);
    }
    // the entry survives a further load and continuation on the same data as the latest run
    try (KerasModel back = ModelIO.load(next)) {
      PrivacyLog log = ModelPrivacy.of(back.sequential()).privacyLog();
      assertThat(log.steps()).isEqualTo(STEPS);
      assertThat(log.disjointDataEntries()).hasSize(1);
      trainFurther(back.sequential());
      PrivacyRecord record = PrivacyRecord.of(back.sequential(), DELTA);
      assertThat(record.epsilon()).isCloseTo(rdpEpsilon(2 * STEPS), within(1e-9));
      assertThat(record.disjointDataEntries()).hasSize(1);
      assertThat(record.disjointDataEntries().get(0).steps()).isEqualTo(STEPS);
    }
  }

  @Test
  void aCheckpointLoadedAsAModelKeepsItsLedger() throws IOException {
    Path checkpoint = tmp.resolve("ckpt.keras");
    try (DPSequential s =
        new DPSequential(1.0, SIGMA, new Dense(3, ActivationFunction.RELU), new Dense(1))) {
      s.setInputShape(4).setSeed(1);
      s.compile(new SGD(0.1f), new MeanSquaredError(Reduction.NONE));
      // a checkpoint's metadata holds no privacy record: its ledger is the history
      s.addTrainingListener(new ModelCheckpoint(KerasModel.of(s, 4), checkpoint));
      s.fit(data(), PoissonSampler.seeded(N, Q, 9), 2);
    }
    try (KerasModel loaded = ModelIO.load(checkpoint)) {
      assertThat(loaded.privacyRecord()).isEmpty();
      assertThat(ModelPrivacy.of(loaded.sequential()).privacyLog().steps()).isEqualTo(STEPS);
      trainFurther(loaded.sequential());
      assertThat(ModelPrivacy.of(loaded.sequential()).privacySpent(DELTA).epsilon())
          .isCloseTo(rdpEpsilon(2 * STEPS), within(1e-9));
    }
    try (KerasModel resumed = TrainingCheckpoint.load(checkpoint)) {
      assertThat(ModelPrivacy.of(resumed.sequential()).privacyLog().steps())
          .as("not replayed twice")
          .isEqualTo(STEPS);
    }
  }

  @Test
  void aCheckpointOfALoadedModelShowsItsCurrentRecordNotTheLoadedOne() throws IOException {
    Path checkpoint = tmp.resolve("ckpt.keras");
    try (KerasModel loaded = ModelIO.load(trainedFile("a.keras"))) {
      ModelPrivacy.of(loaded.sequential()).setTargetDelta(DELTA);
      loaded.sequential().addTrainingListener(new ModelCheckpoint(loaded, checkpoint));
      trainFurther(loaded.sequential());
    }
    try (KerasModel back = ModelIO.load(checkpoint)) {
      PrivacyRecord record = back.privacyRecord().orElseThrow();
      assertThat(record.steps()).isEqualTo(2 * STEPS);
      assertThat(record.epsilon()).isCloseTo(rdpEpsilon(2 * STEPS), within(1e-9));
    }
  }

  @Test
  void aRecordWithoutItsStepsKeepsItsMarksWhenContinued() throws IOException {
    Path file = trainedFile("a.keras");
    try (KerasModel model = ModelIO.load(file)) {
      // a record as written before it listed its steps: predictable, and its steps without noise
      ObjectNode old = model.privacyRecord().orElseThrow().toJson();
      old.remove(java.util.List.of("ledger", "ledger_microbatch_sizes"));
      old.put("noise_multiplier", 0.0);
      PrivacyRecord legacy = PrivacyRecord.fromJson(old);
      Path legacyFile = tmp.resolve("legacy.keras");
      ModelIO.save(model.withPrivacyRecord(legacy), legacyFile);
      try (KerasModel loaded = ModelIO.load(legacyFile)) {
        PrivacyLog log = ModelPrivacy.of(loaded.sequential()).privacyLog();
        assertThat(log.predictable()).isTrue();
        assertThat(log.noiselessSteps()).isEqualTo(STEPS);
        trainFurther(loaded.sequential());
        assertThat(ModelPrivacy.of(loaded.sequential()).privacySpent(DELTA).epsilon()).isInfinite();
        assertThat(log.predictable()).isTrue();
      }
      // on disjoint data, the entry keeps the marks and its infinite ε through a save and a load
      Path next = tmp.resolve("next.keras");
      try (KerasModel loaded = ModelIO.load(legacyFile)) {
        ModelPrivacy.of(loaded.sequential()).privacyLog().continueOnDisjointData();
        trainFurther(loaded.sequential());
        PrivacyRecord record = PrivacyRecord.of(loaded.sequential(), DELTA);
        assertThat(record.epsilon()).isCloseTo(rdpEpsilon(STEPS), within(1e-9));
        ModelIO.save(loaded.withPrivacyRecord(record), next);
      }
      try (KerasModel back = ModelIO.load(next)) {
        PrivacyRecord.DisjointDataEntry entry =
            back.privacyRecord().orElseThrow().disjointDataEntries().get(0);
        assertThat(entry.epsilon()).isInfinite();
        assertThat(entry.predictableRandomness()).isTrue();
        assertThat(entry.history().noiselessSteps()).isEqualTo(STEPS);
        assertThat(ModelPrivacy.of(back.sequential()).privacyLog().disjointDataEntries())
            .containsExactly(entry.history());
      }
    }
  }

  @Test
  void aRecordWithoutItsStepsAndWithMicrobatchesIsRebuiltConservatively() {
    // steps at sigma 1.1 with 4 microbatches, ε not that of Gaussian(σ): the microbatches held
    // several examples, so the steps are Gaussian(σ/2)
    PrivacyRecord legacy =
        new PrivacyRecord(99, DELTA, SIGMA, 1.0, Q, STEPS, "rdp", "poisson", 4, false, false);
    PrivacyLog log = new PrivacyLog();
    log.restore(legacy.history());
    RdpAccountant half = new RdpAccountant();
    half.compose(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA / 2)), STEPS);
    assertThat(log.privacySpent(DELTA, RdpAccountant::new).epsilon())
        .isCloseTo(half.epsilon(DELTA), within(1e-9));
    assertThat(log.sensitivityDoubled()).isTrue();
    // and one whose ε is that of Gaussian(σ) keeps σ
    PrivacyRecord perExample =
        new PrivacyRecord(
            rdpEpsilon(STEPS), DELTA, SIGMA, 1.0, Q, STEPS, "rdp", "poisson", 10, false, false);
    assertThat(perExample.history().microbatchSizes()).containsExactly(1.0);
  }
}
