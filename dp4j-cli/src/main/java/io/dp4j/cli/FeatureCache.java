package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.data.Mnist;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.train.FrozenFrontEnd;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A fixed front end's features of a data set, kept on disk so that the runs of a recipe (one per ε,
 * repeats, a hyperparameter search) compute them once: a scattering transform of 70,000 images
 * takes minutes on two shared cores, the linear model after it a fraction of that. A file is named
 * by the SHA-256 of the front end's description and of the examples it was computed from, so a
 * different front end or different data never reads another's features. The features are a function
 * of the data and as private as the data: they are kept beside the downloaded data ({@code
 * $DP4J_DATA_DIR/features}, else {@code ~/.cache/dp4j/features}).
 */
final class FeatureCache {
  /** Bumped when the file layout or the front end's computation changes. */
  private static final String FORMAT = "dp4j-features-1";

  private static final int BATCH = 256;

  private final Path dir;

  FeatureCache(Path dir) {
    this.dir = dir;
  }

  /** The cache beside the built-in data: the {@code features} folder next to MNIST's. */
  static FeatureCache beside() {
    return new FeatureCache(Mnist.defaultCacheDir().resolveSibling("features"));
  }

  /**
   * {@code front}'s output for every example of {@code data}, with its labels: read from the cache
   * when this front end has computed it for these examples before, else computed and stored.
   */
  Dataset features(FrozenFrontEnd front, Dataset data, PrintWriter log) throws IOException {
    Path file = dir.resolve(key(front, data) + ".f32");
    long per = 1;
    for (long d : front.outputShape()) {
      per *= d;
    }
    long bytes = Math.multiplyExact(per, (long) data.size()) * Float.BYTES;
    if (Files.isRegularFile(file) && Files.size(file) == bytes) {
      long start = System.nanoTime();
      float[] x = read(file, Math.toIntExact(bytes / Float.BYTES));
      log.printf(
          Locale.ROOT,
          "Front end %s: features of %d examples read from %s (%.1f s)%n",
          describe(front),
          data.size(),
          file,
          (System.nanoTime() - start) / 1e9);
      log.flush();
      return new Dataset(x, front.outputShape(), data.labels(), data.labelShape());
    }
    long start = System.nanoTime();
    Dataset computed = front.transform(data, BATCH);
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.createDirectories(dir);
    Path partial = Files.createTempFile(dir, "features", ".partial");
    write(partial, computed.features());
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    log.printf(
        Locale.ROOT,
        "Front end %s: features of %d examples computed in %.1f s, kept in %s for the next run%n",
        describe(front),
        data.size(),
        seconds,
        file);
    log.flush();
    return computed;
  }

  /** SHA-256 of the format, the front end and its input shape, and every example's values. */
  static String key(FrozenFrontEnd front, Dataset data) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    sha.update(
        (FORMAT + describe(front) + Arrays.toString(data.exampleShape()))
            .getBytes(StandardCharsets.UTF_8));
    float[] x = data.features();
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : x) {
      if (!chunk.hasRemaining()) {
        sha.update(chunk.flip());
        chunk.clear();
      }
      chunk.putFloat(v);
    }
    sha.update(chunk.flip());
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * The front end's layers with their settings: a layer's own {@code toString} (Scattering2D's J, L
   * and order, GroupNormalization's groups and epsilon), or its class for a layer without one
   * (Flatten: no settings), never the identity hash that would differ from run to run.
   */
  static String describe(FrozenFrontEnd front) {
    StringBuilder text = new StringBuilder("[");
    for (Layer layer : front.layers()) {
      text.append(text.length() == 1 ? "" : ", ").append(describe(layer));
    }
    return text.append(']').toString();
  }

  private static String describe(Layer layer) {
    try {
      boolean own = layer.getClass().getMethod("toString").getDeclaringClass() != Object.class;
      return own ? layer.toString() : layer.getClass().getSimpleName();
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("every class has toString", e);
    }
  }

  private static float[] read(Path file, int count) throws IOException {
    float[] x = new float[count];
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      int at = 0;
      while (at < count) {
        buffer.clear();
        buffer.limit(Math.min(buffer.capacity(), (count - at) * Float.BYTES));
        while (buffer.hasRemaining()) {
          if (in.read(buffer) < 0) {
            throw new IOException(file + " ended early: the cached features are damaged");
          }
        }
        buffer.flip();
        int n = buffer.remaining() / Float.BYTES;
        buffer.asFloatBuffer().get(x, at, n);
        at += n;
      }
    }
    return x;
  }

  private static void write(Path file, float[] x) throws IOException {
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      int at = 0;
      while (at < x.length) {
        buffer.clear();
        int n = Math.min(buffer.capacity() / Float.BYTES, x.length - at);
        buffer.asFloatBuffer().put(x, at, n);
        buffer.limit(n * Float.BYTES);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        at += n;
      }
    }
  }
}
