package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.tutorial.MnistTutorial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A model {@code dp4j bench} times, with synthetic data of its input shape. */
interface BenchTarget {
  /** How the model is named in the option and the output. */
  String label();

  /** A fresh copy of the model, to be compiled by the caller, who closes it. */
  Sequential newModel();

  /** {@code n} synthetic examples (seeded: timing needs no real data). */
  Dataset data(int n);

  /** The expected batch size when {@code --batch-size} is not given: the tutorial's. */
  default int defaultBatchSize() {
    return MnistTutorial.BATCH_SIZE;
  }

  /** The per-example loss both steps are compiled with. */
  default Loss loss() {
    return new SparseCategoricalCrossentropy(true, Reduction.NONE);
  }

  /** Parses a built-in model's name or the path of a Keras model file. */
  final class Converter implements ITypeConverter<BenchTarget> {
    @Override
    public BenchTarget convert(String value) {
      for (BenchModel model : BenchModel.values()) {
        if (model.label().equals(value)) {
          return model;
        }
      }
      Path file = Path.of(value);
      if (Files.isRegularFile(file)) {
        return KerasBenchTarget.of(file);
      }
      if (value.contains(".") || value.contains(file.getFileSystem().getSeparator())) {
        throw new TypeConversionException("file not found: " + value);
      }
      throw new TypeConversionException(
          "unknown model '"
              + value
              + "'; one of "
              + Arrays.stream(BenchModel.values())
                  .map(BenchModel::label)
                  .collect(Collectors.joining(", "))
              + ", or the path of a Keras model file");
    }
  }
}
