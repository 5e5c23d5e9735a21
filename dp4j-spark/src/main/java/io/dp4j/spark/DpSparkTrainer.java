package io.dp4j.spark;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.train.NonFiniteWeightsException;
import io.dp4j.nn.train.StepContext;
import io.dp4j.nn.train.StepHook;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.cluster.ModelFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel DP-SGD (Abadi et al. 2016) on a Spark table, with the single-machine step's
 * semantics and code (the shape of MLlib's {@code GradientDescent.runMiniBatchSGD}). Every step:
 *
 * <ol>
 *   <li>the before-step hooks run on the driver (a ledger charges the step here, before anything of
 *       it is computed);
 *   <li>the driver's weights are broadcast;
 *   <li>each partition draws its Poisson sample, every row independently with probability q, from a
 *       stream seeded with (the driver's {@link SecureRandom} master seed, step, partition), so a
 *       retried task draws the same rows; and sums the sample's clipped per-example gradients with
 *       the model's own DP step graph ({@link ModelPrivacy#clippedSum});
 *   <li>the partitions' sums are added by {@code treeAggregate} (in float64);
 *   <li>on the driver, once: the step is recorded in the model's privacy log, noise N(0, σ²C²) is
 *       added, the sum is divided by the expected batch size q·N (the realized batch size is never
 *       computed), and the optimizer updates ({@link ModelPrivacy#stepFromClippedSum}).
 * </ol>
 *
 * <p>A ledger charges the run through a before-step hook, as in single-machine training: {@code
 * beforeEachStep(new LedgerStepCharge(run))}. With {@link #checkpointEvery} the driver writes a
 * {@link TrainingCheckpoint} (weights, optimizer state, step count, privacy log) every N steps: a
 * driver that crashes loses at most the steps since the last one, and those steps are already
 * charged. To resume, {@link TrainingCheckpoint#resume} the checkpoint and {@link #fit} the model
 * for the remaining steps (the model's step count, restored, keeps numbering the steps).
 *
 * <p>The table must read the same rows in the same order each time a partition is computed (a file
 * source, or a cached table): a retried task then recomputes exactly its first attempt's sample and
 * sum, and only the job's result, computed once, reaches the driver.
 */
public final class DpSparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DpSparkTrainer.class);

  private final ModelFactory factory;
  private final RowColumns columns;
  private final List<StepHook> before = new ArrayList<>();
  private Long fixedSamplingSeed;
  private Path checkpoint;
  private int checkpointEvery;

  /**
   * @param factory builds the model on the executors (the model given to {@link #fit} must be one
   *     of its models)
   * @param columns the feature and label columns of the tables to train on
   */
  public DpSparkTrainer(ModelFactory factory, RowColumns columns) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.columns = Objects.requireNonNull(columns, "columns");
  }

  /** Adds a hook run on the driver before every step's job, in the order added. */
  public DpSparkTrainer beforeEachStep(StepHook hook) {
    before.add(Objects.requireNonNull(hook, "hook"));
    return this;
  }

  /**
   * Writes a {@link TrainingCheckpoint} of the driver's model to {@code file} (replaced atomically)
   * after every {@code steps} steps of the model's step count, and after a fit's last step.
   *
   * @throws IllegalArgumentException if {@code steps} is below 1
   */
  public DpSparkTrainer checkpointEvery(int steps, Path file) {
    if (steps < 1) {
      throw new IllegalArgumentException("checkpoint interval steps must be >= 1, got " + steps);
    }
    checkpoint = Objects.requireNonNull(file, "file");
    checkpointEvery = steps;
    return this;
  }

  /**
   * Draws the samples from a fixed master seed instead of a {@link SecureRandom} one: for tests
   * only; the privacy log is then marked as predictably sampled.
   */
  public DpSparkTrainer useFixedSamplingSeedForTesting(long seed) {
    fixedSamplingSeed = seed;
    return this;
  }

  /**
   * Trains {@code model} (built by the factory, compiled for DP training) for {@code steps} steps
   * on {@code table}, sampling every row with probability {@code samplingRate} at every step.
   *
   * @throws IllegalArgumentException for a sampling rate outside (0, 1], negative steps, or an
   *     empty table
   * @throws IllegalStateException if the model is not compiled for per-example DP training
   * @throws NonFiniteWeightsException when a weight becomes NaN or infinite
   */
  public SparkFit fit(
      Sequential model, org.apache.spark.sql.Dataset<Row> table, double samplingRate, int steps) {
    Objects.requireNonNull(model, "model");
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("samplingRate must be in (0, 1], got " + samplingRate);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    ModelPrivacy privacy = ModelPrivacy.of(model);
    if (!privacy.isDifferentiallyPrivate()) {
      throw new IllegalStateException(
          "the model is not compiled for DP training; compile it with a DPKeras*Optimizer");
    }
    JavaRDD<Row> rows =
        table
            .select(columns.selected().stream().map(functions::col).toArray(Column[]::new))
            .javaRDD();
    long n = rows.count();
    if (n == 0) {
      throw new IllegalArgumentException("table has no rows");
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "table has " + n + " rows; at most " + Integer.MAX_VALUE + " are supported");
    }
    int width = columns.width(rows.first());
    long[] labelShape = new long[0];
    PoissonSampler sampling =
        fixedSamplingSeed != null
            ? PoissonSampler.seeded((int) n, samplingRate, fixedSamplingSeed)
            : new PoissonSampler((int) n, samplingRate);
    long masterSeed = fixedSamplingSeed != null ? fixedSamplingSeed : new SecureRandom().nextLong();
    double expected = sampling.expectedBatchSize();
    Dataset shapedLike = new Dataset(new float[0], new long[] {width}, new float[0], labelShape);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(table.sparkSession().sparkContext());
    LongAccumulator compute = jsc.sc().longAccumulator("dp4j clipped-sum compute nanos");
    int partitions = rows.getNumPartitions();
    long broadcastNanos = 0;
    long jobNanos = 0;
    long updateNanos = 0;
    for (int step = 0; step < steps; step++) {
      StepContext context = new StepContext(0, step, step, model.steps(), 0);
      for (StepHook hook : before) {
        hook.onStep(context);
      }
      long t0 = System.nanoTime();
      Broadcast<List<float[]>> weights = jsc.broadcast(model.getWeights());
      long t1 = System.nanoTime();
      double[][] sum =
          rows.mapPartitionsWithIndex(
                  new PartitionClippedSum(
                      factory,
                      weights,
                      columns,
                      width,
                      labelShape,
                      masterSeed,
                      model.steps(),
                      samplingRate,
                      expected,
                      compute),
                  true)
              .treeAggregate(new double[0][], PartitionClippedSum::add, PartitionClippedSum::add);
      long t2 = System.nanoTime();
      weights.destroy();
      if (!privacy.stepFromClippedSum(toFloat(sum), sampling, shapedLike)) {
        throw new NonFiniteWeightsException(model.steps(), 0, step);
      }
      long t3 = System.nanoTime();
      if (checkpoint != null && (model.steps() % checkpointEvery == 0 || step == steps - 1)) {
        saveCheckpoint(model, width);
      }
      broadcastNanos += t1 - t0;
      jobNanos += t2 - t1;
      updateNanos += t3 - t2;
    }
    LOG.info(
        "{} DP-SGD steps on {} rows in {} partitions, q = {}, expected batch size {}",
        steps,
        n,
        partitions,
        samplingRate,
        expected);
    return new SparkFit(
        steps,
        n,
        partitions,
        samplingRate,
        expected,
        new SparkStepTimings(broadcastNanos, jobNanos, compute.value(), updateNanos));
  }

  private void saveCheckpoint(Sequential model, int width) {
    try {
      TrainingCheckpoint.save(KerasModel.of(model, width), checkpoint);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + checkpoint, e);
    }
    LOG.info("step {}: saved {}", model.steps(), checkpoint);
  }

  private static List<float[]> toFloat(double[][] sum) {
    List<float[]> out = new ArrayList<>(sum.length);
    for (double[] s : sum) {
      float[] f = new float[s.length];
      for (int i = 0; i < s.length; i++) {
        f[i] = (float) s[i];
      }
      out.add(f);
    }
    return out;
  }
}
