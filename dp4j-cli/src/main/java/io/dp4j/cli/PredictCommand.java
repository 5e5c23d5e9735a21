package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.data.IdxArray;
import io.dp4j.data.IdxReader;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dp4j predict --model FILE --input FILE}: the model's outputs for every example. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description =
        "Print a model's predictions for every example of a CSV file (one example per row, its"
            + " values row-major) or an IDX file (the first axis indexes examples).")
final class PredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE",
      description = "A .keras, .h5 or .json model.")
  Path model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description = "A .csv or IDX file.")
  Path input;

  @Option(
      names = "--scale",
      defaultValue = "1",
      description =
          "Multiply every input value by this (e.g. 0.00392156862745098 for 0..255 pixels).")
  float scale;

  @Option(names = "--json", description = "Print {\"predictions\": [[...], ...]}.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (KerasModel m = ModelIO.load(model)) {
      float[] x = read(input, m.inputShape(), scale);
      float[][] predictions = m.predict(x);
      if (json) {
        ObjectNode node = Json.object();
        ArrayNode rows = node.putArray("predictions");
        for (float[] p : predictions) {
          ArrayNode row = rows.addArray();
          for (float v : p) {
            row.add(v);
          }
        }
        out.println(Json.write(node));
      } else {
        for (float[] p : predictions) {
          StringBuilder line = new StringBuilder();
          for (int i = 0; i < p.length; i++) {
            line.append(i == 0 ? "" : ",").append(p[i]);
          }
          out.println(line);
        }
      }
    }
    out.flush();
    return 0;
  }

  /** The examples of {@code file}, row-major, checked against the model's input shape. */
  static float[] read(Path file, long[] inputShape, float scale) throws IOException {
    long per = 1;
    for (long d : inputShape) {
      per *= d;
    }
    float[] values;
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
      values = readCsv(file, per);
    } else {
      IdxArray idx = IdxReader.read(file);
      int[] dims = idx.dims();
      long perExample = 1;
      for (int i = 1; i < dims.length; i++) {
        perExample *= dims[i];
      }
      if (dims.length < 2 ? per != 1 : perExample != per) {
        throw new IllegalArgumentException(
            file
                + " holds examples of shape "
                + Arrays.toString(Arrays.copyOfRange(dims, Math.min(1, dims.length), dims.length))
                + " but the model takes "
                + Arrays.toString(inputShape));
      }
      values = idx.toFloats();
    }
    if (scale != 1f) {
      for (int i = 0; i < values.length; i++) {
        values[i] *= scale;
        if (!Float.isFinite(values[i])) {
          throw new IllegalArgumentException(
              file
                  + ": value "
                  + (i % per + 1)
                  + " of example "
                  + (i / per + 1)
                  + " is beyond float32 after --scale "
                  + scale);
        }
      }
    }
    return values;
  }

  private static float[] readCsv(Path file, long per) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<float[]> rows = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] cells = line.split(",");
      float[] row = new float[cells.length];
      int i = 0;
      try {
        for (; i < cells.length; i++) {
          row[i] = Float.parseFloat(cells[i].strip());
          if (!Float.isFinite(row[i])) {
            throw new IllegalArgumentException(
                file
                    + " line "
                    + (n + 1)
                    + ", column "
                    + (i + 1)
                    + ": not a finite number (NaN and infinities have no prediction)");
          }
        }
      } catch (NumberFormatException e) {
        if (rows.isEmpty() && n == 0) {
          continue; // a header
        }
        // the cell may be private data: name where it is, never what it holds
        throw new IllegalArgumentException(
            file + " line " + (n + 1) + ", column " + (i + 1) + ": not a number");
      }
      if (row.length != per) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (n + 1)
                + " has "
                + row.length
                + " values; the model takes "
                + per
                + " per example");
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no examples");
    }
    float[] values = new float[rows.size() * (int) per];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, values, i * (int) per, (int) per);
    }
    return values;
  }
}
