package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frozen layers under DP-SGD: a frozen middle layer's parameters are left out of every per-example
 * gradient, its norm and the clipped sums, and keep their values bit for bit.
 */
class FrozenLayerDpTest {
  private static final double CLIP = 0.5;

  /** Weights 2 and 3 (the middle Dense's kernel and bias) are frozen. */
  private static final int FROZEN_KERNEL = 2;

  private static final int FROZEN_BIAS = 3;

  /** Forward 5 + 4 + 4, loss 3, backward 3 + 4 + 4 (as ClippingBruteForceTest counts). */
  private static final long PATH_TERMS = 5 + 4 + 4 + 3 + 3 + 4 + 4;

  private static DPSequential frozenMiddle(double noiseMultiplier) {
    Dense middle = new Dense(4, ActivationFunction.TANH);
    middle.setTrainable(false);
    DPSequential model =
        new DPSequential(
            CLIP,
            noiseMultiplier,
            Dense.builder()
                .setUnits(4)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(5)
                .build(),
            middle,
            new Dense(3));
    model.setSeed(31);
    return model;
  }

  private static boolean trains(int p) {
    return p != FROZEN_KERNEL && p != FROZEN_BIAS;
  }

  @Test
  void clippedNormsAndSumsCoverTheTrainableParametersOnly() {
    Dataset data = TestData.scaled(10, new long[] {5}, 3, 41, new float[] {0.3f, 1f, 4f, 20f});
    try (DPSequential model = frozenMiddle(0)) {
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(data, 1);
      assertThat(step.clippedSums()).hasSize(4);
      BruteForce trainable = BruteForce.compute(model, data, 1, CLIP, FrozenLayerDpTest::trains);
      trainable.assertMatches(
          "frozen middle",
          step.unitSquaredNorms(),
          step.clippedSums(),
          PATH_TERMS,
          BruteForce.lossCondition(
              model, data, model.loss(), TestData.range(0, data.size()), data.size()),
          CLIP);
      // the frozen layer's gradient is not zero: had it entered the norms, they would differ
      BruteForce all = BruteForce.compute(model, data, 1, CLIP);
      for (int u = 0; u < data.size(); u++) {
        assertThat(all.squaredNorms[u]).isGreaterThan(trainable.squaredNorms[u] * 1.001);
      }
    }
  }

  @Test
  void frozenWeightsAreBitIdenticalAfterDpTraining() {
    Dataset data = TestData.random(32, new long[] {5}, 3, 42);
    for (boolean adam : new boolean[] {false, true}) {
      try (DPSequential model = frozenMiddle(1.1)) {
        model.useFixedNoiseSeedForTesting(7);
        model.compile(
            adam ? new Adam(0.05f) : new SGD(0.5f), new SparseCategoricalCrossentropy(true));
        List<float[]> before = new ArrayList<>(model.getWeights());
        model.fit(data, TestData.poisson(32, 0.25, 3), 3);
        List<float[]> after = model.getWeights();
        assertThat(model.getWeights()).hasSize(6);
        for (int p = 0; p < 6; p++) {
          if (trains(p)) {
            assertThat(after.get(p)).as("trainable weight %d", p).isNotEqualTo(before.get(p));
          } else {
            assertThat(after.get(p)).as("frozen weight %d", p).containsExactly(before.get(p));
          }
        }
        assertThat(ModelPrivacy.of(model).privacyLog().snapshot().steps()).isPositive();
        // only the trainable weights have optimizer slots
        assertThat(model.optimizerState().keySet())
            .noneMatch(k -> k.startsWith("weight_2-") || k.startsWith("weight_3-"));
      }
    }
  }

  @Test
  void aModelWhoseWeightsAreAllFrozenIsRefused() {
    Dense only = Dense.builder().setUnits(2).optInputShape(3).build();
    only.setTrainable(false);
    try (Sequential plain = new Sequential(only)) {
      plain.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      assertThatThrownBy(() -> plain.fit(TestData.random(4, new long[] {3}, 2, 1), 2, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("every layer with weights is frozen");
    }
    try (DPSequential dp = new DPSequential(1, 1, only)) {
      assertThatThrownBy(() -> dp.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("every layer with weights is frozen");
    }
  }
}
