package io.dp4j.privacy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.data.Dataset;
import io.dp4j.privacy.SecureGaussianNoise;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The released channel moments against a float64 computation of each example's clipped matrix, with
 * the same seeded normals; the map against its defining identity P²(R + λēI) = ē(1+λ)I; the
 * transform against float64 products.
 */
class ChannelWhiteningTest {
  private static final int POSITIONS = 6;
  private static final int CHANNELS = 5;

  private static SecureGaussianNoise seeded(long seed) {
    return new SecureGaussianNoise(new SplittableRandom(seed)::nextBytes);
  }

  /** n examples of POSITIONS × CHANNELS values; example i scaled by scales[i % scales.length]. */
  private static Dataset features(int n, double[] scales, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * POSITIONS * CHANNELS];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < POSITIONS * CHANNELS; k++) {
        // channels of unequal scale, as scattering orders are
        int channel = k % CHANNELS;
        x[i * POSITIONS * CHANNELS + k] =
            (float) (scales[i % scales.length] * r.nextGaussian() / (1 + 3 * channel));
      }
    }
    return new Dataset(x, new long[] {POSITIONS * CHANNELS}, new float[n], new long[0]);
  }

  /** Σ_i M_i·min(1, C/‖M_i‖_F), M_i = (1/p) Σ_p x xᵀ, in float64 one example at a time. */
  private static double[][] clippedSum(Dataset d, double clip) {
    double[][] sum = new double[CHANNELS][CHANNELS];
    float[] x = d.features();
    for (int i = 0; i < d.size(); i++) {
      double[][] m = new double[CHANNELS][CHANNELS];
      double squares = 0;
      for (int a = 0; a < CHANNELS; a++) {
        for (int b = 0; b < CHANNELS; b++) {
          for (int p = 0; p < POSITIONS; p++) {
            int base = (i * POSITIONS + p) * CHANNELS;
            m[a][b] += (double) x[base + a] * x[base + b] / POSITIONS;
          }
          squares += m[a][b] * m[a][b];
        }
      }
      double norm = Math.sqrt(squares);
      double factor = Double.isFinite(norm) ? Math.min(1, clip / norm) : 0;
      for (int a = 0; a < CHANNELS; a++) {
        for (int b = 0; b < CHANNELS; b++) {
          sum[a][b] += factor == 0 ? 0 : m[a][b] * factor;
        }
      }
    }
    return sum;
  }

  @Test
  void releaseIsTheClippedSumPlusSymmetricNoiseOfSigmaTimesClip() {
    // scales 0.3 and 3: some examples' matrices are below the clip norm, some far above
    Dataset d = features(40, new double[] {0.3, 3, 1}, 1);
    double clip = 0.5;
    double sigma = 0.7;
    ChannelWhitening w = ChannelWhitening.release(d, CHANNELS, clip, sigma, 0.1, seeded(9));
    double[][] expected = clippedSum(d, clip);
    float[] z = seeded(9).next(CHANNELS * (CHANNELS + 1) / 2);
    int k = 0;
    for (int a = 0; a < CHANNELS; a++) {
      for (int b = a; b < CHANNELS; b++) {
        expected[a][b] += sigma * clip * z[k];
        if (a != b) {
          expected[b][a] += sigma * clip * z[k];
        }
        k++;
      }
    }
    double[][] released = w.released();
    for (int a = 0; a < CHANNELS; a++) {
      for (int b = 0; b < CHANNELS; b++) {
        // float64 sums of 40 clipped terms, each of p products: a few ulps of the sum's size
        assertThat(released[a][b]).isCloseTo(expected[a][b], within(1e-12 * 40 * clip));
      }
    }
    assertThat(w.event()).isEqualTo(new PoissonSampledDpEvent(1.0, new GaussianDpEvent(sigma)));
  }

  @Test
  void anExampleThatIsNotFiniteContributesNothing() {
    Dataset d = features(8, new double[] {1}, 2);
    float[] x = d.features().clone();
    x[3 * POSITIONS * CHANNELS + 4] = Float.NaN;
    x[5 * POSITIONS * CHANNELS] = Float.POSITIVE_INFINITY;
    Dataset bad = new Dataset(x, d.exampleShape(), d.labels(), d.labelShape());
    double[][] released =
        ChannelWhitening.release(bad, CHANNELS, 1, 1e-6, 0.1, seeded(3)).released();
    double[][] expected = clippedSum(bad, 1);
    for (int a = 0; a < CHANNELS; a++) {
      for (int b = 0; b < CHANNELS; b++) {
        assertThat(released[a][b]).isFinite().isCloseTo(expected[a][b], within(1e-5));
      }
    }
  }

  @Test
  void mapSatisfiesItsDefiningIdentity() {
    double ridge = 0.1;
    ChannelWhitening w =
        ChannelWhitening.release(
            features(200, new double[] {1}, 4), CHANNELS, 100, 1e-6, ridge, seeded(5));
    // R is positive definite here (200 examples of 6 positions, tiny noise): no eigenvalue clamped
    double[][] r = w.released();
    double[][] p = w.map();
    double mean = 0;
    for (int a = 0; a < CHANNELS; a++) {
      mean += r[a][a] / CHANNELS;
    }
    double[][] shifted = r;
    for (int a = 0; a < CHANNELS; a++) {
      shifted[a][a] += ridge * mean;
    }
    double[][] lhs = times(times(p, p), shifted);
    for (int a = 0; a < CHANNELS; a++) {
      for (int b = 0; b < CHANNELS; b++) {
        assertThat(p[a][b]).isCloseTo(p[b][a], within(1e-12));
        // eigensolver round-off, amplified by the condition number (channels scaled 1 to 1/13)
        assertThat(lhs[a][b]).isCloseTo(a == b ? mean * (1 + ridge) : 0, within(1e-9 * mean));
      }
    }
  }

  @Test
  void applyMultipliesEachPositionByTheMap() {
    Dataset d = features(30, new double[] {1, 2}, 6);
    ChannelWhitening w = ChannelWhitening.release(d, CHANNELS, 1, 0.5, 0.1, seeded(7));
    double[][] p = w.map();
    Dataset t = w.apply(d);
    assertThat(t.labels()).isSameAs(d.labels());
    assertThat(t.exampleShape()).isEqualTo(d.exampleShape());
    float[] x = d.features();
    for (int row = 0; row < d.size() * POSITIONS; row++) {
      for (int a = 0; a < CHANNELS; a++) {
        double exact = 0;
        double magnitude = 0;
        for (int b = 0; b < CHANNELS; b++) {
          exact += p[a][b] * x[row * CHANNELS + b];
          magnitude += Math.abs(p[a][b] * x[row * CHANNELS + b]);
        }
        // float32 products of P rounded to float32: (c + 1) roundings of the magnitude, twice
        double bound = 2 * (CHANNELS + 1) * Math.ulp(1f) * magnitude;
        assertThat((double) t.features()[row * CHANNELS + a]).isCloseTo(exact, within(bound));
      }
    }
  }

  @Test
  void noiseHasTheStatedStandardDeviation() {
    int c = 40;
    // zero features: the release is the noise alone
    Dataset zeros = new Dataset(new float[50 * c], new long[] {c}, new float[50], new long[0]);
    double clip = 2;
    double sigma = 3;
    double[][] r = ChannelWhitening.release(zeros, c, clip, sigma, 0.1, seeded(11)).released();
    double squares = 0;
    int count = 0;
    for (int a = 0; a < c; a++) {
      for (int b = a; b < c; b++) {
        squares += r[a][b] * r[a][b];
        count++;
      }
    }
    double variance = squares / count / (sigma * clip * sigma * clip);
    // 820 squares of standard normals: their mean has standard deviation sqrt(2/820) = 0.049
    assertThat(variance).isCloseTo(1, within(5 * Math.sqrt(2.0 / count)));
  }

  @Test
  void badArgumentsAreRefusedByName() {
    Dataset d = features(4, new double[] {1}, 8);
    assertThatThrownBy(() -> ChannelWhitening.release(d, 7, 1, 1, 0.1, seeded(1)))
        .hasMessageContaining("channels must be >= 1 and divide the 30 values");
    assertThatThrownBy(() -> ChannelWhitening.release(d, CHANNELS, 0, 1, 0.1, seeded(1)))
        .hasMessageContaining("clipNorm must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> ChannelWhitening.release(d, CHANNELS, 1, Double.NaN, 0.1, seeded(1)))
        .hasMessageContaining("noiseMultiplier must be finite and > 0, got NaN");
    assertThatThrownBy(() -> ChannelWhitening.release(d, CHANNELS, 1, 1, -1, seeded(1)))
        .hasMessageContaining("ridge must be finite and > 0, got -1.0");
  }

  private static double[][] times(double[][] a, double[][] b) {
    int n = a.length;
    double[][] c = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        for (int k = 0; k < n; k++) {
          c[i][j] += a[i][k] * b[k][j];
        }
      }
    }
    return c;
  }
}
