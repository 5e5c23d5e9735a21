package io.dp4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando): 60000 training and 10000 test images of clothing, 28x28 grey pixels, 10
 * classes; the same layout as {@link Mnist}: features in [0, 1], example shape {@code [28, 28, 1]},
 * class-id labels.
 *
 * <p>The files come from the Debian/Ubuntu package {@value #APT_PACKAGE}, which installs the four
 * gzip-compressed IDX files in {@code /usr/share/datasets/fashion-mnist}; {@link #load(Path)} reads
 * them from any other directory holding them (plain or {@code .gz}). The SHA-256 of each file's
 * decompressed content is checked.
 */
public final class FashionMnist extends ImageSplits {
  /** The Debian package holding the files. */
  public static final String APT_PACKAGE = "dataset-fashion-mnist";

  /** Where {@value #APT_PACKAGE} installs the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The class names, by class id. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  static final SplitFiles FILES =
      SplitFiles.withSha256(
          "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
          "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
          "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
          "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

  private FashionMnist(Path directory) {
    super(
        directory,
        FILES,
        "Reinstall it with 'sudo apt-get install --reinstall " + APT_PACKAGE + "'.");
  }

  /** Reads Fashion-MNIST from {@link #DEFAULT_DIR}, where {@value #APT_PACKAGE} installs it. */
  public static FashionMnist load() throws IOException {
    return load(DEFAULT_DIR);
  }

  /**
   * Reads Fashion-MNIST from {@code dir}.
   *
   * @throws DatasetUnavailableException when a file is missing, naming the apt package to install
   */
  public static FashionMnist load(Path dir) throws IOException {
    Path d = dir.toAbsolutePath();
    List<String> missing = FILES.missingIn(d).stream().map(e -> e.name() + "[.gz]").toList();
    if (!missing.isEmpty()) {
      throw new DatasetUnavailableException(
          "Fashion-MNIST not found: "
              + (Files.isDirectory(d) ? d + " lacks " + missing : d + " does not exist")
              + ". Install it with 'sudo apt-get install "
              + APT_PACKAGE
              + "' (Debian/Ubuntu; it puts the files in "
              + DEFAULT_DIR
              + "), or pass a directory holding the four IDX files to FashionMnist.load(Path).");
    }
    return new FashionMnist(d);
  }

  /** Whether the four files are present in {@code dir}. */
  public static boolean isAvailable(Path dir) {
    return FILES.missingIn(dir).isEmpty();
  }
}
