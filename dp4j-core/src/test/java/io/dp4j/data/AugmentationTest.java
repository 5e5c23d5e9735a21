package io.dp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Crops and flips against an explicit reflect-padded image (numpy's {@code np.pad} "reflect"). */
class AugmentationTest {
  private static final int H = 4;
  private static final int W = 5;
  private static final int C = 2;

  /** One image whose values are all distinct, so that each copy identifies its crop and flip. */
  private static Dataset image() {
    float[] x = new float[H * W * C];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    return new Dataset(x, new long[] {H, W, C}, new float[] {7}, new long[0]);
  }

  /**
   * Every output the augmentation may give: the image padded by p by reflection, written out as its
   * own array (row r of the padded image is row |r - p| mirrored at the far edge), cut at every
   * offset, with and without a left-right flip.
   */
  private static List<float[]> candidates(float[] x, int p, boolean flips) {
    int ph = H + 2 * p;
    int pw = W + 2 * p;
    float[][][] padded = new float[ph][pw][C];
    for (int r = 0; r < ph; r++) {
      int sr = mirror(r - p, H);
      for (int col = 0; col < pw; col++) {
        int sc = mirror(col - p, W);
        for (int ch = 0; ch < C; ch++) {
          padded[r][col][ch] = x[(sr * W + sc) * C + ch];
        }
      }
    }
    List<float[]> out = new ArrayList<>();
    for (int oy = 0; oy <= 2 * p; oy++) {
      for (int ox = 0; ox <= 2 * p; ox++) {
        for (boolean flip : flips ? new boolean[] {false, true} : new boolean[] {false}) {
          float[] crop = new float[H * W * C];
          for (int r = 0; r < H; r++) {
            for (int col = 0; col < W; col++) {
              int from = flip ? W - 1 - col : col;
              for (int ch = 0; ch < C; ch++) {
                crop[(r * W + col) * C + ch] = padded[oy + r][ox + from][ch];
              }
            }
          }
          out.add(crop);
        }
      }
    }
    return out;
  }

  /** numpy's reflect index for |i| &lt; n: -1 -> 1, n -> n - 2. */
  private static int mirror(int i, int n) {
    int m = Math.abs(i);
    return m < n ? m : 2 * (n - 1) - m;
  }

  private static float[] row(Dataset d, int i) {
    return d.gather(new int[] {i}).features();
  }

  @Test
  void everyCopyIsACropOfTheReflectPaddedImageAndAllOccur() {
    Dataset image = image();
    List<float[]> all = candidates(image.features(), 2, true);
    assertThat(all).hasSize(5 * 5 * 2);
    // outcomes that give the same image (a crop whose columns are a palindrome, flipped) are one
    List<float[]> candidates = new ArrayList<>();
    for (float[] c : all) {
      if (candidates.stream().noneMatch(d -> java.util.Arrays.equals(c, d))) {
        candidates.add(c);
      }
    }
    assertThat(candidates.size()).isBetween(40, 50);
    int copies = 2000;
    Dataset out = Augmentation.cropAndFlip(2).copies(image, copies, new SplittableRandom(3));
    assertThat(out.size()).isEqualTo(copies);
    int[] seen = new int[candidates.size()];
    for (int i = 0; i < copies; i++) {
      float[] copy = row(out, i);
      int match = -1;
      for (int c = 0; c < candidates.size(); c++) {
        if (java.util.Arrays.equals(copy, candidates.get(c))) {
          match = c;
        }
      }
      assertThat(match).as("copy %d is a crop of the padded image", i).isNotNegative();
      seen[match]++;
      assertThat(out.labels()[i]).isEqualTo(7f);
    }
    // uniform over 50 draws: at least 40 expected per image; below 15 has probability < 1e-6
    for (int c = 0; c < seen.length; c++) {
      assertThat(seen[c]).as("outcome %d", c).isGreaterThan(15);
    }
  }

  @Test
  void cropWithoutFlipAndFlipAlone() {
    Dataset image = image();
    List<float[]> crops = candidates(image.features(), 1, false);
    Dataset out = Augmentation.crop(1).copies(image, 200, new SplittableRandom(4));
    for (int i = 0; i < out.size(); i++) {
      float[] copy = row(out, i);
      assertThat(crops.stream().anyMatch(c -> java.util.Arrays.equals(c, copy))).isTrue();
    }
    Dataset flipped = Augmentation.flip().copies(image, 100, new SplittableRandom(5));
    float[] mirrored = candidates(image.features(), 0, true).get(1);
    int mirroredCount = 0;
    for (int i = 0; i < flipped.size(); i++) {
      float[] copy = row(flipped, i);
      boolean isMirror = java.util.Arrays.equals(copy, mirrored);
      assertThat(isMirror || java.util.Arrays.equals(copy, image.features())).isTrue();
      mirroredCount += isMirror ? 1 : 0;
    }
    assertThat(mirroredCount).isBetween(25, 75);
  }

  @Test
  void copiesAreLaidOutPerExampleAndNoneCopiesExactly() {
    float[] x = new float[2 * 3 * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    Dataset batch = new Dataset(x, new long[] {3, 3}, new float[] {0, 1}, new long[0]);
    Dataset same = Augmentation.none().copies(batch, 3, new SplittableRandom(1));
    assertThat(same.labels()).containsExactly(0, 0, 0, 1, 1, 1);
    for (int j = 0; j < 3; j++) {
      assertThat(row(same, j)).containsExactly(row(batch, 0));
      assertThat(row(same, 3 + j)).containsExactly(row(batch, 1));
    }
  }

  @Test
  void refusesWhatItCannotAugment() {
    assertThatThrownBy(() -> Augmentation.crop(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crop padding must be >= 1");
    assertThatThrownBy(() -> Augmentation.cropAndFlip(4).validate(new long[] {4, 8, 1}))
        .hasMessageContaining("below the image's height and width");
    assertThatThrownBy(() -> Augmentation.flip().validate(new long[] {10}))
        .hasMessageContaining("[height, width] or [height, width, channels]");
    assertThat(Augmentation.cropAndFlip(4)).hasToString("crop(4)+flip");
  }
}
