package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.InvalidLabelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where an example of a data file is, for messages that must name the place of a private value but
 * never the value: the line of a CSV row (rows counted as {@link LabelledCsv} and {@link
 * PredictCommand} read them: blank lines skipped, a header first), or the example number of an IDX
 * file.
 */
final class DataLines {
  private DataLines() {}

  /**
   * Checks the training labels against the compiled model's loss before its first step, naming the
   * file and line of the first refused label.
   *
   * @param labelFile the file the labels were read from, or null for a built-in data set
   * @param header whether the CSV's first line is always a header ({@code --data FILE.csv})
   * @throws IllegalArgumentException (exit 2) naming the file and line, never the value
   */
  static void checkLabels(Sequential model, Dataset train, Path labelFile, boolean header)
      throws IOException {
    try {
      model.checkLabels(train);
    } catch (InvalidLabelException e) {
      String where =
          labelFile == null
              ? "example " + (e.example() + 1)
              : where(labelFile, e.example(), header);
      throw new IllegalArgumentException(
          where
              + ": the label is not one the model can be trained on: the loss takes "
              + e.rule()
              + " (the value is not shown: it may be private)",
          e);
    }
  }

  /** {@code FILE line L} (CSV) or {@code FILE example K} (IDX) of the 0-based {@code example}. */
  static String where(Path file, int example, boolean header) throws IOException {
    if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
      return file + " example " + (example + 1);
    }
    List<String> lines = Files.readAllLines(file);
    int row = 0;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || (n == 0 && (header || !numeric(line)))) {
        continue;
      }
      if (row++ == example) {
        return file + " line " + (n + 1);
      }
    }
    return file + " example " + (example + 1);
  }

  private static boolean numeric(String line) {
    try {
      for (String cell : line.split(",")) {
        Float.parseFloat(cell.strip());
      }
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
