package io.dp4j.cli;

import io.dp4j.data.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A CSV file with a header row, one example per row: the label column holds class indices 0, 1,
 * ...; every other column is a numeric feature, in file order.
 */
final class LabelledCsv {
  private LabelledCsv() {}

  static Dataset read(Path file, String labelColumn, long[] inputShape, float scale)
      throws IOException {
    List<String> lines = Files.readAllLines(file);
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(file + " is empty");
    }
    String[] header = lines.get(0).split(",", -1);
    int label = -1;
    for (int i = 0; i < header.length; i++) {
      if (header[i].strip().equals(labelColumn)) {
        label = i;
      }
    }
    if (label < 0) {
      throw new IllegalArgumentException(
          file
              + " has no column \""
              + labelColumn
              + "\"; its header is "
              + Arrays.toString(header));
    }
    long per = 1;
    for (long d : inputShape) {
      per *= d;
    }
    if (header.length - 1 != per) {
      throw new IllegalArgumentException(
          file
              + " has "
              + (header.length - 1)
              + " feature columns besides \""
              + labelColumn
              + "\", but the model takes "
              + per
              + " inputs");
    }
    List<float[]> rows = new ArrayList<>();
    List<Float> labels = new ArrayList<>();
    for (int n = 1; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != header.length) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (n + 1)
                + ": "
                + cells.length
                + " cells, header has "
                + header.length);
      }
      float[] row = new float[header.length - 1];
      int j = 0;
      for (int i = 0; i < cells.length; i++) {
        String cell = cells[i].strip();
        try {
          if (i == label) {
            int y = Integer.parseInt(cell);
            if (y < 0) {
              throw new NumberFormatException();
            }
            labels.add((float) y);
          } else {
            float value = Float.parseFloat(cell) * scale;
            if (!Float.isFinite(value)) {
              throw new IllegalArgumentException(
                  where(file, n, header, i)
                      + ": not a finite number (NaN and infinities cannot be trained on; a value"
                      + " that overflows float32 after --scale neither)");
            }
            row[j++] = value;
          }
        } catch (NumberFormatException e) {
          // the cell is private data: name where it is, never what it holds
          throw new IllegalArgumentException(
              where(file, n, header, i)
                  + ": not "
                  + (i == label ? "a class index (0, 1, ...)" : "a number"));
        }
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + " has no examples");
    }
    float[] x = new float[rows.size() * (int) per];
    float[] y = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, x, i * (int) per, (int) per);
      y[i] = labels.get(i);
    }
    return new Dataset(x, inputShape, y, new long[0]);
  }

  /** {@code file line L, column C "name"} for the 0-based line index n and column index i. */
  private static String where(Path file, int n, String[] header, int i) {
    return file + " line " + (n + 1) + ", column " + (i + 1) + " \"" + header[i].strip() + "\"";
  }
}
