package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.Float32RoundOff;
import io.dp4j.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One full DP step through fit: w' = w - lr * (clipped sum) / (q·N), checked by brute force. */
class EndToEndStepTest {

  @Test
  void dpSequentialStepAppliesClippedSumOverExpectedBatchSize() {
    Dataset data = TestData.scaled(6, new long[] {4}, 3, 3, 20f, 0.05f, 1f);
    float lr = 0.3f;
    double clip = 0.8;
    double expectedBatchSize = 10;
    try (DPSequential model =
        new DPSequential(
            clip,
            0.0,
            0,
            false,
            null,
            Dense.builder()
                .setUnits(5)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4)
                .build(),
            new Dense(3))) {
      model.setSeed(8);
      model.compile(new SGD(lr), new SparseCategoricalCrossentropy(true));
      BruteForce expected = BruteForce.compute(model, data, 1, clip);
      // each example's gradient error: forward 4 + 5, loss 3, backward 3, one example per unit,
      // amplified by its loss condition (computed on the weights before the step)
      double[] lossCondition =
          BruteForce.lossCondition(
              model,
              data,
              new SparseCategoricalCrossentropy(true, Reduction.NONE),
              TestData.range(0, 6),
              6);
      List<float[]> before = model.getWeights();
      model.fit(
          data, TestData.fixed(expectedBatchSize, SamplingMode.POISSON, TestData.range(0, 6)), 1);
      List<float[]> after = model.getWeights();
      double[] unitErrors = new double[data.size()];
      double[] clippedNorms = new double[data.size()];
      for (int u = 0; u < clippedNorms.length; u++) {
        unitErrors[u] = Float32RoundOff.gamma(4 + 5 + 3 + 3 + 1) * lossCondition[u];
        double norm = Math.sqrt(expected.squaredNorms[u]);
        clippedNorms[u] = Math.min(1, clip / (norm + 1e-6)) * norm;
      }
      for (int p = 0; p < before.size(); p++) {
        double[] want = new double[before.get(p).length];
        float[] got = new float[want.length];
        double weightScale = 0;
        for (int i = 0; i < want.length; i++) {
          want[i] = -lr * expected.clippedSums.get(p)[i] / expectedBatchSize;
          got[i] = after.get(p)[i] - before.get(p)[i];
          weightScale =
              Math.max(weightScale, Math.abs(before.get(p)[i]) + Math.abs(after.get(p)[i]));
        }
        double maxUpdate = BruteForce.maxAbs(want);
        // the clipped sum's round-off (the scaling by lr / B adds a few u), and the step's
        // own rounding plus that of after - before: u each, relative to |w| + |w'|
        double bound =
            Float32RoundOff.clippedSumDifference(
                    unitErrors, clippedNorms, BruteForce.maxAbs(expected.clippedSums.get(p)))
                + 4 * Float32RoundOff.UNIT_ROUNDOFF
                + 2 * Float32RoundOff.UNIT_ROUNDOFF * weightScale / maxUpdate;
        assertThat(BruteForce.relativeError(got, want)).as("parameter " + p).isLessThan(bound);
      }
    }
  }
}
