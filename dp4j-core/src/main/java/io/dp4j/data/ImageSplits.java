package io.dp4j.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An MNIST-format data set (28x28 grey images, 10 classes): the four IDX files of its training and
 * test splits in one folder, each split read and checksum-verified on first use, then kept in
 * memory. {@link Mnist} and {@link FashionMnist} differ only in where the files come from.
 */
abstract class ImageSplits {
  /** The four files under their standard names, each with its content's SHA-256. */
  record SplitFiles(
      ImageIdx.Entry trainImages,
      ImageIdx.Entry trainLabels,
      ImageIdx.Entry testImages,
      ImageIdx.Entry testLabels) {
    /** The files of the standard names with these SHA-256 checksums. */
    static SplitFiles withSha256(
        String trainImages, String trainLabels, String testImages, String testLabels) {
      return new SplitFiles(
          new ImageIdx.Entry("train-images-idx3-ubyte", trainImages),
          new ImageIdx.Entry("train-labels-idx1-ubyte", trainLabels),
          new ImageIdx.Entry("t10k-images-idx3-ubyte", testImages),
          new ImageIdx.Entry("t10k-labels-idx1-ubyte", testLabels));
    }

    List<ImageIdx.Entry> all() {
      return List.of(trainImages, trainLabels, testImages, testLabels);
    }

    /** The files not in {@code dir}, plain or {@code .gz}. */
    List<ImageIdx.Entry> missingIn(Path dir) {
      return all().stream().filter(e -> !e.presentIn(dir)).toList();
    }
  }

  private final Path directory;
  private final SplitFiles files;
  private final String repairHint;
  private Dataset train;
  private Dataset test;

  /**
   * @param repairHint what to do when a file fails its checksum
   */
  ImageSplits(Path directory, SplitFiles files, String repairHint) {
    this.directory = directory;
    this.files = files;
    this.repairHint = repairHint;
  }

  /** The directory the files are read from. */
  public Path directory() {
    return directory;
  }

  /** The 60000 training examples (read and verified on first call, then kept). */
  public synchronized Dataset train() throws IOException {
    if (train == null) {
      train = read(files.trainImages(), files.trainLabels());
    }
    return train;
  }

  /** The 10000 test examples (read and verified on first call, then kept). */
  public synchronized Dataset test() throws IOException {
    if (test == null) {
      test = read(files.testImages(), files.testLabels());
    }
    return test;
  }

  private Dataset read(ImageIdx.Entry images, ImageIdx.Entry labels) throws IOException {
    return ImageIdx.imagesAndLabels(
        images.locate(directory),
        images.sha256(),
        labels.locate(directory),
        labels.sha256(),
        28,
        28,
        10,
        repairHint);
  }
}
