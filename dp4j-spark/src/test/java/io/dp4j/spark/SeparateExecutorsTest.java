package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The 20-step equivalence with executors in separate JVMs: Spark's {@code local-cluster[2,1,1024]}
 * runs a standalone master and two workers in this JVM, and each worker starts an executor JVM.
 * Tagged integration: starting the two executor JVMs makes it take minutes on a loaded machine (158
 * s on 2 shared cores); {@code -Pintegration} runs it.
 */
@Tag("integration")
class SeparateExecutorsTest {
  @Test
  void twentyStepsOnTwoExecutorJvmsMatchTheSingleMachineEngine()
      throws InterruptedException, IOException {
    // the Spark home the build points SPARK_HOME at; executors get their classes from the
    // extra class path, so its jars directory stays empty
    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    SparkSession spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1024]")
            .appName("dp4j-separate-executors")
            .config("spark.ui.enabled", "false")
            .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
            .config("spark.executor.extraJavaOptions", sparkFlags())
            .getOrCreate();
    try {
      awaitExecutors(spark, 2);
      DpSparkTrainerTest.twentySparkStepsMatchTheSingleMachineEngine(spark);
    } finally {
      spark.stop();
    }
  }

  /** Waits until {@code count} executors (besides the driver) have registered. */
  private static void awaitExecutors(SparkSession spark, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (spark.sparkContext().getExecutorMemoryStatus().size() < count + 1) {
      assertThat(System.nanoTime()).as("executors registered within 180 s").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static String sparkFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.") || a.startsWith("-Dio."))
        .collect(Collectors.joining(" "));
  }
}
