package io.dp4j.testing;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small synthetic datasets and samplers for tests. */
public final class TestData {
  private TestData() {}

  /** Gaussian features of the given shape, class labels in [0, classes). */
  public static Dataset random(int n, long[] shape, int classes, long seed) {
    Random r = new Random(seed);
    int per = 1;
    for (long d : shape) {
      per *= (int) d;
    }
    float[] x = new float[n * per];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return new Dataset(x, shape, y, new long[0]);
  }

  /**
   * A task a model learns: {@code features} standard Gaussian features (at least {@code classes}),
   * class labels in [0, classes) drawn uniformly, and the feature at the label's index raised by 1
   * (the synthetic task of docs/auditing.md's {@code dp4j audit canaries} example).
   */
  public static Dataset learnable(int n, int features, int classes, long seed) {
    if (features < classes) {
      throw new IllegalArgumentException(
          "features must be >= classes, got " + features + " < " + classes);
    }
    Random r = new Random(seed);
    float[] x = new float[n * features];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(classes);
      for (int j = 0; j < features; j++) {
        x[i * features + j] = (float) (r.nextGaussian() + (j == c ? 1 : 0));
      }
      y[i] = c;
    }
    return new Dataset(x, new long[] {features}, y, new long[0]);
  }

  /**
   * Like {@link #random}, with example i's features scaled by {@code scales[i % scales.length]}.
   */
  public static Dataset scaled(int n, long[] shape, int classes, long seed, float... scales) {
    return scaled(n, shape, classes, seed, 1, scales);
  }

  /** Example i scaled by {@code scales[(i / group) % scales.length]}: one scale per group. */
  public static Dataset scaled(
      int n, long[] shape, int classes, long seed, int group, float... scales) {
    Dataset d = random(n, shape, classes, seed);
    float[] x = d.features();
    int per = x.length / n;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < per; j++) {
        x[i * per + j] *= scales[(i / group) % scales.length];
      }
    }
    return d;
  }

  /** Two Gaussian blobs in 2-D, label = which blob. */
  public static Dataset blobs(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 2];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = i % 2;
      x[2 * i] = (float) (r.nextGaussian() * 0.5 + (c == 0 ? -2 : 2));
      x[2 * i + 1] = (float) (r.nextGaussian() * 0.5 + (c == 0 ? 1 : -1));
      y[i] = c;
    }
    return new Dataset(x, new long[] {2}, y, new long[0]);
  }

  /** Fixed batches given explicitly (first batch repeated per epoch as listed). */
  public static BatchSampler fixed(double expectedBatchSize, SamplingMode mode, int[]... batches) {
    return new BatchSampler() {
      @Override
      public List<int[]> nextEpoch() {
        return new ArrayList<>(List.of(batches));
      }

      @Override
      public int stepsPerEpoch() {
        return batches.length;
      }

      @Override
      public double samplingRate() {
        return 0.01;
      }

      @Override
      public double expectedBatchSize() {
        return expectedBatchSize;
      }

      @Override
      public SamplingMode mode() {
        return mode;
      }
    };
  }

  /** Poisson sampling at rate q over n examples (test-only). */
  public static BatchSampler poisson(int n, double q, long seed) {
    Random r = new Random(seed);
    return new BatchSampler() {
      @Override
      public List<int[]> nextEpoch() {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < stepsPerEpoch(); s++) {
          List<Integer> idx = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if (r.nextDouble() < q) {
              idx.add(i);
            }
          }
          out.add(idx.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
      }

      @Override
      public int stepsPerEpoch() {
        return (int) Math.round(1 / q);
      }

      @Override
      public double samplingRate() {
        return q;
      }

      @Override
      public double expectedBatchSize() {
        return q * n;
      }

      @Override
      public SamplingMode mode() {
        return SamplingMode.POISSON;
      }
    };
  }

  public static int[] range(int start, int end) {
    int[] r = new int[end - start];
    for (int i = 0; i < r.length; i++) {
      r[i] = start + i;
    }
    return r;
  }
}
