package io.dp4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPSequential;
import io.dp4j.testing.LayerRunner;
import io.dp4j.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scattering2D's shapes, layout, bad input, and its place in a DP model. */
class Scattering2DTest {

  @Test
  void outputShapeIsKymatiosChannelsLast() {
    Scattering2D tramerBoneh = Scattering2D.builder().setJ(2).build();
    assertThat(tramerBoneh.coefficientsPerChannel()).isEqualTo(81); // 1 + 2·8 + 64·2·1/2
    assertThat(tramerBoneh.outputShape(new long[] {28, 28, 1})).containsExactly(7, 7, 81);
    assertThat(tramerBoneh.outputShape(new long[] {32, 32, 3})).containsExactly(8, 8, 243);
    // Kymatio accepts sizes that 2^J does not divide and gives floor(size / 2^J)
    assertThat(tramerBoneh.outputShape(new long[] {30, 29, 1})).containsExactly(7, 7, 81);
    Scattering2D firstOrder = Scattering2D.builder().setJ(3).optL(6).optMaxOrder(1).build();
    assertThat(firstOrder.outputShape(new long[] {17, 40, 2})).containsExactly(2, 5, 2 * 19);
    Scattering2D three = Scattering2D.builder().setJ(3).optL(4).build();
    assertThat(three.coefficientsPerChannel()).isEqualTo(1 + 12 + 16 * 3);
  }

  @Test
  void badParametersAreRefusedByName() {
    assertThatThrownBy(() -> new Scattering2D(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("J (scales) must be >= 1, got 0");
    assertThatThrownBy(() -> Scattering2D.builder().setJ(2).optL(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("L (angles) must be >= 1, got 0");
    assertThatThrownBy(() -> Scattering2D.builder().setJ(2).optMaxOrder(3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOrder must be 1 or 2, got 3");
    assertThatThrownBy(() -> Scattering2D.builder().setJ(31).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("J (scales) must be <= 30");
  }

  @Test
  void badInputShapesAreRefused() {
    Scattering2D layer = new Scattering2D(2);
    assertThatThrownBy(() -> layer.outputShape(new long[] {28, 28}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Scattering2D needs inputs [height, width, channels], got [28, 28]");
    // the reflect padding needs more than 2^J pixels per axis
    assertThatThrownBy(() -> layer.outputShape(new long[] {28, 4, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Scattering2D with J = 2 needs height and width > 2^J = 4, got input [28, 4, 1]");
    assertThat(layer.outputShape(new long[] {5, 5, 1})).containsExactly(1, 1, 81);
  }

  @Test
  void channelsAreTransformedSeparatelyAndStackedChannelMajor() {
    Scattering2D layer = Scattering2D.builder().setJ(2).optL(4).build();
    int k = layer.coefficientsPerChannel();
    int n = 2;
    Dataset images = TestData.random(2 * n, new long[] {12, 12, 1}, 2, 7);
    float[] one = images.features();
    // example i has channel 0 = image i, channel 1 = image n + i
    float[] two = new float[one.length];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < 144; p++) {
        two[(i * 144 + p) * 2] = one[i * 144 + p];
        two[(i * 144 + p) * 2 + 1] = one[(n + i) * 144 + p];
      }
    }
    float[] single = LayerRunner.apply(layer, one, 2 * n, 12, 12, 1);
    float[] stacked = LayerRunner.apply(layer, two, n, 12, 12, 2);
    assertThat(stacked).hasSize(n * 9 * 2 * k);
    for (int i = 0; i < n; i++) {
      for (int pos = 0; pos < 9; pos++) {
        for (int c = 0; c < 2; c++) {
          for (int q = 0; q < k; q++) {
            float want = single[((c * n + i) * 9 + pos) * k + q];
            float have = stacked[((i * 9 + pos) * 2 + c) * k + q];
            // the same transforms of the same image: equal up to the FFT's batching
            assertThat((double) have).isCloseTo(want, within(1e-5));
          }
        }
      }
    }
  }

  @Test
  void firstOrderIsThePrefixOfSecondOrder() {
    Scattering2D second = Scattering2D.builder().setJ(2).optL(8).build();
    Scattering2D first = Scattering2D.builder().setJ(2).optL(8).optMaxOrder(1).build();
    float[] x = TestData.random(3, new long[] {16, 16, 1}, 2, 9).features();
    float[] all = LayerRunner.apply(second, x, 3, 16, 16, 1);
    float[] prefix = LayerRunner.apply(first, x, 3, 16, 16, 1);
    int k2 = second.coefficientsPerChannel();
    int k1 = first.coefficientsPerChannel();
    assertThat(k1).isEqualTo(17);
    for (int pos = 0; pos < 3 * 16; pos++) {
      for (int q = 0; q < k1; q++) {
        assertThat(prefix[pos * k1 + q]).isEqualTo(all[pos * k2 + q]);
      }
    }
  }

  @Test
  void aParameterFreeFrontEndTrainsUnderDp() {
    Dataset data = TestData.random(8, new long[] {12, 12, 1}, 3, 4);
    try (DPSequential model =
        new DPSequential(
            1.0,
            1.0,
            Scattering2D.builder().setJ(2).optL(4).optInputShape(12, 12, 1).build(),
            new Flatten(),
            new Dense(3))) {
      model.setSeed(1);
      model.useFixedNoiseSeedForTesting(2);
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      assertThat(model.weightShapes().values())
          .extracting(s -> s.length)
          .as("only Dense has weights")
          .containsExactly(2, 1);
      List<float[]> before = model.getWeights();
      model.fit(data, TestData.poisson(8, 0.5, 3), 1);
      assertThat(model.privacyLog().steps()).isEqualTo(2);
      assertThat(model.getWeights().get(0)).isNotEqualTo(before.get(0));
    }
  }
}
