package io.dp4j.spark;

import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.cluster.ModelFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * docs/spark.md's application for {@code spark-submit}: DP-SGD on a Parquet table of the cluster,
 * calibrated to a target ε, saved as .keras with its privacy record. {@link SparkSubmitSampleTest}
 * runs it in {@code local[2]}.
 */
public final class SparkSubmitSample {
  private SparkSubmitSample() {}

  // [START factory]
  /** The model, built on the driver and on every executor: a record, so it has value equality. */
  record Mlp(double noiseMultiplier) implements ModelFactory {
    @Override
    public Sequential create() {
      Sequential model =
          new Sequential(
              Dense.builder()
                  .setUnits(16)
                  .optInputShape(4)
                  .optActivation(ActivationFunction.RELU)
                  .build(),
              Dense.builder().setUnits(3).build());
      model.compile(
          new DPKerasSGDOptimizer(1.0, noiseMultiplier, 0, 0.1f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
      return model;
    }
  }

  // [END factory]

  /**
   * {@code spark-submit --class io.dp4j.spark.SparkSubmitSample app.jar TABLE.parquet OUT.keras}
   */
  public static void main(String[] args) throws IOException {
    SparkSession spark = SparkSession.builder().appName("dp4j").getOrCreate();
    train(spark, args[0], Path.of(args[1]));
    spark.stop();
  }

  static double train(SparkSession spark, String parquet, Path out) throws IOException {
    // [START train]
    Dataset<Row> table = spark.read().parquet(parquet); // columns: features (array), label
    TrainingPlan plan =
        TrainingPlan.builder()
            .setExamples((int) table.count())
            .setExpectedBatchSize(50)
            .optEpochs(2)
            .optTargetEpsilon(3.0) // σ calibrated on the driver
            .build();
    Mlp factory = new Mlp(plan.noiseMultiplier());
    try (Sequential model = factory.create()) {
      new DpSparkTrainer(factory, new RowColumns(List.of("features"), "label"))
          .fit(model, table, plan.samplingRate(), (int) plan.steps());
      double epsilon = ModelPrivacy.of(model).privacySpent(plan.delta()).epsilon();
      System.out.printf(
          "%d steps: epsilon %.3f at delta %s%n", model.steps(), epsilon, plan.delta());
      ModelIO.save(
          KerasModel.of(model, 4).withPrivacyRecord(PrivacyRecord.of(model, plan.delta())), out);
      return epsilon;
    }
    // [END train]
  }
}
