package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.optimizers.SGD;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in bench models have the architectures their peers are built with in {@code
 * tools/reference/opacus_bench.py}: same parameter shapes (Keras layout), input and output.
 */
class BenchModelTest {
  @Test
  void tutorialCnnIsTfPrivacysTutorialCnn() {
    // Conv 16 8x8 stride 2 same: 28 -> 14; pool 2 stride 1: 13; conv 32 4x4 stride 2 valid: 5;
    // pool 2 stride 1: 4; flatten 4*4*32 = 512; dense 32; dense 10
    assertThat(shapes(BenchModel.TUTORIAL_CNN))
        .containsExactly(
            "[8, 8, 1, 16]",
            "[16]",
            "[4, 4, 16, 32]",
            "[32]",
            "[512, 32]",
            "[32]",
            "[32, 10]",
            "[10]");
    assertThat(parameterCount(BenchModel.TUTORIAL_CNN)).isEqualTo(26_010);
    assertThat(BenchModel.TUTORIAL_CNN.defaultBatchSize()).isEqualTo(250);
  }

  @Test
  void cifarCnnIsTramerAndBonehsCnn() {
    // 3x3 same convs keep 32x32; three 2x2 pools: 32 -> 16 -> 8 -> 4; flatten 4*4*128 = 2048
    assertThat(shapes(BenchModel.CIFAR_CNN))
        .containsExactly(
            "[3, 3, 3, 32]",
            "[32]",
            "[3, 3, 32, 32]",
            "[32]",
            "[3, 3, 32, 64]",
            "[64]",
            "[3, 3, 64, 64]",
            "[64]",
            "[3, 3, 64, 128]",
            "[128]",
            "[3, 3, 128, 128]",
            "[128]",
            "[2048, 10]",
            "[10]");
    assertThat(parameterCount(BenchModel.CIFAR_CNN)).isEqualTo(307_498);
    assertThat(BenchModel.CIFAR_CNN.defaultBatchSize()).isEqualTo(256);
  }

  @Test
  void cifarCnnDataAreColourImagesWithTenClasses() {
    Dataset data = BenchModel.CIFAR_CNN.data(4);

    assertThat(data.size()).isEqualTo(4);
    assertThat(data.exampleShape()).containsExactly(32, 32, 3);
    assertThat(data.features()).hasSize(4 * 32 * 32 * 3);
    for (float label : data.labels()) {
      assertThat((double) label).isBetween(0.0, 9.0).isEqualTo(Math.floor(label));
    }
  }

  private static List<String> shapes(BenchModel target) {
    try (Sequential model = compiled(target)) {
      return model.weightShapes().values().stream().map(Arrays::toString).toList();
    }
  }

  private static long parameterCount(BenchModel target) {
    try (Sequential model = compiled(target)) {
      return model.parameterCount();
    }
  }

  private static Sequential compiled(BenchModel target) {
    Sequential model = target.newModel();
    model.compile(new SGD(0.1f), target.loss());
    return model;
  }
}
