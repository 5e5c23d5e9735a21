package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.train.History;
import io.dp4j.testing.TestData;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SecureNoiseTest {
  private static final SparseCategoricalCrossentropy PER_EXAMPLE = DpStepTest.PER_EXAMPLE;

  @Test
  void generatorDrawsStandardNormals() {
    float[] z = SecureGaussianNoise.secure().next(200_000);
    double m1 = 0;
    double m2 = 0;
    double m4 = 0;
    long beyond2 = 0;
    for (float v : z) {
      m1 += v;
      m2 += (double) v * v;
      m4 += (double) v * v * v * v;
      beyond2 += Math.abs(v) > 2 ? 1 : 0;
    }
    int n = z.length;
    // standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032, 4th moment
    // sqrt(96/n) = 0.022, P(|Z| > 2) = 0.0455 +- 0.00047
    assertThat(m1 / n).isCloseTo(0, within(0.012));
    assertThat(m2 / n).isCloseTo(1, within(0.016));
    assertThat(m4 / n).isCloseTo(3, within(0.11));
    assertThat((double) beyond2 / n).isCloseTo(0.0455, within(0.0025));
  }

  @Test
  void seededGeneratorIsReproducible() {
    float[] a = new SecureGaussianNoise(new SplittableRandom(3)::nextBytes).next(10);
    float[] b = new SecureGaussianNoise(new SplittableRandom(3)::nextBytes).next(10);
    assertThat(a).containsExactly(b);
  }

  @Test
  void secureNoiseHasStdSigmaTimesClipOverNormalizer() {
    double clip = 1.5;
    double sigma = 1.3;
    double normalizer = 10;
    Dataset data = TestData.random(10, new long[] {40}, 3, 3);
    try (Sequential model = DpStepTest.wide()) {
      ModelPrivacy.of(model).noiseSource().useSecureNoise();
      model.compile(new DPKerasSGDOptimizer(clip, sigma, 0, 0.1f), PER_EXAMPLE);
      assertThat(ModelPrivacy.of(model).secureNoise()).isTrue();
      assertThat(ModelPrivacy.of(model).fixedNoiseSeed()).isEmpty();
      double sum = 0;
      double sumSq = 0;
      long n = 0;
      float[] first = null;
      for (int draw = 0; draw < 5; draw++) {
        DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(data, normalizer);
        if (first == null) {
          first = step.noisyGradients().get(1);
        } else if (draw == 1) {
          assertThat(step.noisyGradients().get(1)).isNotEqualTo(first);
        }
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
      }
      double mean = sum / n;
      double std = Math.sqrt(sumSq / n - mean * mean);
      double expected = sigma * clip / normalizer;
      // n = 5 x 2203 values: the std estimate has relative standard error 1/sqrt(2n) = 0.67%
      assertThat(std).isCloseTo(expected, within(0.03 * expected));
      assertThat(Math.abs(mean)).isLessThan(4 * expected / Math.sqrt(n));
    }
  }

  @Test
  void fixedTestSeedMakesSecureModeNoiseReproducible() {
    Dataset data = TestData.random(6, new long[] {40}, 3, 3);
    try (Sequential model = DpStepTest.seeded(DpStepTest.wide(), 77)) {
      ModelPrivacy.of(model).noiseSource().useSecureNoise();
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f), PER_EXAMPLE);
      float[] a = ModelPrivacy.of(model).inspectDpStep(data, 6).noisyGradients().get(0);
      float[] b = ModelPrivacy.of(model).inspectDpStep(data, 6).noisyGradients().get(0);
      assertThat(b).containsExactly(a);
    }
  }

  @Test
  void defaultModeIsNotSecureNoise() {
    try (Sequential model = DpStepTest.wide()) {
      assertThat(ModelPrivacy.of(model).secureNoise()).isFalse();
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f), PER_EXAMPLE);
      assertThat(ModelPrivacy.of(model).secureNoise()).isFalse();
    }
  }

  @Test
  void secureAndDefaultModesClipIdentically() {
    Dataset data = TestData.random(12, new long[] {40}, 3, 7);
    try (Sequential plain = DpStepTest.wide();
        Sequential secure = DpStepTest.wide()) {
      ModelPrivacy.of(secure).noiseSource().useSecureNoise();
      plain.compile(new DPKerasSGDOptimizer(0.7, 1.1, 0, 0.1f), PER_EXAMPLE);
      secure.compile(new DPKerasSGDOptimizer(0.7, 1.1, 0, 0.1f), PER_EXAMPLE);
      DpStepInspection a = ModelPrivacy.of(plain).inspectDpStep(data, 12);
      DpStepInspection b = ModelPrivacy.of(secure).inspectDpStep(data, 12);
      assertThat(b.unitSquaredNorms()).containsExactly(a.unitSquaredNorms());
      assertThat(b.clippedSums()).hasSameSizeAs(a.clippedSums());
      for (int p = 0; p < a.clippedSums().size(); p++) {
        assertThat(b.clippedSums().get(p)).containsExactly(a.clippedSums().get(p));
        assertThat(b.noisyGradients().get(p)).isNotEqualTo(a.noisyGradients().get(p));
      }
    }
  }

  @Test
  void secureModeTrainsAndRecordsTheSameEvents() {
    Dataset data = TestData.blobs(200, 2);
    History[] histories = new History[2];
    List<?>[] events = new List<?>[2];
    for (int mode = 0; mode < 2; mode++) {
      try (Sequential model =
          new Sequential(
                  Dense.builder()
                      .setUnits(8)
                      .optActivation(ActivationFunction.RELU)
                      .optInputShape(2)
                      .build(),
                  new Dense(2))
              .setSeed(11)) {
        if (mode == 1) {
          ModelPrivacy.of(model).noiseSource().useSecureNoise();
        }
        ModelPrivacy.of(model).setTargetDelta(1e-5);
        model.compile(new DPKerasSGDOptimizer(1.0, 0.5, 0, 0.5f), PER_EXAMPLE);
        histories[mode] = model.fit(data, TestData.poisson(200, 0.2, 5), 6);
        assertThat(ModelPrivacy.of(model).secureNoise()).isEqualTo(mode == 1);
        assertThat(model.steps()).isEqualTo(30);
        events[mode] = ModelPrivacy.of(model).privacyLog().events();
      }
    }
    List<Double> loss = histories[1].get("loss");
    assertThat(loss.get(loss.size() - 1)).isLessThan(loss.get(0));
    assertThat(events[1]).isEqualTo(events[0]);
    assertThat(histories[1].get("epsilon")).isEqualTo(histories[0].get("epsilon"));
  }
}
