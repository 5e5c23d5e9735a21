package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Augmentation;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Augmentation multiplicity (De et al. 2022): each example's K augmented copies form one clipping
 * unit, so the step clips and sums the mean of every example's K copy gradients, and is accounted
 * as the step without augmentation.
 */
class AugmentationMultiplicityTest {
  private static final SparseCategoricalCrossentropy PER_EXAMPLE =
      new SparseCategoricalCrossentropy(true, Reduction.NONE);
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f, 0.3f};
  private static final int K = 3;
  private static final Augmentation CROP_FLIP = Augmentation.cropAndFlip(1);

  /**
   * Terms from the input to a parameter gradient: forward 3·3 + 50, loss 3, backward 3, the kernel
   * gradient over 5·5 positions of up to 7·K fed rows per unit.
   */
  private static final long TERMS = 9 + 50 + 3 + 3 + 25L * 7 * K;

  private static Layer[] layers() {
    return new Layer[] {
      Conv2D.builder()
          .setFilters(2)
          .setKernelSize(3)
          .optPadding(Padding.SAME)
          .optActivation(ActivationFunction.TANH)
          .optInputShape(5, 5, 1)
          .build(),
      new Flatten(),
      new Dense(3)
    };
  }

  private static DPSequential model(double sigma, int microbatches) {
    return model(1.0, sigma, microbatches);
  }

  private static DPSequential model(double clip, double sigma, int microbatches) {
    DPSequential m = new DPSequential(clip, sigma, microbatches, false, null, layers());
    m.setSeed(22);
    m.useFixedNoiseSeedForTesting(77);
    return m;
  }

  private static BatchSampler sampler(double expected, SamplingMode mode, int[]... batches) {
    return TestData.fixed(expected, mode, batches);
  }

  /** Row i·K + j of the copies belongs to example i: its unit (its microbatch, with M > 0). */
  private static int[] unitOfCopies(int b, int examplesPerUnit) {
    int[] of = new int[b * K];
    for (int r = 0; r < of.length; r++) {
      of[r] = r / K / examplesPerUnit;
    }
    return of;
  }

  /** The copies the step at the model's current step count draws (same seed, same order). */
  private static Dataset copiesOf(Sequential model, Dataset batch) {
    return CROP_FLIP.copies(
        batch, K, ModelPrivacy.of(model).noiseSource().augmentationDraws(model.steps()));
  }

  @Test
  void stepClipsTheMeanGradientOfEachExamplesCopies() {
    int b = 6;
    Dataset batch = TestData.scaled(b, new long[] {5, 5, 1}, 3, 9, SCALES);
    // C = 2: the mean copy gradients' norms here are 1.2 to 13, so some units clip and some not
    double clip = 2.0;
    try (DPSequential model = model(clip, 0.0, 0)) {
      model.augmentationMultiplicity(K, CROP_FLIP);
      model.compile(new SGD(0.5f), PER_EXAMPLE);
      BatchSampler poisson = sampler(4, SamplingMode.POISSON, TestData.range(0, b));
      DpStepInspection step = model.inspectDpStep(batch, poisson);
      assertThat(step.unitSquaredNorms()).hasSize(b);
      assertThat(step.microbatchSize()).isEqualTo(1.0);
      assertThat(step.normalizer()).as("the expected batch size, not b·K").isEqualTo(4.0);

      Dataset copies = copiesOf(model, batch);
      // the copies really differ: the test would not tell a mean of copies from one example else
      assertThat(copies.gather(new int[] {0}).features())
          .isNotEqualTo(copies.gather(new int[] {1}).features());
      BruteForce expected = BruteForce.computeAssigned(model, copies, unitOfCopies(b, 1), b, clip);
      int clipped = 0;
      for (double sq : expected.squaredNorms) {
        clipped += Math.sqrt(sq) > clip ? 1 : 0;
      }
      assertThat(clipped).as("some example actually clipped").isBetween(1, b - 1);
      expected.assertMatches(
          "K=" + K,
          step.unitSquaredNorms(),
          step.clippedSums(),
          TERMS,
          BruteForce.lossCondition(model, copies, PER_EXAMPLE, unitOfCopies(b, 1), b),
          clip);

      // the update fit applies is that step's: w - lr · (clipped sum / 4), σ = 0
      List<float[]> before = model.getWeights();
      model.fit(batch, poisson, 1);
      List<float[]> after = model.getWeights();
      for (int p = 0; p < before.size(); p++) {
        float[] g = step.noisyGradients().get(p);
        for (int i = 0; i < g.length; i++) {
          // float32 SGD update: one product and one difference, each rounded (2u relative)
          float want = before.get(p)[i] - 0.5f * g[i];
          float tol = 2 * Math.ulp(Math.max(Math.abs(want), Math.abs(before.get(p)[i])));
          assertThat(after.get(p)[i]).as("parameter %d[%d]", p, i).isCloseTo(want, within(tol));
        }
      }
    }
  }

  private static org.assertj.core.data.Offset<Float> within(float tol) {
    return org.assertj.core.data.Offset.offset(tol);
  }

  @Test
  void copiesStayInsideTheirMicrobatch() {
    int b = 6;
    int m = 2;
    Dataset batch = TestData.scaled(b, new long[] {5, 5, 1}, 3, 10, SCALES);
    try (DPSequential model = model(0.0, m)) {
      model.augmentationMultiplicity(K, CROP_FLIP);
      model.compile(new SGD(0.5f), PER_EXAMPLE);
      DpStepInspection step =
          model.inspectDpStep(batch, sampler(b, SamplingMode.SHUFFLED, TestData.range(0, b)));
      assertThat(step.unitSquaredNorms()).hasSize(m);
      assertThat(step.microbatchSize()).isEqualTo(3.0);
      Dataset copies = copiesOf(model, batch);
      int[] of = unitOfCopies(b, b / m);
      BruteForce.computeAssigned(model, copies, of, m, 1.0)
          .assertMatches(
              "M=2",
              step.unitSquaredNorms(),
              step.clippedSums(),
              TERMS,
              BruteForce.lossCondition(model, copies, PER_EXAMPLE, of, m),
              1.0);
    }
  }

  @Test
  void oneCopyWithoutAugmentationIsTheEngineBitForBit() {
    Dataset batch = TestData.scaled(5, new long[] {5, 5, 1}, 3, 11, SCALES);
    BatchSampler poisson = sampler(4, SamplingMode.POISSON, TestData.range(0, 5));
    try (DPSequential plain = model(1.1, 0);
        DPSequential none = model(1.1, 0)) {
      none.augmentationMultiplicity(1, Augmentation.none());
      plain.compile(new SGD(0.5f), PER_EXAMPLE);
      none.compile(new SGD(0.5f), PER_EXAMPLE);
      plain.fit(batch, poisson, 2);
      none.fit(batch, poisson, 2);
      for (int p = 0; p < plain.getWeights().size(); p++) {
        assertThat(none.getWeights().get(p)).containsExactly(plain.getWeights().get(p));
      }
    }
  }

  @Test
  void accountingIsTheRunsWithoutAugmentation() {
    Dataset data = TestData.scaled(8, new long[] {5, 5, 1}, 3, 12, SCALES);
    BatchSampler poisson =
        sampler(4, SamplingMode.POISSON, TestData.range(0, 3), TestData.range(3, 8));
    try (DPSequential plain = model(1.1, 0);
        DPSequential augmented = model(1.1, 0)) {
      augmented.augmentationMultiplicity(4, CROP_FLIP);
      plain.compile(new SGD(0.1f), PER_EXAMPLE);
      augmented.compile(new SGD(0.1f), PER_EXAMPLE);
      plain.fit(data, poisson, 1);
      var history = augmented.fit(data, poisson, 1);
      assertThat(augmented.privacyLog().events()).isEqualTo(plain.privacyLog().events());
      assertThat(augmented.privacySpent(1e-5).epsilon())
          .isEqualTo(plain.privacySpent(1e-5).epsilon());
      // the training loss is per sampled example (its copies' mean), not per copy
      assertThat(history.get("loss").get(0)).isBetween(0.0, 20.0);
      assertThat(augmented.dpSettings().orElseThrow().augmentation())
          .isEqualTo(new AugmentationMultiplicity(4, CROP_FLIP));
    }
  }

  /**
   * A fixed front end (here a pooling layer) would otherwise be cached and the copies cut from its
   * features; the copies must be cut from the images, so the step keeps feeding the raw examples.
   */
  @Test
  void aFixedFrontEndIsNotCachedWhenTheStepAugmentsTheImages() {
    Dataset data = TestData.scaled(8, new long[] {6, 6, 1}, 3, 12, SCALES);
    try (DPSequential m =
        new DPSequential(
            1.0,
            1.0,
            0,
            false,
            null,
            new AveragePooling2D(1),
            Conv2D.builder().setFilters(2).setKernelSize(3).build(),
            new Flatten(),
            new Dense(3))) {
      m.setInputShape(6, 6, 1);
      m.setSeed(22);
      m.useFixedNoiseSeedForTesting(77);
      m.augmentationMultiplicity(2, CROP_FLIP);
      m.compile(new SGD(0.1f), PER_EXAMPLE);
      assertThat(m.trainingData(data)).isSameAs(data);
      m.endFit();
      m.fit(data, sampler(4, SamplingMode.POISSON, TestData.range(0, 4)), 1);
      assertThat(m.steps()).isEqualTo(1);
    }
  }

  @Test
  void refusesCopiesWithoutAugmentationAndNonImages() {
    assertThatThrownBy(() -> new AugmentationMultiplicity(4, Augmentation.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("K = 4 needs an augmentation");
    assertThatThrownBy(() -> new AugmentationMultiplicity(0, CROP_FLIP))
        .hasMessageContaining("must be >= 1");
    try (DPSequential dense =
        new DPSequential(1.0, 1.0, Dense.builder().setUnits(2).optInputShape(4).build())) {
      dense.augmentationMultiplicity(2, Augmentation.flip());
      assertThatThrownBy(() -> dense.compile(new SGD(0.1f), PER_EXAMPLE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[height, width] or [height, width, channels]");
    }
  }
}
