package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.tutorial.MnistTutorial;
import java.util.Locale;
import java.util.SplittableRandom;

/** The built-in models {@code dp4j bench} can time, each with synthetic data of its input shape. */
enum BenchModel implements BenchTarget {
  /** The tutorial CNN on 28x28x1 images, 10 classes. */
  TUTORIAL_CNN {
    @Override
    Layer[] layers() {
      return MnistTutorial.cnn();
    }

    @Override
    public Dataset data(int n) {
      return pixels(n, 28, 28, 1);
    }
  },
  /**
   * Tramer and Boneh's end-to-end CIFAR-10 CNN ("Differentially Private Learning Needs Better
   * Features", 2021) on 32x32x3 images: Conv2D 32, 32, MaxPool, 64, 64, MaxPool, 128, 128, MaxPool
   * (3x3 kernels, same padding, tanh; pools 2x2 stride 2), Flatten, Dense 10; 307,498 parameters.
   */
  CIFAR_CNN {
    @Override
    Layer[] layers() {
      return new Layer[] {
        conv3x3Tanh(32).optInputShape(32, 32, 3).build(),
        conv3x3Tanh(32).build(),
        new MaxPool2D(2),
        conv3x3Tanh(64).build(),
        conv3x3Tanh(64).build(),
        new MaxPool2D(2),
        conv3x3Tanh(128).build(),
        conv3x3Tanh(128).build(),
        new MaxPool2D(2),
        new Flatten(),
        new Dense(10)
      };
    }

    @Override
    public Dataset data(int n) {
      return pixels(n, 32, 32, 3);
    }

    /** The batch size the CIFAR speed target is stated at (issue 12), also given to Opacus. */
    @Override
    public int defaultBatchSize() {
      return 256;
    }
  },
  /** Flatten, Dense 256 relu, Dense 128 relu, Dense 10 on 28x28x1 images. */
  MLP {
    @Override
    Layer[] layers() {
      return new Layer[] {
        new Flatten(new long[] {28, 28, 1}),
        new Dense(256, ActivationFunction.RELU),
        new Dense(128, ActivationFunction.RELU),
        new Dense(10)
      };
    }

    @Override
    public Dataset data(int n) {
      return pixels(n, 28, 28, 1);
    }
  },
  /**
   * Embedding of 64 ids from a vocabulary of 5000 into 16 dimensions, Flatten, Dense 32 relu, Dense
   * 2: a small text classifier.
   */
  EMBEDDING {
    private static final int VOCABULARY = 5000;
    private static final int LENGTH = 64;

    @Override
    Layer[] layers() {
      return new Layer[] {
        new Embedding(VOCABULARY, 16, new long[] {LENGTH}),
        new Flatten(),
        new Dense(32, ActivationFunction.RELU),
        new Dense(2)
      };
    }

    @Override
    public Dataset data(int n) {
      SplittableRandom random = new SplittableRandom(7);
      float[] x = new float[n * LENGTH];
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextInt(VOCABULARY);
      }
      return new Dataset(x, new long[] {LENGTH}, labels(random, n, 2), new long[] {});
    }
  };

  abstract Layer[] layers();

  @Override
  public abstract Dataset data(int n);

  @Override
  public Sequential newModel() {
    return new Sequential(layers()).setSeed(1);
  }

  /** The option value: the constant's name in lower case with dashes. */
  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** {@code n} images of uniform random pixels in [0, 1) and random labels of 10 classes. */
  static Dataset pixels(int n, int height, int width, int channels) {
    SplittableRandom random = new SplittableRandom(7);
    float[] x = new float[n * height * width * channels];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    return new Dataset(
        x, new long[] {height, width, channels}, labels(random, n, 10), new long[] {});
  }

  private static Conv2D.Builder conv3x3Tanh(int filters) {
    return Conv2D.builder()
        .setFilters(filters)
        .setKernelSize(3)
        .optPadding(Padding.SAME)
        .optActivation(ActivationFunction.TANH);
  }

  static float[] labels(SplittableRandom random, int n, int classes) {
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = random.nextInt(classes);
    }
    return y;
  }
}
