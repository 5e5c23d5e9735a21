package io.dp4j.spark;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Throughput of {@link DpSparkTrainer} against the single-JVM engine, and training on a table no
 * single heap could hold; run by hand (docs/spark.md, "Throughput and scaling"), never in the
 * build.
 *
 * <ul>
 *   <li>{@code throughput ROWS STEPS BATCH...}: a cached in-memory table of ROWS synthetic rows
 *       ({@link #table}), for every expected batch size: STEPS steps in {@code local[2]} and on the
 *       same rows in one JVM (the rows gathered into one {@link Dataset}), steps/s, examples/s and
 *       the Spark step split into its phases;
 *   <li>{@code generate DIR ROWS}: writes the synthetic table as Parquet to DIR;
 *   <li>{@code parquet DIR STEPS BATCH}: STEPS steps in {@code local[2]} on the Parquet table;
 *   <li>{@code single-heap ROWS}: allocates what the single-JVM engine holds for ROWS rows of the
 *       table, its features and labels as float32 arrays, or reports that the heap cannot.
 * </ul>
 *
 * The synthetic table: 16 float features and a label in {0, 1, 2}; a row's values are a fixed
 * function of its id (Spark's {@code rand}/{@code randn} with fixed seeds over a fixed number of
 * partitions), with feature j shifted by 1.5 when j is the label.
 */
public final class SparkThroughputBenchmark {
  static final int FEATURES = 16;
  private static final int WARMUP = 3;

  private SparkThroughputBenchmark() {}

  /** A 16-64-3 relu MLP under DP-SGD (C = 1, σ = 1.1, learning rate 0.1). */
  record Mlp() implements ModelFactory {
    @Override
    public Sequential create() {
      Sequential model =
          new Sequential(
              Dense.builder()
                  .setUnits(64)
                  .optInputShape(FEATURES)
                  .optActivation(ActivationFunction.RELU)
                  .build(),
              Dense.builder().setUnits(3).build());
      model.setSeed(1);
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
      return model;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("single-heap")) {
      singleHeap(Long.parseLong(args[1]));
      return;
    }
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("dp4j-spark-benchmark")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      switch (args[0]) {
        case "throughput" -> throughput(spark, args);
        case "generate" ->
            table(spark, Long.parseLong(args[2])).write().mode("overwrite").parquet(args[1]);
        case "parquet" ->
            parquet(spark, args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]));
        default -> throw new IllegalArgumentException("unknown benchmark " + args[0]);
      }
    } finally {
      spark.stop();
    }
  }

  static org.apache.spark.sql.Dataset<Row> table(SparkSession spark, long rows) {
    org.apache.spark.sql.Dataset<Row> t =
        spark
            .range(0, rows, 1, Math.max(2, (int) (rows / 500_000)))
            .withColumn("label", functions.floor(functions.rand(1).multiply(3)).cast("int"));
    for (int j = 0; j < FEATURES; j++) {
      Column shift = functions.when(functions.col("label").equalTo(j), 1.5).otherwise(0.0);
      t = t.withColumn("f" + j, functions.randn(10 + j).plus(shift).cast("float"));
    }
    return t;
  }

  private static RowColumns columns() {
    List<String> f = new ArrayList<>();
    for (int j = 0; j < FEATURES; j++) {
      f.add("f" + j);
    }
    return new RowColumns(f, "label");
  }

  private static void throughput(SparkSession spark, String[] args) throws Exception {
    int rows = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    org.apache.spark.sql.Dataset<Row> table = table(spark, rows).repartition(2).cache();
    table.count();
    Dataset local = gather(table);
    Phases phases = new Phases();
    spark.sparkContext().addSparkListener(phases);
    System.out.printf(
        Locale.ROOT,
        "engine,batch,steps,fit_s,step_ms,steps_per_s,examples_per_s,broadcast_ms,scheduling_ms,"
            + "tasks_ms,graph_ms,scan_ms,aggregate_ms,update_ms%n");
    for (int a = 3; a < args.length; a++) {
      double batch = Double.parseDouble(args[a]);
      double q = batch / rows;
      Mlp factory = new Mlp();
      try (Sequential model = factory.create()) {
        DpSparkTrainer trainer = new DpSparkTrainer(factory, columns());
        trainer.fit(model, table, q, WARMUP);
        spark.sparkContext().listenerBus().waitUntilEmpty();
        phases.reset();
        long t0 = System.nanoTime();
        SparkFit fit = trainer.fit(model, table, q, steps);
        double seconds = (System.nanoTime() - t0) / 1e9;
        spark.sparkContext().listenerBus().waitUntilEmpty();
        SparkStepTimings t = fit.timings();
        // the steps alone; the fit's wall time also holds its one count of the table
        double stepMs = (t.broadcast() + t.job() + t.update()) / 1e6 / steps;
        System.out.printf(
            Locale.ROOT,
            "spark-local[2],%.0f,%d,%.2f,%.1f,%.2f,%.0f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f%n",
            batch,
            steps,
            seconds,
            stepMs,
            1e3 / stepMs,
            batch * 1e3 / stepMs,
            t.broadcast() / 1e6 / steps,
            phases.scheduling / (double) phases.jobs,
            phases.span / (double) phases.jobs,
            t.compute() / 1e6 / steps / 2, // two task slots run in parallel
            Math.max(0, phases.runTime - t.compute() / 1e6) / steps / 2,
            phases.aggregate / (double) phases.jobs,
            t.update() / 1e6 / steps);
      }
      try (Sequential model = factory.create()) {
        model.fit(local, firstBatches(PoissonSampler.seeded(rows, q, 5), WARMUP), 1);
        long t0 = System.nanoTime();
        model.fit(local, firstBatches(PoissonSampler.seeded(rows, q, 6), steps), 1);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "single-jvm,%.0f,%d,%.2f,%.1f,%.2f,%.0f,,,,,,,%n",
            batch,
            steps,
            seconds,
            seconds * 1e3 / steps,
            steps / seconds,
            steps * batch / seconds);
      }
    }
  }

  private static void parquet(SparkSession spark, String dir, int steps, double batch) {
    org.apache.spark.sql.Dataset<Row> table = spark.read().parquet(dir);
    long rows = table.count();
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        Locale.ROOT,
        "rows %d, partitions %d, max heap %d MiB; the rows as float32 arrays in one heap: %d MiB%n",
        rows,
        table.javaRDD().getNumPartitions(),
        rt.maxMemory() >> 20,
        rows * (FEATURES + 1) * 4 >> 20);
    Mlp factory = new Mlp();
    try (Sequential model = factory.create()) {
      long t0 = System.nanoTime();
      SparkFit fit = new DpSparkTrainer(factory, columns()).fit(model, table, batch / rows, steps);
      double seconds = (System.nanoTime() - t0) / 1e9;
      SparkStepTimings t = fit.timings();
      System.out.printf(
          Locale.ROOT,
          "%d steps, expected batch %.0f, %.1f s (%.2f steps/s, %.0f examples/s, %.2e rows"
              + " scanned/s); per step: job %.0f ms, graph %.0f ms (task sum), update %.1f ms;"
              + " heap used at the end %d MiB%n",
          steps,
          fit.expectedBatchSize(),
          seconds,
          steps / seconds,
          steps * fit.expectedBatchSize() / seconds,
          steps * (double) rows / seconds,
          t.job() / 1e6 / steps,
          t.compute() / 1e6 / steps,
          t.update() / 1e6 / steps,
          (rt.totalMemory() - rt.freeMemory()) >> 20);
    }
  }

  private static void singleHeap(long rows) {
    long bytes = rows * (FEATURES + 1) * 4;
    System.out.printf(
        Locale.ROOT,
        "max heap %d MiB; %d rows as float32 features and labels: %d MiB%n",
        Runtime.getRuntime().maxMemory() >> 20,
        rows,
        bytes >> 20);
    try {
      float[] x = new float[Math.toIntExact(rows * FEATURES)];
      float[] y = new float[Math.toIntExact(rows)];
      System.out.printf(Locale.ROOT, "allocated %d floats%n", x.length + y.length);
    } catch (OutOfMemoryError e) {
      System.out.printf(Locale.ROOT, "cannot: %s%n", e);
    }
  }

  /** The table's rows as one in-memory dataset, in the table's order. */
  private static Dataset gather(org.apache.spark.sql.Dataset<Row> table) {
    List<Row> rows =
        table
            .select(columns().selected().stream().map(functions::col).toArray(Column[]::new))
            .collectAsList();
    float[] x = new float[rows.size() * FEATURES];
    float[] y = new float[rows.size()];
    RowColumns c = columns();
    for (int i = 0; i < rows.size(); i++) {
      y[i] = c.read(rows.get(i), x, i * FEATURES, FEATURES);
    }
    return new Dataset(x, new long[] {FEATURES}, y, new long[0]);
  }

  private static BatchSampler firstBatches(PoissonSampler sampler, int steps) {
    return new BatchSampler() {
      @Override
      public List<int[]> nextEpoch() {
        List<int[]> batches = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
          batches.add(sampler.nextBatch());
        }
        return batches;
      }

      @Override
      public int stepsPerEpoch() {
        return steps;
      }

      @Override
      public double samplingRate() {
        return sampler.samplingRate();
      }

      @Override
      public double expectedBatchSize() {
        return sampler.expectedBatchSize();
      }

      @Override
      public SamplingMode mode() {
        return SamplingMode.POISSON;
      }
    };
  }

  /**
   * Per job (one per step), in ms: job start to the first task's launch (scheduling), first launch
   * to last task end (the tasks), last task end to job end (results to the driver and merged), and
   * the tasks' run time summed.
   */
  static final class Phases extends SparkListener {
    long jobs;
    long scheduling;
    long span;
    long aggregate;
    double runTime;
    private long jobStart;
    private long firstLaunch;
    private long lastFinish;

    synchronized void reset() {
      jobs = scheduling = span = aggregate = 0;
      runTime = 0;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
      jobStart = e.time();
      firstLaunch = Long.MAX_VALUE;
      lastFinish = 0;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
      firstLaunch = Math.min(firstLaunch, e.taskInfo().launchTime());
      lastFinish = Math.max(lastFinish, e.taskInfo().finishTime());
      runTime += e.taskMetrics().executorRunTime();
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
      jobs++;
      scheduling += firstLaunch - jobStart;
      span += lastFinish - firstLaunch;
      aggregate += e.time() - lastFinish;
    }
  }
}
