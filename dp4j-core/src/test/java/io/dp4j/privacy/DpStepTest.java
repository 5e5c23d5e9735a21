package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class DpStepTest {
  static final SparseCategoricalCrossentropy PER_EXAMPLE =
      new SparseCategoricalCrossentropy(true, Reduction.NONE);

  /** A 40-50-3 relu MLP, seed 5: the small model the DP step tests share. */
  static Sequential wide() {
    return new Sequential(
            Dense.builder()
                .setUnits(50)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(40)
                .build(),
            new Dense(3))
        .setSeed(5);
  }

  @Test
  void noiseHasStdSigmaTimesClipOverNormalizer() {
    double clip = 1.5;
    double sigma = 1.3;
    double normalizer = 10;
    Dataset data = TestData.random(10, new long[] {40}, 3, 3);
    try (Sequential model = seeded(wide(), 1234)) {
      model.compile(new DPKerasSGDOptimizer(clip, sigma, 0, 0.1f), PER_EXAMPLE);
      assertThat(ModelPrivacy.of(model).fixedNoiseSeed()).hasValue(1234);
      DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(data, normalizer);
      double sum = 0;
      double sumSq = 0;
      long n = 0;
      for (int p = 0; p < step.clippedSums().size(); p++) {
        float[] clipped = step.clippedSums().get(p);
        float[] noisy = step.noisyGradients().get(p);
        for (int i = 0; i < clipped.length; i++) {
          double noise = noisy[i] - clipped[i] / normalizer;
          sum += noise;
          sumSq += noise * noise;
          n++;
        }
      }
      double mean = sum / n;
      double std = Math.sqrt(sumSq / n - mean * mean);
      double expected = sigma * clip / normalizer;
      // n = 2203 values: the std estimate has relative standard error 1/sqrt(2n) = 1.5%
      assertThat(std).isCloseTo(expected, within(0.06 * expected));
      assertThat(Math.abs(mean)).isLessThan(4 * expected / Math.sqrt(n));
      // the same seed and step give the same noise; another seed differs
      DpStepInspection again = ModelPrivacy.of(model).inspectDpStep(data, normalizer);
      assertThat(again.noisyGradients().get(0)).containsExactly(step.noisyGradients().get(0));
    }
  }

  @Test
  void noiseFromFreshSecureRandomSeedsDiffersBetweenSteps() {
    Dataset data = TestData.random(4, new long[] {40}, 3, 3);
    try (Sequential model = wide()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f), PER_EXAMPLE);
      assertThat(ModelPrivacy.of(model).fixedNoiseSeed()).isEmpty();
      float[] a = ModelPrivacy.of(model).inspectDpStep(data, 4).noisyGradients().get(1);
      float[] b = ModelPrivacy.of(model).inspectDpStep(data, 4).noisyGradients().get(1);
      assertThat(a).isNotEqualTo(b);
    }
  }

  @Test
  void emptyPoissonBatchAddsOnlyNoise() {
    Dataset empty = TestData.random(0, new long[] {40}, 3, 3);
    try (Sequential model = seeded(wide(), 9)) {
      model.compile(new DPKerasSGDOptimizer(1.0, 2.0, 0, 0.5f), PER_EXAMPLE);
      // a Poisson batch is normalized by the expected batch size, 8 here
      DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(empty, 8);
      assertThat(maxAbs(step.unitSquaredNorms())).isZero();
      for (float[] s : step.clippedSums()) {
        assertThat(maxAbs(s)).isZero();
      }
      List<float[]> before = model.getWeights();
      Dataset data = TestData.random(8, new long[] {40}, 3, 3);
      model.fit(data, TestData.fixed(8, SamplingMode.POISSON, new int[0]), 1);
      List<float[]> after = model.getWeights();
      // w' = w - lr * noise / normalizer
      float[] noisy = step.noisyGradients().get(3);
      for (int i = 0; i < noisy.length; i++) {
        assertThat(after.get(3)[i]).isCloseTo(before.get(3)[i] - 0.5f * noisy[i], within(1e-5f));
      }
      assertThat(model.steps()).isEqualTo(1);
    }
  }

  @Test
  void emptyBatchWorksForConvNets() {
    for (int microbatches : new int[] {0, 2}) {
      try (Sequential model = seeded(new Sequential(io.dp4j.tutorial.MnistTutorial.cnn()), 1)) {
        model.compile(new DPKerasSGDOptimizer(1.0, 1.0, microbatches, 0.1f), PER_EXAMPLE);
        Dataset empty = TestData.random(0, new long[] {28, 28, 1}, 10, 1);
        DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(empty, 4);
        assertThat(maxAbs(step.unitSquaredNorms())).isZero();
        for (float[] s : step.clippedSums()) {
          assertThat(maxAbs(s)).isZero();
        }
        Dataset data = TestData.random(4, new long[] {28, 28, 1}, 10, 1);
        model.fit(data, TestData.fixed(4, SamplingMode.POISSON, new int[0], new int[] {0, 1}), 1);
        assertThat(model.steps()).isEqualTo(2);
      }
    }
  }

  @Test
  void stepsRecordPoissonSampledGaussianEvents() {
    Dataset data = TestData.blobs(40, 2);
    List<DpEvent> composed = new ArrayList<>();
    List<EpochEvent> epochs = new ArrayList<>();
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(4)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dense(2))) {
      ModelPrivacy.of(model)
          .setAccountant(() -> new RecordingAccountant(composed))
          .setTargetDelta(1e-5);
      model.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onEpoch(EpochEvent event) {
              epochs.add(event);
            }
          });
      model.compile(new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.2f), PER_EXAMPLE);
      History h = model.fit(data, TestData.poisson(40, 0.25, 1), 2);
      assertThat(model.steps()).isEqualTo(8);
      PoissonSampledDpEvent step = new PoissonSampledDpEvent(0.25, new GaussianDpEvent(1.1));
      assertThat(ModelPrivacy.of(model).privacyLog().events())
          .containsExactly(new SelfComposedDpEvent(step, 8));
      assertThat(ModelPrivacy.of(model).privacyLog().samplingAssumed()).isFalse();
      assertThat(h.get("epsilon")).containsExactly(4.0, 8.0);
      assertThat(epochs.get(1).epsilon()).hasValue(8.0);
      PrivacySpent spent = ModelPrivacy.of(model).privacySpent(1e-5);
      assertThat(spent.steps()).isEqualTo(8);
      assertThat(spent.noiseMultiplier()).isEqualTo(1.1);
      assertThat(spent.samplingRate()).isEqualTo(0.25);
    }
  }

  @Test
  void shuffledBatchesAreReportedAsAssumedPoisson() {
    Dataset data = TestData.blobs(12, 2);
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 2, 0.2f), PER_EXAMPLE);
      model.fit(data, 6, 1);
      assertThat(ModelPrivacy.of(model).privacyLog().samplingAssumed()).isTrue();
      assertThat(ModelPrivacy.of(model).privacyLog().steps()).isEqualTo(2);
    }
  }

  @Test
  void shuffledDpEpochDropsIncompleteBatch() {
    Dataset data = TestData.blobs(10, 2);
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 4, 0.2f), PER_EXAMPLE);
      model.fit(data, 4, 2);
      assertThat(model.steps()).isEqualTo(4);
    }
  }

  @Test
  void batchNotMultipleOfMicrobatchesIsRefused() {
    Dataset data = TestData.blobs(10, 2);
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 4, 0.2f), PER_EXAMPLE);
      assertThatThrownBy(() -> model.fit(data, 10, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batch size 10 is not a multiple of numMicrobatches 4");
    }
  }

  @Test
  void reducedLossWithDpOptimizerIsRefused() {
    try (Sequential model = new Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
      assertThatThrownBy(
              () ->
                  model.compile(
                      new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f),
                      new SparseCategoricalCrossentropy(true)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("SUM_OVER_BATCH_SIZE")
          .hasMessageContaining("Reduction.NONE")
          .hasMessageContaining("clipped per example");
    }
  }

  @Test
  void layerWithoutRuleIsRefusedNamingIt() {
    try (Sequential model =
        new Sequential(Dense.builder().setUnits(2).optInputShape(2).build(), new Scale())) {
      assertThatThrownBy(() -> model.compile(new DPKerasSGDOptimizer(1, 1, 0, 0.1f), PER_EXAMPLE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("scale_1 (Scale)")
          .hasMessageContaining("no clipping rule")
          .hasMessageContaining("ClippingRegistry.register(Scale.class");
      // the same model trains without DP
      model.compile(new SGD(), PER_EXAMPLE);
    }
  }

  @Test
  void batchNormalizationLikeLayerIsRefusedWithAlternative() {
    try (Sequential model =
        new Sequential(
            Dense.builder().setUnits(2).optInputShape(2).build(), new BatchCentering())) {
      assertThatThrownBy(() -> model.compile(new DPKerasSGDOptimizer(1, 1, 0, 0.1f), PER_EXAMPLE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batchcentering_1 (BatchCentering) mixes the examples")
          .hasMessageContaining("GroupNormalization")
          .hasMessageContaining("LayerNormalization");
    }
  }

  @Test
  void batchNormalizationRefusalSaysWhyPerExampleGradientsFail() {
    try (Sequential model =
        new Sequential(
            Dense.builder().setUnits(2).optInputShape(2).build(), new BatchCentering())) {
      assertThatThrownBy(() -> model.compile(new DPKerasSGDOptimizer(1, 1, 0, 0.1f), PER_EXAMPLE))
          .hasMessageContaining("its output for one example depends on the other examples")
          .hasMessageContaining("a per-example gradient is not defined")
          .hasMessageContaining("use GroupNormalization instead")
          .hasMessageContaining("or LayerNormalization, which normalize each example on its own");
    }
  }

  /** {@code model} with the fixed test noise seed {@code seed}. */
  static Sequential seeded(Sequential model, long seed) {
    ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(seed);
    return model;
  }

  private static float maxAbs(float[] values) {
    float max = 0;
    for (float v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  /** A trainable layer with no clipping rule: {@code x * s}. */
  static final class Scale extends Layer {
    Scale() {
      super(null, null);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
      return inputShape.clone();
    }

    @Override
    public List<ParameterSpec> parameters(long[] inputShape) {
      return List.of(
          new ParameterSpec("s", new long[] {1}, ParameterSpec.Initializer.GLOROT_UNIFORM, 1, 1));
    }

    @Override
    public Operand<TFloat32> call(
        Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params, boolean t, long seed) {
      return tf.math.mul(input, params.get(0));
    }
  }

  /** Subtracts the batch mean, as batch normalization does. */
  static final class BatchCentering extends Layer {
    BatchCentering() {
      super(null, null);
    }

    @Override
    public boolean mixesExamples() {
      return true;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
      return inputShape.clone();
    }

    @Override
    public Operand<TFloat32> call(
        Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params, boolean t, long seed) {
      return tf.math.sub(input, tf.math.mean(input, tf.constant(0)));
    }
  }

  /** Records what it composes; ε = half the number of steps. */
  static final class RecordingAccountant implements PrivacyAccountant {
    private final List<DpEvent> sink;
    private long steps;

    RecordingAccountant(List<DpEvent> sink) {
      this.sink = sink;
    }

    @Override
    public PrivacyAccountant compose(DpEvent event, long count) {
      sink.add(event);
      steps += count;
      return this;
    }

    @Override
    public DpEvent ledger() {
      return sink.get(0);
    }

    @Override
    public double epsilon(double delta) {
      return steps / 1.0;
    }

    @Override
    public double delta(double epsilon) {
      return 0;
    }

    @Override
    public String method() {
      return "test";
    }

    @Override
    public String toJson() {
      return "{}";
    }
  }
}
