package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import picocli.CommandLine.TypeConversionException;

/**
 * A Keras model file for {@code dp4j bench}: random inputs of its input shape (ids below the
 * vocabulary when it starts with an Embedding), random class ids for a multi-output model (sparse
 * categorical cross-entropy on logits), or random targets and mean squared error for one output.
 */
record KerasBenchTarget(Path file, long[] inputShape, int outputs, int vocabulary)
    implements BenchTarget {

  static KerasBenchTarget of(Path file) {
    try (KerasModel model = ModelIO.load(file)) {
      Sequential s = model.sequential();
      long[] output = s.outputShape();
      Layer first = s.layers().get(0);
      return new KerasBenchTarget(
          file,
          model.inputShape(),
          (int) output[output.length - 1],
          first instanceof Embedding e ? e.inputDim() : 0);
    } catch (IOException | RuntimeException e) {
      throw new TypeConversionException(
          "cannot read the model " + file + " to benchmark: " + e.getMessage());
    }
  }

  @Override
  public String label() {
    return file.getFileName().toString();
  }

  @Override
  public Sequential newModel() {
    try {
      return ModelIO.load(file).sequential();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Dataset data(int n) {
    SplittableRandom random = new SplittableRandom(7);
    long size = 1;
    for (long d : inputShape) {
      size *= d;
    }
    float[] x = new float[Math.toIntExact(n * size)];
    for (int i = 0; i < x.length; i++) {
      x[i] = vocabulary > 0 ? random.nextInt(vocabulary) : (float) random.nextDouble();
    }
    if (outputs == 1) {
      float[] y = new float[n];
      for (int i = 0; i < n; i++) {
        y[i] = (float) random.nextDouble();
      }
      return new Dataset(x, inputShape, y, new long[] {1});
    }
    return new Dataset(x, inputShape, BenchModel.labels(random, n, outputs), new long[] {});
  }

  @Override
  public Loss loss() {
    return outputs == 1 ? new MeanSquaredError(Reduction.NONE) : BenchTarget.super.loss();
  }
}
