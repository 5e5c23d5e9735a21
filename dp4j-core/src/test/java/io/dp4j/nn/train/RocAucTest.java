package io.dp4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RocAucTest {

  @Test
  void matchesPairCountingOnRandomScoresWithTies() {
    Random r = new Random(11);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + r.nextInt(300);
      float[] scores = new float[n];
      boolean[] positive = new boolean[n];
      int levels = 1 + r.nextInt(12);
      for (int i = 0; i < n; i++) {
        // few distinct levels: many ties, within and across the classes
        scores[i] = r.nextInt(levels) / 4f - 1f;
        positive[i] = r.nextDouble() < 0.2 + 0.6 * scores[i] * scores[i];
      }
      positive[0] = true;
      positive[1] = false;
      assertThat(RocAuc.of(scores, positive))
          .as("trial %d, n %d", trial, n)
          .isCloseTo(BruteForceAuc.of(scores, positive), within(1e-12));
    }
  }

  @Test
  void separableIsOneAndReversedIsZero() {
    float[] scores = {0.1f, 0.4f, 0.35f, 0.8f, 0.9f, 0.2f};
    boolean[] positive = {false, true, false, true, true, false};
    assertThat(RocAuc.of(scores, positive)).isEqualTo(1.0);
    boolean[] reversed = {true, false, true, false, false, true};
    assertThat(RocAuc.of(scores, reversed)).isEqualTo(0.0);
  }

  @Test
  void allTiedIsOneHalfAndSignedZerosTie() {
    assertThat(RocAuc.of(new float[] {3f, 3f, 3f}, new boolean[] {true, false, false}))
        .isEqualTo(0.5);
    assertThat(RocAuc.of(new float[] {-0.0f, 0.0f}, new boolean[] {false, true})).isEqualTo(0.5);
    assertThat(RocAuc.of(new float[] {0.0f, -0.0f}, new boolean[] {false, true})).isEqualTo(0.5);
  }

  @Test
  void oneClassOnlyIsZeroAsInKeras() {
    assertThat(RocAuc.of(new float[] {0.2f, 0.9f}, new boolean[] {true, true})).isEqualTo(0.0);
    assertThat(RocAuc.of(new float[] {0.2f, 0.9f}, new boolean[] {false, false})).isEqualTo(0.0);
    assertThat(RocAuc.of(new float[0], new boolean[0])).isEqualTo(0.0);
  }

  @Test
  void nanScoreGivesNaN() {
    assertThat(RocAuc.of(new float[] {0.2f, Float.NaN}, new boolean[] {true, false})).isNaN();
  }

  @Test
  void refusesArraysOfDifferentLengths() {
    assertThatThrownBy(() -> RocAuc.of(new float[2], new boolean[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same length")
        .hasMessageContaining("2 and 3");
  }
}
