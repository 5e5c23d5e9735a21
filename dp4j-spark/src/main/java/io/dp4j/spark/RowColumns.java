package io.dp4j.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Row;

/**
 * Which columns of a table hold an example's features and its label: one array column of numbers
 * (features), or several numeric columns, one value each; the label a numeric column (a class index
 * for classification losses).
 *
 * @param features the feature column names, in order (one array column, or numeric columns)
 * @param label the label column name
 */
public record RowColumns(List<String> features, String label) implements Serializable {
  public RowColumns {
    features = List.copyOf(features);
    Objects.requireNonNull(label, "label");
    if (features.isEmpty()) {
      throw new IllegalArgumentException("features must name at least one column");
    }
    if (features.contains(label)) {
      throw new IllegalArgumentException("label column '" + label + "' is also a feature column");
    }
  }

  /** The columns in the order {@link #read} expects them: the features, then the label. */
  List<String> selected() {
    return java.util.stream.Stream.concat(features.stream(), java.util.stream.Stream.of(label))
        .toList();
  }

  /** The number of feature values in {@code row} (selected as {@link #selected()}). */
  int width(Row row) {
    if (features.size() == 1 && !(row.get(0) instanceof Number)) {
      return row.getList(0).size();
    }
    return features.size();
  }

  /**
   * Appends the features of {@code row} (selected as {@link #selected()}) to {@code out} at {@code
   * offset}, {@code width} values; returns the label.
   */
  float read(Row row, float[] out, int offset, int width) {
    int k = features.size();
    if (k == 1 && !(row.get(0) instanceof Number)) {
      List<Object> values = row.getList(0);
      if (values.size() != width) {
        throw new IllegalArgumentException(
            "feature column '"
                + features.get(0)
                + "' holds "
                + values.size()
                + " values in a row, the model takes "
                + width);
      }
      for (int i = 0; i < width; i++) {
        out[offset + i] = ((Number) values.get(i)).floatValue();
      }
    } else {
      for (int i = 0; i < k; i++) {
        out[offset + i] = ((Number) row.get(i)).floatValue();
      }
    }
    return ((Number) row.get(k)).floatValue();
  }
}
