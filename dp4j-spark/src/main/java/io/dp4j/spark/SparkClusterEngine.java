package io.dp4j.spark;

import io.dp4j.privacy.cluster.ClusterEngine;
import io.dp4j.privacy.cluster.ClusterTable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark {@link ClusterEngine} ({@link java.util.ServiceLoader} finds it when this module's jar
 * is on the class path): opens a CSV or Parquet file in a Spark session and trains on it with
 * {@link DpSparkTrainer}.
 */
public final class SparkClusterEngine implements ClusterEngine {
  @Override
  public String name() {
    return "spark";
  }

  /**
   * {@code local}, {@code local[N]}, {@code local[*]}, {@code spark://}, {@code yarn}, {@code
   * k8s://}.
   */
  @Override
  public boolean serves(String master) {
    return master.equals("local")
        || master.matches("local\\[(\\d+|\\*)(,\\d+)?]")
        || master.startsWith("spark://")
        || master.equals("yarn")
        || master.startsWith("k8s://");
  }

  @Override
  public ClusterTable open(String master, Path file, String label) throws NoSuchFileException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean csv = name.endsWith(".csv");
    if (!csv && !name.endsWith(".parquet")) {
      throw new IllegalArgumentException(
          "data on Spark must be FILE.csv (with a header row) or FILE.parquet, got " + file);
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    SparkSession.Builder builder =
        SparkSession.builder()
            .master(master)
            .appName("dp4j train " + file.getFileName())
            .config("spark.ui.enabled", "false")
            // a small file is split over the cores too (Spark keeps files under 4 MB whole)
            .config("spark.sql.files.openCostInBytes", "0");
    if (!master.startsWith("local")) {
      // executors in other JVMs load dp4j's classes (and TensorFlow's) from these jars
      builder.config("spark.jars", String.join(",", jarsOf(ClusterEngine.class, getClass())));
    }
    SparkSession spark = builder.getOrCreate();
    try {
      Dataset<Row> table =
          csv
              ? spark.read().option("header", true).option("inferSchema", true).csv(file.toString())
              : spark.read().parquet(file.toString());
      return SparkTable.of(spark, table, label, file.toString());
    } catch (RuntimeException e) {
      spark.stop();
      throw e;
    }
  }

  /** The jar files the classes were loaded from (none when they come from class directories). */
  private static List<String> jarsOf(Class<?>... classes) {
    List<String> jars = new ArrayList<>();
    for (Class<?> c : classes) {
      try {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(p) && !jars.contains(p.toString())) {
          jars.add(p.toString());
        }
      } catch (URISyntaxException | SecurityException | NullPointerException e) {
        // a class from no jar needs no shipping: it is there already (Spark's own)
      }
    }
    return jars;
  }
}
