package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DatasetTest {
  private static Dataset threeExamples() {
    // Examples of shape [2, 1]: values 10*i + j; one-hot labels of shape [2].
    float[] x = {0, 1, 10, 11, 20, 21};
    float[] y = {1, 0, 0, 1, 1, 0};
    return new Dataset(x, new long[] {2, 1}, y, new long[] {2});
  }

  @Test
  void sizeAndShapes() {
    Dataset d = threeExamples();
    assertThat(d.size()).isEqualTo(3);
    assertThat(d.exampleShape()).containsExactly(2, 1);
    assertThat(d.labelShape()).containsExactly(2);
  }

  @Test
  void shapesAreDefensivelyCopied() {
    long[] shape = {2, 1};
    Dataset d = new Dataset(new float[4], shape, new float[2], new long[0]);
    shape[0] = 99;
    d.exampleShape()[0] = 99;
    assertThat(d.exampleShape()).containsExactly(2, 1);
  }

  @Test
  void gatherCopiesExamplesInOrderWithRepeats() {
    Dataset g = threeExamples().gather(new int[] {2, 0, 2});
    assertThat(g.size()).isEqualTo(3);
    assertThat(g.features()).containsExactly(20, 21, 0, 1, 20, 21);
    assertThat(g.labels()).containsExactly(1, 0, 1, 0, 1, 0);
    assertThat(g.exampleShape()).containsExactly(2, 1);
    assertThat(g.labelShape()).containsExactly(2);
  }

  @Test
  void gatherOfAGatheredDatasetComposesTheIndices() {
    Dataset g = threeExamples().gather(new int[] {2, 0}).gather(new int[] {1, 1, 0});
    assertThat(g.features()).containsExactly(0, 1, 0, 1, 20, 21);
    assertThat(g.labels()).containsExactly(1, 0, 1, 0, 1, 0);
    assertThatThrownBy(() -> threeExamples().gather(new int[] {2, 0}).gather(new int[] {2}))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("example index 2 of 2");
  }

  @Test
  void copyFeaturesPassesAGatheredBatchsExamplesStraightFromTheSource() {
    Dataset source = threeExamples();
    Dataset g = source.gather(new int[] {2, 0, 2});
    float[] copied = new float[6];
    List<String> runs = new ArrayList<>();
    g.copyFeatures(
        (from, offset, length, to) -> {
          assertThat(from).isSameAs(source.features());
          runs.add(offset + "+" + length + "->" + to);
          System.arraycopy(from, offset, copied, (int) to, length);
        });
    assertThat(runs).containsExactly("4+2->0", "0+2->2", "4+2->4");
    assertThat(copied).containsExactly(g.features());
    // once read, the batch's own array is passed whole
    runs.clear();
    g.copyFeatures((from, offset, length, to) -> runs.add(offset + "+" + length + "->" + to));
    assertThat(runs).containsExactly("0+6->0");
    assertThat(g.features()).isSameAs(g.features()).isNotSameAs(source.features());
    // and once copied, it is the source of its own gathers (its source no longer needed)
    g.gather(new int[] {1})
        .copyFeatures((from, offset, length, to) -> assertThat(from).isSameAs(g.features()));
  }

  @Test
  void threadsReadingAGatheredSetAtOnceAllSeeOneCompleteCopy() throws Exception {
    int examples = 2000;
    float[] x = new float[examples * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    Dataset source = new Dataset(x, new long[] {3}, new float[examples], new long[0]);
    int[] reversed = new int[examples];
    for (int i = 0; i < examples; i++) {
      reversed[i] = examples - 1 - i;
    }
    float[] expected = new float[x.length];
    for (int i = 0; i < examples; i++) {
      System.arraycopy(x, reversed[i] * 3, expected, i * 3, 3);
    }
    for (int round = 0; round < 20; round++) {
      Dataset g = source.gather(reversed);
      int threads = 4;
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<float[]>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          boolean viaSink = t % 2 == 0;
          seen.add(
              pool.submit(
                  () -> {
                    start.await();
                    if (!viaSink) {
                      return g.features();
                    }
                    float[] copy = new float[expected.length];
                    g.copyFeatures(
                        (from, offset, length, to) ->
                            System.arraycopy(from, offset, copy, (int) to, length));
                    return copy;
                  }));
        }
        for (Future<float[]> f : seen) {
          assertThat(f.get()).containsExactly(expected);
        }
        assertThat(g.features()).isSameAs(g.features()).containsExactly(expected);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void gatherOfNothingIsAnEmptyBatch() {
    Dataset g = threeExamples().gather(new int[0]);
    assertThat(g.size()).isZero();
    assertThat(g.features()).isEmpty();
    assertThat(g.exampleShape()).containsExactly(2, 1);
  }

  @Test
  void sliceCopiesARange() {
    Dataset d = threeExamples();
    Dataset s = d.slice(1, 3);
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.features()).containsExactly(10, 11, 20, 21);
    assertThat(s.labels()).containsExactly(0, 1, 1, 0);
    assertThat(d.slice(2, 2).size()).isZero();
    assertThatThrownBy(() -> d.slice(2, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> d.slice(2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(d.toString()).contains("3 examples of shape [2, 1]");
  }

  @Test
  void classIdLabels() {
    Dataset d = new Dataset(new float[6], new long[] {2}, new float[] {3, 7, 1}, new long[0]);
    assertThat(d.size()).isEqualTo(3);
    assertThat(d.gather(new int[] {1}).labels()).containsExactly(7);
  }

  @Test
  void gatherRejectsOutOfRangeIndices() {
    assertThatThrownBy(() -> threeExamples().gather(new int[] {0, 3}))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("3");
    assertThatThrownBy(() -> threeExamples().gather(new int[] {-1}))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void rejectsMismatchedArrays() {
    assertThatThrownBy(() -> new Dataset(new float[5], new long[] {2}, new float[2], new long[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("features has 5 values");
    assertThatThrownBy(() -> new Dataset(new float[4], new long[] {2}, new float[3], new long[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labels has 3 values, expected 2 examples");
    assertThatThrownBy(() -> new Dataset(new float[4], new long[] {0}, new float[0], new long[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Dataset(new float[4], new long[] {-2}, new float[0], new long[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 0");
  }
}
