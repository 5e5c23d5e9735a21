package io.dp4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dp4j.nn.train.History;
import io.dp4j.nn.train.StepContext;
import io.dp4j.privacy.PlanEngine;
import io.dp4j.privacy.cluster.ClusterTable;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * A file opened in a Spark session for the {@code dp4j} command: the label column and every other
 * column a feature (numbers, or one array of numbers), persisted in memory and on disk so that
 * every step reads the same rows in the same partitions without parsing the file again.
 */
final class SparkTable implements ClusterTable {
  private final SparkSession spark;
  private final Dataset<Row> table;
  private final RowColumns columns;
  private final long rows;
  private final int width;

  private SparkTable(SparkSession spark, Dataset<Row> table, RowColumns columns) {
    this.spark = spark;
    this.table = table;
    this.columns = columns;
    this.rows = table.count();
    if (rows == 0) {
      throw new IllegalArgumentException("the data has no rows");
    }
    Row first =
        table
            .select(
                columns.selected().stream()
                    .map(c -> col(c))
                    .toArray(org.apache.spark.sql.Column[]::new))
            .first();
    this.width = columns.width(first);
  }

  /**
   * {@code table} with {@code label} its label column and the others its features.
   *
   * @throws IllegalArgumentException naming {@code source} and the column that is missing or not
   *     numeric
   */
  static SparkTable of(SparkSession spark, Dataset<Row> table, String label, String source) {
    Objects.requireNonNull(label, "label");
    List<String> names = Arrays.asList(table.columns());
    if (!names.contains(label)) {
      throw new IllegalArgumentException(
          source + " has no column '" + label + "' for --label; its columns: " + names);
    }
    List<String> features = new ArrayList<>();
    for (StructField f : table.schema().fields()) {
      boolean numeric = f.dataType() instanceof NumericType;
      boolean vector =
          f.dataType() instanceof ArrayType a && a.elementType() instanceof NumericType;
      if (f.name().equals(label)) {
        if (!numeric) {
          throw new IllegalArgumentException(
              source
                  + ": the label column '"
                  + label
                  + "' holds "
                  + f.dataType().simpleString()
                  + ", not numbers (class indices)");
        }
      } else if (numeric || (vector && table.columns().length == 2)) {
        features.add(f.name());
      } else {
        throw new IllegalArgumentException(
            source
                + ": column '"
                + f.name()
                + "' holds "
                + f.dataType().simpleString()
                + "; features must be numeric columns, or one array column of numbers");
      }
    }
    if (features.isEmpty()) {
      throw new IllegalArgumentException(source + " has no feature column besides '" + label + "'");
    }
    return new SparkTable(
        spark, table.persist(StorageLevel.MEMORY_AND_DISK()), new RowColumns(features, label));
  }

  @Override
  public String engine() {
    return "spark";
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int partitions() {
    return table.rdd().getNumPartitions();
  }

  @Override
  public Labels labels() {
    String label = columns.label();
    Row r =
        table
            .agg(
                min(col(label)).cast("double"),
                max(col(label)).cast("double"),
                sum(when(col(label).notEqual(floor(col(label))), 1).otherwise(0)).cast("long"))
            .first();
    return new Labels(r.getDouble(0), r.getDouble(1), r.isNullAt(2) ? 0 : r.getLong(2));
  }

  /**
   * Each epoch one {@link DpSparkTrainer#fit} of the sampler's steps per epoch (a new master seed
   * each); the hook sees the steps counted over all epochs. Computes no metrics: the history is
   * empty.
   */
  @Override
  public PlanEngine engine(ModelFactory factory, IntConsumer afterEpoch) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(afterEpoch, "afterEpoch");
    return (model, sampler, epochs, beforeEachStep) -> {
      DpSparkTrainer trainer = new DpSparkTrainer(factory, columns);
      int[] epoch = {0};
      long[] stepsDone = {0};
      if (beforeEachStep != null) {
        trainer.beforeEachStep(
            step ->
                beforeEachStep.onStep(
                    new StepContext(
                        epoch[0],
                        step.stepInEpoch(),
                        stepsDone[0] + step.stepOfFit(),
                        step.modelStep(),
                        step.batchSize())));
      }
      for (; epoch[0] < epochs; epoch[0]++) {
        SparkFit fit = trainer.fit(model, table, sampler.samplingRate(), sampler.stepsPerEpoch());
        stepsDone[0] += fit.steps();
        afterEpoch.accept(epoch[0] + 1);
      }
      return new History();
    };
  }

  @Override
  public void close() {
    spark.stop();
  }
}
