package io.dp4j.data.table;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * How one table column becomes model inputs (or labels), declared by the user: the encoding never
 * looks at the private data to choose categories, ranges or scales.
 *
 * <ul>
 *   <li>{@link #numeric(String)}: the value as is (one input);
 *   <li>{@link #numeric(String, double, double)}: the value clipped to a declared public range
 *       [min, max] and scaled to [0, 1] (one input);
 *   <li>{@link #oneHot(String, List)}: one input per declared category, 1 for the row's category;
 *   <li>{@link #index(String, List)}: the position of the row's category among the declared ones
 *       (one input; for a label, the class id of a sparse cross-entropy).
 * </ul>
 *
 * <p>A categorical value is matched against the declared categories by its text, or, in a numeric
 * column, by numeric value ("1" matches 1.0). A value outside the declared categories, or a missing
 * value, is refused with an exception that names the column but not the value (the value is
 * private).
 */
public final class ColumnSpec {
  private static final Logger LOG = LoggerFactory.getLogger(ColumnSpec.class);

  /** The kinds of encoding. */
  public enum Kind {
    NUMERIC,
    SCALED,
    ONE_HOT,
    INDEX
  }

  private final String name;
  private final Kind kind;
  private final double min;
  private final double max;
  private final List<String> categories;

  private ColumnSpec(String name, Kind kind, double min, double max, List<String> categories) {
    this.name = Objects.requireNonNull(name, "name");
    this.kind = kind;
    this.min = min;
    this.max = max;
    this.categories = categories;
  }

  /** The column's numeric value, unchanged. */
  public static ColumnSpec numeric(String name) {
    return new ColumnSpec(name, Kind.NUMERIC, Double.NaN, Double.NaN, List.of());
  }

  /**
   * The column's numeric value clipped to the declared public range [min, max] and mapped to [0,
   * 1]: {@code (clip(x, min, max) - min) / (max - min)}. The range must be public knowledge (a data
   * dictionary, physical limits), not computed from the private rows.
   *
   * @throws IllegalArgumentException unless min &lt; max, both finite
   */
  public static ColumnSpec numeric(String name, double min, double max) {
    if (!(Double.isFinite(min) && Double.isFinite(max) && min < max)) {
      throw new IllegalArgumentException(
          "the range of column \""
              + name
              + "\" must be finite with min < max, got ["
              + min
              + ", "
              + max
              + "]");
    }
    return new ColumnSpec(name, Kind.SCALED, min, max, List.of());
  }

  /**
   * One-hot encoding over the declared categories, in this order.
   *
   * @throws IllegalArgumentException if there are no categories or duplicates
   */
  public static ColumnSpec oneHot(String name, List<String> categories) {
    return new ColumnSpec(name, Kind.ONE_HOT, Double.NaN, Double.NaN, checked(name, categories));
  }

  /**
   * Index encoding: the position (0, 1, ...) of the row's category among the declared ones.
   *
   * @throws IllegalArgumentException if there are no categories or duplicates
   */
  public static ColumnSpec index(String name, List<String> categories) {
    return new ColumnSpec(name, Kind.INDEX, Double.NaN, Double.NaN, checked(name, categories));
  }

  private static List<String> checked(String name, List<String> categories) {
    Objects.requireNonNull(categories, "categories");
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("column \"" + name + "\" needs at least one category");
    }
    if (new TreeSet<>(categories).size() != categories.size()) {
      throw new IllegalArgumentException(
          "the categories of column \"" + name + "\" must be distinct, got " + categories);
    }
    return List.copyOf(categories);
  }

  /**
   * THE DISTINCT VALUES OF A COLUMN AS THEY OCCUR IN {@code table}, sorted: which categories occur
   * is itself information about the rows, not protected by DP. Use it only on a public table (a
   * published schema sample, a public reference dataset), or knowingly accept the leak; the call is
   * logged as a warning.
   */
  public static List<String> categoriesObservedIn(Table table, String column) {
    Column<?> c = table.column(column);
    TreeSet<String> values = new TreeSet<>();
    for (int i = 0; i < c.size(); i++) {
      if (!c.isMissing(i)) {
        values.add(c.getString(i));
      }
    }
    LOG.warn(
        "categories of column \"{}\" read from the data of table \"{}\": this reveals which"
            + " values occur and is not covered by differential privacy unless the table is public",
        column,
        table.name());
    return List.copyOf(values);
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  /** The declared categories (empty for numeric columns). */
  public List<String> categories() {
    return categories;
  }

  /** The declared range of a scaled column. */
  public OptionalDouble min() {
    return kind == Kind.SCALED ? OptionalDouble.of(min) : OptionalDouble.empty();
  }

  /** The declared range of a scaled column. */
  public OptionalDouble max() {
    return kind == Kind.SCALED ? OptionalDouble.of(max) : OptionalDouble.empty();
  }

  /** True for one-hot and index encodings. */
  public boolean isCategorical() {
    return kind == Kind.ONE_HOT || kind == Kind.INDEX;
  }

  /** The number of values this column contributes per row. */
  public int width() {
    return kind == Kind.ONE_HOT ? categories.size() : 1;
  }

  /** The names of the encoded values: the column's name, or {@code name=category} per one-hot. */
  public List<String> encodedNames() {
    if (kind != Kind.ONE_HOT) {
      return List.of(name);
    }
    List<String> names = new ArrayList<>();
    for (String category : categories) {
      names.add(name + "=" + category);
    }
    return Collections.unmodifiableList(names);
  }

  /** Encodes every row of this spec's column of {@code table} into {@code out}, row after row. */
  void encode(Table table, float[] out, int offset, int stride) {
    if (!table.columnNames().contains(name)) {
      throw new IllegalArgumentException(
          "table \""
              + table.name()
              + "\" has no column \""
              + name
              + "\"; it has "
              + table.columnNames());
    }
    Column<?> column = table.column(name);
    if (column.countMissing() > 0) {
      throw new IllegalArgumentException(
          "column \""
              + name
              + "\" has "
              + column.countMissing()
              + " missing values; drop or"
              + " impute them with a declared rule before training");
    }
    switch (kind) {
      case NUMERIC, SCALED -> encodeNumeric(column, out, offset, stride);
      case ONE_HOT, INDEX -> encodeCategorical(column, out, offset, stride);
    }
  }

  private void encodeNumeric(Column<?> column, float[] out, int offset, int stride) {
    if (!(column instanceof NumericColumn<?> numbers)) {
      throw new IllegalArgumentException(
          "column \""
              + name
              + "\" is "
              + column.type()
              + ", not numeric; declare it with"
              + " ColumnSpec.oneHot or ColumnSpec.index and its categories");
    }
    for (int row = 0; row < numbers.size(); row++) {
      double x = numbers.getDouble(row);
      if (Double.isNaN(x) || kind == Kind.NUMERIC && !Double.isFinite((float) x)) {
        // a non-finite input would turn the DP step's update into NaN (revealing that the row was
        // sampled); the value itself is private, so only its place is named
        throw new IllegalArgumentException(
            "column \""
                + name
                + "\", row "
                + (row + 1)
                + " (line "
                + (row + 2)
                + " of a CSV file with a header): not a finite number (the value is not shown:"
                + " it is private data); NaN and infinities cannot be trained on");
      }
      if (kind == Kind.SCALED) {
        x = (Math.min(max, Math.max(min, x)) - min) / (max - min);
      }
      out[offset + row * stride] = (float) x;
    }
  }

  private void encodeCategorical(Column<?> column, float[] out, int offset, int stride) {
    Map<String, Integer> byText = new LinkedHashMap<>();
    Map<Double, Integer> byNumber = new LinkedHashMap<>();
    for (int i = 0; i < categories.size(); i++) {
      byText.put(categories.get(i), i);
      try {
        byNumber.putIfAbsent(Double.parseDouble(categories.get(i)), i);
      } catch (NumberFormatException notANumber) {
        // a text category: matched by text only
      }
    }
    NumericColumn<?> numbers = column instanceof NumericColumn<?> n ? n : null;
    for (int row = 0; row < column.size(); row++) {
      Integer index = byText.get(column.getString(row));
      if (index == null && numbers != null) {
        index = byNumber.get(numbers.getDouble(row));
      }
      if (index == null) {
        throw new IllegalArgumentException(
            "column \""
                + name
                + "\" has a value outside its "
                + categories.size()
                + " declared categories "
                + categories
                + " (the value is not shown: it is private data)");
      }
      if (kind == Kind.INDEX) {
        out[offset + row * stride] = index;
      } else {
        int base = offset + row * stride;
        for (int k = 0; k < categories.size(); k++) {
          out[base + k] = k == index ? 1f : 0f;
        }
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnSpec c
        && name.equals(c.name)
        && kind == c.kind
        && Double.compare(min, c.min) == 0
        && Double.compare(max, c.max) == 0
        && categories.equals(c.categories);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, min, max, categories);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NUMERIC -> "numeric(" + name + ")";
      case SCALED -> "numeric(" + name + ", [" + min + ", " + max + "])";
      case ONE_HOT -> "oneHot(" + name + ", " + categories + ")";
      case INDEX -> "index(" + name + ", " + categories + ")";
    };
  }
}
