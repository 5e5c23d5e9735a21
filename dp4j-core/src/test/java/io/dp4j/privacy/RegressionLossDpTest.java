package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Huber;
import io.dp4j.nn.losses.MeanAbsoluteError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.train.History;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** DP-SGD with the regression losses: exact clipped sums, and training that reduces the loss. */
class RegressionLossDpTest {
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};

  /**
   * Terms accumulated from the input to a parameter gradient (ClippingBruteForceTest's bounds):
   * forward 4 + 5, loss 2, backward 2, kernel over a unit's ≤ 3 examples.
   */
  private static final long TERMS = 4 + 5 + 2 + 2 + 3;

  /** Features scaled per example, targets {@code [2, 1]} of a fixed linear map plus noise. */
  private static Dataset regression(int n, long seed, boolean scaled) {
    Random r = new Random(seed);
    float[] x = new float[n * 4];
    float[] y = new float[n * 2];
    for (int i = 0; i < n; i++) {
      float s = scaled ? SCALES[i % SCALES.length] : 1f;
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) r.nextGaussian() * s;
      }
      y[i * 2] = x[i * 4] - 0.5f * x[i * 4 + 2] + (float) (0.05 * r.nextGaussian());
      y[i * 2 + 1] = 0.3f * x[i * 4 + 1] + x[i * 4 + 3] + (float) (0.05 * r.nextGaussian());
    }
    return new Dataset(x, new long[] {4}, y, new long[] {2});
  }

  private static Sequential model() {
    return new Sequential(
            Dense.builder()
                .setUnits(5)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(4)
                .build(),
            new Dense(2))
        .setSeed(21);
  }

  @Test
  void clippedSumsMatchBruteForce() {
    Dataset data = regression(12, 5, true);
    ClippingBruteForceTest.check(
        "mae",
        TERMS,
        RegressionLossDpTest::model,
        data,
        0,
        2,
        () -> new MeanAbsoluteError(Reduction.NONE));
    ClippingBruteForceTest.check(
        "huber", TERMS, RegressionLossDpTest::model, data, 0, 2, () -> new Huber(Reduction.NONE));
    ClippingBruteForceTest.check(
        "huber microbatches",
        TERMS,
        RegressionLossDpTest::model,
        data,
        4,
        1.5,
        () -> new Huber(0.5f, Reduction.NONE));
  }

  /** The new activations between two Dense layers: gradients flow through them exactly. */
  @Test
  void newActivationsMatchBruteForce() {
    Dataset data = regression(12, 7, true);
    for (ActivationFunction f :
        new ActivationFunction[] {
          ActivationFunction.GELU, ActivationFunction.ELU, ActivationFunction.LEAKY_RELU
        }) {
      ClippingBruteForceTest.check(
          f.name(),
          TERMS,
          () ->
              new Sequential(
                      Dense.builder().setUnits(5).optActivation(f).optInputShape(4).build(),
                      new io.dp4j.nn.layers.LeakyReLU(0.1f),
                      new Dense(2))
                  .setSeed(22),
          data,
          0,
          2,
          () -> new Huber(Reduction.NONE));
    }
  }

  @Test
  void dpTrainingReducesTheLoss() {
    Dataset data = regression(128, 6, false);
    for (var loss :
        java.util.List.of(new MeanAbsoluteError(Reduction.NONE), new Huber(Reduction.NONE))) {
      try (Sequential m = model()) {
        ModelPrivacy.of(m).noiseSource().useFixedNoiseSeedForTesting(3);
        m.compile(new DPKerasSGDOptimizer(1.0, 0.5, 0, 0.2f), loss);
        double before = m.evaluate(data).get("loss");
        History h = m.fit(data, 16, 12);
        double after = m.evaluate(data).get("loss");
        assertThat(h.get("loss")).hasSize(12);
        assertThat(after).as(loss.getClass().getSimpleName()).isLessThan(0.7 * before);
        assertThat(ModelPrivacy.of(m).privacyLog()).isNotNull();
      }
    }
  }

  @Test
  void reducedLossIsRefusedByDpOptimizer() {
    try (Sequential m = model()) {
      assertThatThrownBy(() -> m.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f), new Huber()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Reduction.NONE");
    }
  }
}
