package io.dp4j.data.table;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import tech.tablesaw.api.Table;

/**
 * Tabular training data for DP-SGD with Poisson sampling: in every step each row joins the batch
 * independently with probability {@code q = batchSize / rows}, the sampling the privacy accountant
 * models. The loader, not the user, draws the batches, from a {@link java.security.SecureRandom};
 * batch sizes are Binomial(rows, q), so {@code batchSize} is the expected size. An epoch is {@code
 * round(rows / batchSize)} steps ({@link PoissonSampler}).
 *
 * <p>Features and labels come from Tablesaw tables (or a CSV file, {@link #fromCsv}) through
 * declared {@link TableSchema}s; the rows are encoded once, when the loader is built. Labels of a
 * single {@link ColumnSpec#index index}-encoded column are class ids (label shape {@code []}, for a
 * sparse cross-entropy); otherwise a label is the vector of the encoded label columns.
 *
 * <p>Immutable. {@link #withTestSeed} makes the sampling reproducible, for tests only.
 */
public final class PrivateDataLoader {
  private final Dataset data;
  private final int batchSize;
  private final TableSchema features;
  private final TableSchema labels;
  private final Long testSeed;

  /**
   * Every column of {@code features} and of {@code labels} read as a number, as is. Tables with
   * text columns need declared encodings: use {@link #PrivateDataLoader(Table, TableSchema,
   * TableSchema, int)}.
   *
   * @param features one row per example
   * @param labels the same number of rows
   * @param batchSize the expected batch size, in [1, rows]
   */
  public PrivateDataLoader(Table features, Table labels, int batchSize) {
    this(
        features,
        TableSchema.numericColumnsOf(features),
        labels,
        TableSchema.numericColumnsOf(labels),
        batchSize);
  }

  /**
   * The declared feature and label columns of one table.
   *
   * @param table one row per example
   * @param features the feature columns and their encodings
   * @param labels the label columns and their encodings
   * @param batchSize the expected batch size, in [1, rows]
   */
  public PrivateDataLoader(Table table, TableSchema features, TableSchema labels, int batchSize) {
    this(table, features, table, labels, batchSize);
  }

  private PrivateDataLoader(
      Table featureTable,
      TableSchema features,
      Table labelTable,
      TableSchema labels,
      int batchSize) {
    this(encode(featureTable, features, labelTable, labels), batchSize, features, labels, null);
  }

  /**
   * Examples already encoded as arrays.
   *
   * @param batchSize the expected batch size, in [1, data.size()]
   */
  public PrivateDataLoader(Dataset data, int batchSize) {
    this(data, batchSize, null, null, null);
  }

  private PrivateDataLoader(
      Dataset data, int batchSize, TableSchema features, TableSchema labels, Long testSeed) {
    this.data = Objects.requireNonNull(data, "data");
    if (data.size() < 1) {
      throw new IllegalArgumentException("the training data has no rows");
    }
    if (batchSize < 1 || batchSize > data.size()) {
      throw new IllegalArgumentException(
          "batchSize must be in [1, rows] = [1, " + data.size() + "], got " + batchSize);
    }
    this.batchSize = batchSize;
    this.features = features;
    this.labels = labels;
    this.testSeed = testSeed;
  }

  /**
   * The declared columns of a CSV file with a header row.
   *
   * @see Csv#read(Path)
   */
  public static PrivateDataLoader fromCsv(
      Path csv, TableSchema features, TableSchema labels, int batchSize) {
    return new PrivateDataLoader(Csv.read(csv), features, labels, batchSize);
  }

  private static Dataset encode(
      Table featureTable, TableSchema features, Table labelTable, TableSchema labels) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    if (featureTable.rowCount() != labelTable.rowCount()) {
      throw new IllegalArgumentException(
          "the feature table has "
              + featureTable.rowCount()
              + " rows but the label table "
              + labelTable.rowCount());
    }
    for (String name : labels.columnNames()) {
      if (featureTable == labelTable && features.columnNames().contains(name)) {
        throw new IllegalArgumentException(
            "column \"" + name + "\" is declared both as a feature and as a label");
      }
    }
    float[] x = features.encode(featureTable);
    float[] y = labels.encode(labelTable);
    return new Dataset(x, new long[] {features.width()}, y, labelShape(labels));
  }

  /** {@code []} for one index-encoded column (class ids), else {@code [width]}. */
  static long[] labelShape(TableSchema labels) {
    if (labels.columns().size() == 1 && labels.columns().get(0).kind() == ColumnSpec.Kind.INDEX) {
      return new long[0];
    }
    return new long[] {labels.width()};
  }

  /**
   * FOR TESTS ONLY: the same loader with batches drawn from a generator seeded with {@code seed}.
   * Batch membership is then predictable and the privacy guarantee void; samplers report it ({@link
   * BatchSampler#isPredictable()}).
   */
  public PrivateDataLoader withTestSeed(long seed) {
    return new PrivateDataLoader(data, batchSize, features, labels, seed);
  }

  /**
   * A fresh Poisson sampler over the rows at {@code q = batchSize / rows}: secure unless a test
   * seed was set (each sampler then replays the same batches).
   */
  public BatchSampler sampler() {
    return testSeed == null
        ? new PoissonSampler(data.size(), samplingRate())
        : PoissonSampler.seeded(data.size(), samplingRate(), testSeed);
  }

  /** The encoded examples. */
  public Dataset dataset() {
    return data;
  }

  /** Number of rows. */
  public int size() {
    return data.size();
  }

  /** The expected batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** q = batchSize / rows. */
  public double samplingRate() {
    return (double) batchSize / data.size();
  }

  /** Steps per epoch: {@code round(1 / q)}, at least 1. */
  public int stepsPerEpoch() {
    return PoissonSampler.seeded(data.size(), samplingRate(), 0).stepsPerEpoch();
  }

  /** The feature encoding, when built from a table. */
  public Optional<TableSchema> featureSchema() {
    return Optional.ofNullable(features);
  }

  /** The label encoding, when built from a table. */
  public Optional<TableSchema> labelSchema() {
    return Optional.ofNullable(labels);
  }

  /** The test seed of the sampling, if one was set. */
  public OptionalLong testSeed() {
    return testSeed == null ? OptionalLong.empty() : OptionalLong.of(testSeed);
  }

  @Override
  public String toString() {
    return "PrivateDataLoader["
        + data.size()
        + " rows, batchSize "
        + batchSize
        + ", q="
        + samplingRate()
        + (testSeed == null ? "" : ", TEST SEED " + testSeed)
        + "]";
  }
}
