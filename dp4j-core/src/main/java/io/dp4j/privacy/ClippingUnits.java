package io.dp4j.privacy;

import io.dp4j.accounting.RunShape;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * How one batch is cut into clipping units (the rule is {@link DpSettings}'), and what the DP step
 * is fed for it.
 *
 * @param count the number of units n fed to the graph
 * @param slots for each of the {@code count * size} fed examples, the batch index it holds, or -1
 *     for a padding example of loss weight 0; null to feed the batch as it is
 * @param weights the loss weights of the fed examples (a unit's loss is the mean of its weighted
 *     losses), or null for ones
 * @param microbatchOf for each example of the batch, the unit it was clipped in
 * @param microbatchSize examples per unit for the accountant: 1 when clipping per example, b/M for
 *     fixed-size batches, (expected batch size)/M for Poisson batches
 */
record ClippingUnits(
    int count, int[] slots, float[] weights, int[] microbatchOf, double microbatchSize) {

  /**
   * The clipping units of a batch of {@code b} examples: per example when M = 0; for fixed-size
   * batches, M consecutive groups of b/M; for Poisson batches, per example when M equals the
   * expected batch size, else each example assigned to one of the M microbatches independently and
   * uniformly at random, so that adding or removing an example changes exactly one microbatch.
   *
   * @param draw given M, a uniformly random unit in [0, M), for the Poisson assignment
   */
  static ClippingUnits plan(
      int numMicrobatches,
      int b,
      double expectedBatchSize,
      SamplingMode mode,
      IntUnaryOperator draw) {
    int m = numMicrobatches;
    boolean perExample =
        m == 0 || (mode == SamplingMode.POISSON && RunShape.clipsPerExample(m, expectedBatchSize));
    if (perExample) {
      if (b == 0) {
        return new ClippingUnits(1, new int[] {-1}, new float[1], new int[0], 1);
      }
      return new ClippingUnits(b, null, null, range(b), 1);
    }
    if (mode == SamplingMode.SHUFFLED) {
      if (b % m != 0) {
        throw new IllegalArgumentException(
            "batch size "
                + b
                + " is not a multiple of numMicrobatches "
                + m
                + "; with fixed-size batches, choose a batch size divisible by it (microbatches"
                + " are b/M consecutive examples, as in TF Privacy)");
      }
      if (b == 0) {
        return padding(m, b, expectedBatchSize / m);
      }
      int k = b / m;
      int[] of = new int[b];
      for (int i = 0; i < b; i++) {
        of[i] = i / k;
      }
      return new ClippingUnits(m, null, null, of, k);
    }
    if (m > expectedBatchSize) {
      throw new IllegalArgumentException(
          "numMicrobatches "
              + m
              + " exceeds the expected batch size "
              + expectedBatchSize
              + " of the Poisson batches; set numMicrobatches to the expected batch size (or 0)"
              + " to clip per example, or below it for microbatches of several examples");
    }
    if (b == 0) {
      return padding(m, b, expectedBatchSize / m);
    }
    int[] of = new int[b];
    int[] counts = new int[m];
    for (int i = 0; i < b; i++) {
      of[i] = draw.applyAsInt(m);
      counts[of[i]]++;
    }
    int s = 1;
    for (int c : counts) {
      s = Math.max(s, c);
    }
    int[] slots = new int[m * s];
    float[] weights = new float[m * s];
    Arrays.fill(slots, -1);
    int[] filled = new int[m];
    for (int i = 0; i < b; i++) {
      int j = of[i];
      int slot = j * s + filled[j]++;
      slots[slot] = i;
      // the graph divides a unit's weighted loss sum by s: the mean over its real examples
      weights[slot] = (float) s / counts[j];
    }
    return new ClippingUnits(m, slots, weights, of, expectedBatchSize / m);
  }

  /**
   * These units with every example fed as {@code k} consecutive copies (augmentation multiplicity):
   * each fed slot becomes k slots holding rows {@code i·k .. i·k + k - 1} of the batch of copies
   * ({@link io.dp4j.data.Augmentation#copies}), with the slot's loss weight; padding stays padding.
   * The units, their count and what is accounted do not change: the graph takes a unit's loss as
   * the mean over its fed slots, so each example's loss becomes the mean over its copies.
   */
  ClippingUnits withCopies(int k) {
    if (k == 1) {
      return this;
    }
    int fed = slots != null ? slots.length : microbatchOf.length;
    int[] copied = new int[fed * k];
    float[] copiedWeights = weights == null ? null : new float[fed * k];
    for (int s = 0; s < fed; s++) {
      int example = slots != null ? slots[s] : s;
      for (int j = 0; j < k; j++) {
        copied[s * k + j] = example < 0 ? -1 : example * k + j;
        if (copiedWeights != null) {
          copiedWeights[s * k + j] = weights[s];
        }
      }
    }
    return new ClippingUnits(count, copied, copiedWeights, microbatchOf, microbatchSize);
  }

  /** Units for an empty batch: one padding example of loss weight 0 per unit. */
  private static ClippingUnits padding(int count, int b, double microbatchSize) {
    int[] slots = new int[count];
    Arrays.fill(slots, -1);
    return new ClippingUnits(
        count, slots, new float[count], new int[b], Math.max(1, microbatchSize));
  }

  /** The examples of {@code batch} as the graph takes them: at {@code slots}, zeros where -1. */
  Dataset arrange(Dataset batch) {
    if (slots == null) {
      return batch;
    }
    long[] exampleShape = batch.exampleShape();
    long[] labelShape = batch.labelShape();
    int per = (int) product(exampleShape);
    int labelPer = (int) product(labelShape);
    float[] x = new float[slots.length * per];
    float[] y = new float[slots.length * labelPer];
    float[] bx = batch.features();
    float[] by = batch.labels();
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] >= 0) {
        System.arraycopy(bx, slots[i] * per, x, i * per, per);
        System.arraycopy(by, slots[i] * labelPer, y, i * labelPer, labelPer);
      }
    }
    return new Dataset(x, exampleShape, y, labelShape);
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
