package io.dp4j.cli;

import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A 4-feature synthetic task (3 classes unless told) as feature and label CSVs: the feature at the
 * label's index is raised by 1, so a small model learns it in a few epochs.
 */
record SyntheticCsv(Path features, Path labels) {
  /** Writes {@code n} rows to {@code <name>-x.csv} and {@code <name>-y.csv} in {@code dir}. */
  static SyntheticCsv write(Path dir, String name, int n, long seed) throws IOException {
    return write(dir, name, n, seed, 3);
  }

  /** As {@link #write(Path, String, int, long)} with {@code classes} (at most 4) classes. */
  static SyntheticCsv write(Path dir, String name, int n, long seed, int classes)
      throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder x = new StringBuilder();
    StringBuilder y = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(classes);
      for (int j = 0; j < 4; j++) {
        x.append(j == 0 ? "" : ",").append(j == label ? 1 + r.nextDouble() : r.nextDouble());
      }
      x.append('\n');
      y.append(label).append('\n');
    }
    Path xs = dir.resolve(name + "-x.csv");
    Path ys = dir.resolve(name + "-y.csv");
    Files.writeString(xs, x);
    Files.writeString(ys, y);
    return new SyntheticCsv(xs, ys);
  }

  /** The options that give these files as training data. */
  List<String> options() {
    return List.of("--features", features.toString(), "--labels", labels.toString());
  }

  /** The options that give these files as training data and {@code test}'s as test data. */
  List<String> withTest(SyntheticCsv test) {
    return List.of(
        "--features",
        features.toString(),
        "--labels",
        labels.toString(),
        "--test-features",
        test.features().toString(),
        "--test-labels",
        test.labels().toString());
  }

  /**
   * An untrained model for the task, saved as {@code mlp-<hidden>-<classes>.keras} in {@code dir}:
   * 4 inputs, {@code hidden} ReLU units, {@code classes} logits, weights drawn from {@code seed}.
   */
  static Path model(Path dir, int hidden, int classes, long seed) throws IOException {
    Path file = dir.resolve("mlp-" + hidden + "-" + classes + ".keras");
    try (Sequential s =
        new Sequential(
                Dense.builder()
                    .setUnits(hidden)
                    .optActivation(ActivationFunction.RELU)
                    .optInputShape(4)
                    .build(),
                new Dense(classes))
            .setSeed(seed)) {
      s.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      ModelIO.save(KerasModel.of(s, 4), file);
    }
    return file;
  }

  /** The two-class task's model: 8 hidden units, seed 2. */
  static Path twoClassModel(Path dir) throws IOException {
    return model(dir, 8, 2, 2);
  }
}
