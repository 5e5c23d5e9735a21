package io.dp4j.privacy.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A cluster that DP-SGD can train on (dp4j-spark's Apache Spark engine), found by {@link
 * ServiceLoader} when its jars are on the class path.
 */
public interface ClusterEngine {
  /** The engine's name, e.g. {@code spark}. */
  String name();

  /** Whether {@code master} names a cluster of this engine (for Spark: local[N], spark://...). */
  boolean serves(String master);

  /**
   * Connects to {@code master} and opens {@code file} (CSV with a header row, or Parquet) there:
   * its {@code label} column holds the labels, its other columns the features, one number each.
   *
   * @throws IllegalArgumentException if the file's format is not one the engine reads, or its
   *     columns are not numeric, or it has no {@code label} column
   * @throws IOException if the file cannot be read
   */
  ClusterTable open(String master, Path file, String label) throws IOException;

  /** The engine on the class path that serves {@code master}, if any. */
  static Optional<ClusterEngine> forMaster(String master) {
    for (ClusterEngine engine : ServiceLoader.load(ClusterEngine.class)) {
      if (engine.serves(master)) {
        return Optional.of(engine);
      }
    }
    return Optional.empty();
  }
}
