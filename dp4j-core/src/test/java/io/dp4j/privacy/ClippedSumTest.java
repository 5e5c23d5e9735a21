package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.testing.Float32RoundOff;
import io.dp4j.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The data-parallel pieces of the DP step: {@link ModelPrivacy#clippedSum} over the parts of a
 * batch adds up to the step's own clipped sum, and {@link ModelPrivacy#stepFromClippedSum} with it
 * is the single-machine step.
 */
class ClippedSumTest {
  private static final double CLIP = 1.0;
  private static final int N = 40;

  private static Sequential model() {
    Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(6)
                .optInputShape(4)
                .optActivation(io.dp4j.nn.layers.ActivationFunction.RELU)
                .build(),
            Dense.builder().setUnits(3).build());
    model.setSeed(11);
    ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(5);
    model.compile(new DPKerasSGDOptimizer(CLIP, 1.3, 0, 0.5f), DpStepTest.PER_EXAMPLE);
    return model;
  }

  /**
   * Sums of the same b clipped gradients (each coordinate at most C in magnitude) in two orders
   * differ by at most 2·γ(b)·b·C per coordinate (float32 recursive summation, Higham 4.2).
   */
  @Test
  void clippedSumsOfThePartsAddUpToTheBatchsClippedSum() {
    Dataset data = TestData.random(N, new long[] {4}, 3, 9);
    Dataset batch = data.gather(new int[] {0, 3, 4, 8, 9, 15, 22, 23, 30, 39});
    try (Sequential model = model()) {
      ModelPrivacy privacy = ModelPrivacy.of(model);
      List<float[]> whole = privacy.clippedSum(batch, 10);
      List<float[]> first = privacy.clippedSum(batch.slice(0, 4), 10);
      List<float[]> second = privacy.clippedSum(batch.slice(4, 10), 10);
      List<float[]> empty = privacy.clippedSum(batch.slice(0, 0), 10);
      List<float[]> inspected = privacy.inspectDpStep(batch, 10).clippedSums();
      double tolerance = 2 * Float32RoundOff.gamma(10) * 10 * CLIP;
      assertThat(whole).hasSize(4);
      for (int p = 0; p < whole.size(); p++) {
        for (float v : empty.get(p)) {
          assertThat(v).isZero();
        }
        boolean nonZero = false;
        for (int i = 0; i < whole.get(p).length; i++) {
          assertThat((double) first.get(p)[i] + second.get(p)[i])
              .isCloseTo(whole.get(p)[i], org.assertj.core.data.Offset.offset(tolerance));
          assertThat(inspected.get(p)[i]).isEqualTo(whole.get(p)[i]);
          nonZero |= whole.get(p)[i] != 0;
        }
        assertThat(nonZero).as("parameter %d has a gradient", p).isTrue();
      }
      assertThat(model.steps()).isZero();
      assertThat(privacy.privacyLog().steps()).isZero();
    }
  }

  @Test
  void aStepFromTheClippedSumIsTheSingleMachineStep() {
    Dataset data = TestData.random(N, new long[] {4}, 3, 9);
    int[][] batches = {{1, 2, 7, 20}, {}, {0, 5, 6, 11, 12, 31, 38}};
    double expected = 5;
    try (Sequential single = model();
        Sequential parted = model()) {
      single.fit(data, TestData.fixed(expected, SamplingMode.POISSON, batches), 1);
      ModelPrivacy privacy = ModelPrivacy.of(parted);
      for (int[] indices : batches) {
        Dataset batch = data.gather(indices);
        List<float[]> sum = privacy.clippedSum(batch, expected);
        assertThat(
                privacy.stepFromClippedSum(
                    sum, TestData.fixed(expected, SamplingMode.POISSON), data))
            .isTrue();
      }
      assertThat(parted.steps()).isEqualTo(batches.length);
      assertThat(privacy.privacyLog().steps()).isEqualTo(batches.length);
      assertThat(privacy.privacySpent(1e-5).epsilon())
          .isEqualTo(ModelPrivacy.of(single).privacySpent(1e-5).epsilon());
      // the same graph on the same values: the clipped sum is computed by the same kernels on
      // the same batch, so the weights agree exactly
      List<float[]> a = single.getWeights();
      List<float[]> b = parted.getWeights();
      for (int p = 0; p < a.size(); p++) {
        assertThat(b.get(p)).containsExactly(a.get(p));
      }
    }
  }

  @Test
  void refusesMicrobatchesOfMoreThanOneExampleAndWrongShapes() {
    Dataset data = TestData.random(N, new long[] {4}, 3, 9);
    try (Sequential model = new Sequential(Dense.builder().setUnits(3).optInputShape(4).build())) {
      model.compile(new DPKerasSGDOptimizer(CLIP, 1.0, 2, 0.5f), DpStepTest.PER_EXAMPLE);
      assertThatThrownBy(() -> ModelPrivacy.of(model).clippedSum(data, 10))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("numMicrobatches 2");
    }
    try (Sequential model = model()) {
      assertThatThrownBy(
              () ->
                  ModelPrivacy.of(model)
                      .stepFromClippedSum(
                          List.of(new float[1]), TestData.fixed(5, SamplingMode.POISSON), data))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("clippedSum has 1 parameters");
    }
  }
}
