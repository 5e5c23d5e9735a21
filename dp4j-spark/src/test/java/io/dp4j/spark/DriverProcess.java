package io.dp4j.spark;

import io.dp4j.data.PoissonSampler;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import io.dp4j.nn.Sequential;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.keras.LedgerStepCharge;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark driver in its own process, for {@link DriverCrashTest} to kill and resume: {@code start
 * DIR STEPS EVERY} trains {@link DpSparkTrainerTest}'s model and table for STEPS steps in {@code
 * local[2]}, charging ledger DIR/ledger.db (dataset "d") and checkpointing DIR/checkpoint.keras
 * every EVERY steps; {@code resume DIR STEPS EVERY} loads the checkpoint and trains the remaining
 * steps as a new ledger run. Prints "started S" once step S is charged and about to run.
 */
final class DriverProcess {
  static final long SAMPLING_SEED = 42;
  static final DpSparkTrainerTest.SmallModel FACTORY = new DpSparkTrainerTest.SmallModel(3, 99);

  private DriverProcess() {}

  public static void main(String[] args) throws Exception {
    boolean resume = args[0].equals("resume");
    Path dir = Path.of(args[1]);
    int total = Integer.parseInt(args[2]);
    int every = Integer.parseInt(args[3]);
    Path checkpoint = dir.resolve("checkpoint.keras");
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("dp4j-driver-process")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"));
        Sequential model = resume ? resumed(checkpoint) : FACTORY.create()) {
      int steps = (int) (total - model.steps());
      PoissonSampler sampler =
          PoissonSampler.seeded(DpSparkTrainerTest.rows().size(), 0.1, SAMPLING_SEED);
      try (RunCharge run =
          ledger.startRun(
              "d",
              "driver-process",
              args[0],
              ModelPrivacy.of(model).plannedStepEvent(sampler),
              steps)) {
        new DpSparkTrainer(FACTORY, new RowColumns(List.of("features"), "label"))
            .useFixedSamplingSeedForTesting(SAMPLING_SEED)
            .checkpointEvery(every, checkpoint)
            .beforeEachStep(new LedgerStepCharge(run))
            .beforeEachStep(
                s -> {
                  System.out.println("started " + s.modelStep());
                  System.out.flush();
                  sleep(); // slow enough for the test to kill it mid-training
                })
            .fit(model, table(spark), 0.1, steps);
        run.finish();
      }
      System.out.println("done " + model.steps());
    } finally {
      spark.stop();
    }
  }

  static org.apache.spark.sql.Dataset<Row> table(SparkSession spark) {
    return spark.createDataFrame(
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(DpSparkTrainerTest.rows(), 4),
        DpSparkTrainerTest.SCHEMA);
  }

  /** The checkpoint's model, compiled as the factory compiles it, with the same test noise. */
  static Sequential resumed(Path checkpoint) throws java.io.IOException {
    KerasModel keras = TrainingCheckpoint.load(checkpoint);
    Sequential model = keras.sequential();
    FACTORY.compile(model);
    TrainingCheckpoint.restoreOptimizerState(model, checkpoint);
    return model;
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
