package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark step against the single-machine engine on the same sampled rows, and under a task that
 * fails once. {@code local[2,2]}: two task threads in this JVM, a failed task retried once. The
 * same equivalence with executors in separate JVMs: {@link SeparateExecutorsTest}.
 */
class DpSparkTrainerTest {
  private static final int N = 200;
  private static final int WIDTH = 4;
  private static final double Q = 0.1;
  private static final long SAMPLING_SEED = 42;
  private static final RowColumns COLUMNS = new RowColumns(List.of("features"), "label");

  /** Armed by the fault test: the next first attempt of partition 1 throws mid-partition. */
  private static final AtomicBoolean FAIL_ONCE = new AtomicBoolean();

  private static SparkSession spark;

  /** A 4-8-3 relu MLP under DP-SGD, its initial weights and test noise from fixed seeds. */
  record SmallModel(long seed, long noiseSeed) implements ModelFactory {
    @Override
    public Sequential create() {
      Sequential model =
          new Sequential(
              Dense.builder()
                  .setUnits(8)
                  .optInputShape(WIDTH)
                  .optActivation(ActivationFunction.RELU)
                  .build(),
              Dense.builder().setUnits(3).build());
      model.setSeed(seed);
      compile(model);
      return model;
    }

    /** Compiles {@code model} (built here, or loaded from a checkpoint) with the test noise. */
    void compile(Sequential model) {
      ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(noiseSeed);
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
    }
  }

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2,2]")
            .appName("dp4j-spark-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static List<Row> rows() {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      int label = r.nextInt(3);
      double[] x = new double[WIDTH];
      for (int j = 0; j < WIDTH; j++) {
        x[j] = r.nextGaussian() + (j == label ? 1.5 : 0);
      }
      rows.add(RowFactory.create(i, x, label));
    }
    return rows;
  }

  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("label", DataTypes.IntegerType);

  private static org.apache.spark.sql.Dataset<Row> table(boolean faulty) {
    return table(spark, faulty);
  }

  private static org.apache.spark.sql.Dataset<Row> table(SparkSession spark, boolean faulty) {
    JavaRDD<Row> rdd =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows(), 4);
    if (faulty) {
      // the failure comes as the sampler reads partition 1's 11th row: mid-partition, after the
      // first attempt has drawn part of its sample and before it has summed anything
      rdd =
          rdd.mapPartitionsWithIndex(
              (p, it) ->
                  new Iterator<Row>() {
                    private int read;

                    @Override
                    public boolean hasNext() {
                      return it.hasNext();
                    }

                    @Override
                    public Row next() {
                      if (p == 1
                          && read == 10
                          && TaskContext.get().attemptNumber() == 0
                          && FAIL_ONCE.compareAndSet(true, false)) {
                        throw new IllegalStateException("injected task failure");
                      }
                      read++;
                      return it.next();
                    }
                  },
              true);
    }
    return spark.createDataFrame(rdd, SCHEMA);
  }

  /** The single-machine data, row i the table's id i. */
  private static Dataset localData() {
    float[] x = new float[N * WIDTH];
    float[] y = new float[N];
    List<Row> rows = rows();
    for (int i = 0; i < N; i++) {
      double[] f = (double[]) rows.get(i).get(1);
      for (int j = 0; j < WIDTH; j++) {
        x[i * WIDTH + j] = (float) f[j];
      }
      y[i] = rows.get(i).getInt(2);
    }
    return new Dataset(x, new long[] {WIDTH}, y, new long[0]);
  }

  /** The ids the Spark steps sample, by the trainer's own per-partition draw. */
  private static List<int[]> sampledIds(org.apache.spark.sql.Dataset<Row> table, int steps) {
    List<int[]> batches = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      long step = s;
      List<Integer> ids =
          table
              .select("id")
              .javaRDD()
              .mapPartitionsWithIndex(
                  (p, it) -> {
                    RowSampler sampler = new RowSampler(SAMPLING_SEED, step, p, Q);
                    List<Integer> out = new ArrayList<>();
                    it.forEachRemaining(
                        row -> {
                          if (sampler.nextJoins()) {
                            out.add(row.getInt(0));
                          }
                        });
                    return out.iterator();
                  },
                  true)
              .collect();
      batches.add(ids.stream().mapToInt(Integer::intValue).toArray());
    }
    return batches;
  }

  /**
   * 20 steps of the Spark engine and of the single-machine engine on the same sampled rows with the
   * same test noise agree within 1e-5. The engines differ only in the order the clipped gradients
   * are added (per partition, in float64, then rounded once, against one float32 reduction over the
   * batch): per coordinate at most 2·γ(b)·b·C ≈ 2·20·2^-24·20 ≈ 5e-5 in a sum of b ≈ 20 clipped
   * gradients, 2.4e-6 after division by q·N = 20, 2.4e-7 after the learning rate 0.1; over 20 steps
   * at most about 5e-6 (the small learning rate keeps the propagation through later steps'
   * gradients near 1).
   */
  @Test
  void twentySparkStepsMatchTheSingleMachineEngineOnTheSameRows() {
    twentySparkStepsMatchTheSingleMachineEngine(spark);
  }

  /**
   * The 20-step equivalence on {@code spark}'s executors (also run with separate executor JVMs).
   */
  static void twentySparkStepsMatchTheSingleMachineEngine(SparkSession spark) {
    SmallModel factory = new SmallModel(3, 99);
    org.apache.spark.sql.Dataset<Row> table = table(spark, false);
    int steps = 20;
    List<int[]> batches = sampledIds(table, steps);
    try (Sequential m1 = factory.create();
        Sequential m2 = factory.create()) {
      assertThat(m2.getWeights().get(0)).containsExactly(m1.getWeights().get(0));
    }

    try (Sequential distributed = factory.create();
        Sequential single = factory.create()) {
      SparkFit fit =
          new DpSparkTrainer(factory, COLUMNS)
              .useFixedSamplingSeedForTesting(SAMPLING_SEED)
              .fit(distributed, table, Q, steps);
      single.fit(localData(), fixedBatches(batches), 1);

      assertThat(fit.partitions()).isEqualTo(4);
      assertThat(fit.expectedBatchSize()).isEqualTo(20.0, within(1e-9));

      assertThat(ModelPrivacy.of(distributed).privacySpent(1e-5).epsilon())
          .isEqualTo(ModelPrivacy.of(single).privacySpent(1e-5).epsilon());
      List<float[]> a = single.getWeights();
      List<float[]> b = distributed.getWeights();
      List<float[]> initial = factory.create().getWeights();
      double moved = 0;
      for (int p = 0; p < a.size(); p++) {
        for (int i = 0; i < a.get(p).length; i++) {
          assertThat(b.get(p)[i])
              .as("parameter %d[%d]", p, i)
              .isCloseTo(a.get(p)[i], within(1e-5f));
          moved = Math.max(moved, Math.abs(a.get(p)[i] - initial.get(p)[i]));
        }
      }
      assertThat(moved).as("training moved the weights").isGreaterThan(1e-2);
    }
  }

  /**
   * A task that fails mid-partition (after drawing part of its sample) and is retried gives the
   * same step as a run without the failure: the retry draws the same rows, and only the job's one
   * result reaches the driver, so no example is dropped or counted twice.
   */
  @Test
  void aRetriedTaskGivesTheSameStepAsNoFailure() {
    SmallModel factory = new SmallModel(4, 98);
    try (Sequential clean = factory.create();
        Sequential retried = factory.create()) {
      DpSparkTrainer trainer =
          new DpSparkTrainer(factory, COLUMNS).useFixedSamplingSeedForTesting(SAMPLING_SEED);
      trainer.fit(clean, table(false), Q, 3);
      FAIL_ONCE.set(true);
      trainer.fit(retried, table(true), Q, 3);
      assertThat(FAIL_ONCE).as("the injected failure happened").isFalse();
      assertThat(ModelPrivacy.of(retried).privacyLog().steps()).isEqualTo(3);
      List<float[]> a = clean.getWeights();
      List<float[]> b = retried.getWeights();
      for (int p = 0; p < a.size(); p++) {
        assertThat(b.get(p)).containsExactly(a.get(p));
      }
    }
  }

  /**
   * One step's partition sums, aggregated, equal the driver's clipped sum of the same rows by the
   * same graph (the step before noise, where a sampling or weight-broadcast fault would show). Each
   * clipped gradient's coordinates are at most C = 1 in magnitude, so two float32 summation orders
   * of the b sampled gradients differ by at most 2·γ(b)·b·C (Higham 4.2), γ(b) = b·u/(1 − b·u).
   */
  @Test
  void thePartitionsClippedSumsAddUpToTheDriversClippedSumOfTheSameRows() {
    SmallModel factory = new SmallModel(3, 99);
    org.apache.spark.sql.Dataset<Row> table = table(false);
    int[] ids = sampledIds(table, 1).get(0);
    try (Sequential model = factory.create()) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      double[][] sum =
          table
              .select("features", "label")
              .javaRDD()
              .mapPartitionsWithIndex(
                  new PartitionClippedSum(
                      factory,
                      jsc.broadcast(model.getWeights()),
                      COLUMNS,
                      WIDTH,
                      new long[0],
                      SAMPLING_SEED,
                      0,
                      Q,
                      Q * N,
                      jsc.sc().longAccumulator()),
                  true)
              .treeAggregate(new double[0][], PartitionClippedSum::add, PartitionClippedSum::add);
      List<float[]> driver = ModelPrivacy.of(model).clippedSum(localData().gather(ids), Q * N);

      double u = 0x1p-24;
      double tolerance = 2 * (ids.length * u / (1 - ids.length * u)) * ids.length * 1.0;
      assertThat(ids.length).as("rows sampled").isGreaterThan(5);
      assertThat(sum.length).isEqualTo(driver.size());
      for (int p = 0; p < driver.size(); p++) {
        assertThat(sum[p]).hasSize(driver.get(p).length);
        for (int i = 0; i < sum[p].length; i++) {
          assertThat(sum[p][i])
              .as("parameter %d[%d]", p, i)
              .isCloseTo(driver.get(p)[i], within(tolerance));
        }
      }
    }
  }

  private static BatchSampler fixedBatches(List<int[]> batches) {
    return new BatchSampler() {
      @Override
      public List<int[]> nextEpoch() {
        return batches;
      }

      @Override
      public int stepsPerEpoch() {
        return batches.size();
      }

      @Override
      public double samplingRate() {
        return Q;
      }

      @Override
      public double expectedBatchSize() {
        return Q * N;
      }

      @Override
      public SamplingMode mode() {
        return SamplingMode.POISSON;
      }
    };
  }
}
