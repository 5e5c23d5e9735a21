package io.dp4j.nn.layers;

import org.jtransforms.fft.DoubleFFT_2D;

/**
 * The Fourier-domain filters of a 2-D scattering transform, as Kymatio defines them ({@code
 * kymatio/scattering2d/filter_bank.py}): J·L Morlet wavelets ψ_{j,θ} and one Gaussian low-pass φ,
 * each sampled on the padded M x N grid, transformed by a 2-D DFT of which only the real part is
 * kept (the filters are symmetric, so the imaginary part is round-off), then periodized to the
 * coarser grids {@code M/2^r x N/2^r} the transform works on after subsampling.
 *
 * <p>Computed in double precision (Kymatio accumulates them in complex64); the two differ by
 * float32 round-off, which the layer's float32 arithmetic matches anyway.
 */
final class MorletFilterBank {
  private final int rows;
  private final int cols;
  private final int scales;
  private final int angles;

  /** Real part of the DFT of each wavelet, index {@code j·L + θ}, on the M x N grid. */
  private final double[][][] psi;

  private final double[][] phi;

  /**
   * @param rows M, the padded height
   * @param cols N, the padded width
   * @param scales J
   * @param angles L
   */
  MorletFilterBank(int rows, int cols, int scales, int angles) {
    this.rows = rows;
    this.cols = cols;
    this.scales = scales;
    this.angles = angles;
    psi = new double[scales * angles][][];
    for (int j = 0; j < scales; j++) {
      for (int t = 0; t < angles; t++) {
        // Kymatio's parameters, tuned by its authors for L = 8: the angle runs from
        // (floor(L/2) - 1)·π/L down, the envelope widens and the frequency halves with j
        double theta = ((int) (angles - angles / 2.0 - 1) - t) * Math.PI / angles;
        double sigma = 0.8 * Math.pow(2, j);
        double xi = 3.0 / 4.0 * Math.PI / Math.pow(2, j);
        psi[j * angles + t] = realDft(morlet(rows, cols, sigma, theta, xi, 4.0 / angles));
      }
    }
    phi = realDft(gabor(rows, cols, 0.8 * Math.pow(2, scales - 1), 0, 0, 1));
  }

  /** φ periodized to the grid subsampled by 2^res, {@code [M/2^res][N/2^res]}. */
  double[][] phi(int res) {
    return periodize(phi, res);
  }

  /** ψ_{j,θ} periodized to the grid subsampled by 2^res. */
  double[][] psi(int j, int theta, int res) {
    return periodize(psi[j * angles + theta], res);
  }

  int rows() {
    return rows;
  }

  int cols() {
    return cols;
  }

  int scales() {
    return scales;
  }

  /**
   * Kymatio's {@code periodize_filter_fft}: zeroes the frequencies that would alias (the middle
   * band of each axis, keeping {@code M/2^(res+1)} at each end), then sums the 2^res x 2^res
   * blocks, so that multiplying a subsampled signal's DFT by the result is filtering before
   * subsampling.
   */
  static double[][] periodize(double[][] x, int res) {
    int m = x.length;
    int n = x[0].length;
    int k = 1 << res;
    int startRow = (int) (m * Math.pow(2, -res - 1));
    int endRow = startRow + (int) (m * (1 - Math.pow(2, -res)));
    int startCol = (int) (n * Math.pow(2, -res - 1));
    int endCol = startCol + (int) (n * (1 - Math.pow(2, -res)));
    double[][] crop = new double[m / k][n / k];
    for (int r = 0; r < m; r++) {
      if (r >= startRow && r < endRow) {
        continue;
      }
      for (int c = 0; c < n; c++) {
        if (c >= startCol && c < endCol) {
          continue;
        }
        crop[r % (m / k)][c % (n / k)] += x[r][c];
      }
    }
    return crop;
  }

  /**
   * Kymatio's {@code morlet_2d}: a Gabor filter minus its Gaussian envelope times the constant that
   * gives the difference zero mean, so the wavelet has no low-frequency response. Interleaved
   * complex rows {@code [M][2N]}.
   */
  static double[][] morlet(int m, int n, double sigma, double theta, double xi, double slant) {
    double[][] wave = gabor(m, n, sigma, theta, xi, slant);
    double[][] envelope = gabor(m, n, sigma, theta, 0, slant);
    double[] w = sum(wave);
    double[] e = sum(envelope);
    double norm = e[0] * e[0] + e[1] * e[1];
    double kr = (w[0] * e[0] + w[1] * e[1]) / norm;
    double ki = (w[1] * e[0] - w[0] * e[1]) / norm;
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < n; c++) {
        double er = envelope[r][2 * c];
        double ei = envelope[r][2 * c + 1];
        wave[r][2 * c] -= kr * er - ki * ei;
        wave[r][2 * c + 1] -= kr * ei + ki * er;
      }
    }
    return wave;
  }

  /**
   * Kymatio's {@code gabor_2d}: {@code g_σ(u)·exp(i ξ (cos θ, sin θ)·u)} with an elliptic Gaussian
   * g (axis ratio {@code slant}, rotated by θ), summed over the 5 x 5 nearest periods of the grid
   * so it is periodic. Interleaved complex rows {@code [M][2N]}.
   */
  static double[][] gabor(int m, int n, double sigma, double theta, double xi, double slant) {
    // Kymatio builds the rotation in float32; rounding cos and sin the same way keeps the
    // envelope's quadratic form equal to its own to double precision
    double cos = (float) Math.cos(theta);
    double sin = (float) Math.sin(theta);
    double[][] rotation = {{cos, -sin}, {sin, cos}};
    double[][] inverse = {{cos, sin}, {-sin, cos}};
    double[][] scaled = {{1, 0}, {0, slant * slant}};
    double[][] curv = times(rotation, times(scaled, inverse));
    double denominator = 2 * sigma * sigma;
    double a = curv[0][0] / denominator;
    double b = (curv[0][1] + curv[1][0]) / denominator;
    double d = curv[1][1] / denominator;
    double fx = xi * Math.cos(theta);
    double fy = xi * Math.sin(theta);
    double[][] out = new double[m][2 * n];
    for (int ex = -2; ex <= 2; ex++) {
      for (int ey = -2; ey <= 2; ey++) {
        for (int r = 0; r < m; r++) {
          double x = r + ex * m;
          for (int c = 0; c < n; c++) {
            double y = c + ey * n;
            double magnitude = Math.exp(-(a * x * x + b * x * y + d * y * y));
            double phase = x * fx + y * fy;
            out[r][2 * c] += magnitude * Math.cos(phase);
            out[r][2 * c + 1] += magnitude * Math.sin(phase);
          }
        }
      }
    }
    // Kymatio's normalization, with its literal 3.1415 for π: part of the definition matched
    double norm = 2 * 3.1415 * sigma * sigma / slant;
    for (double[] row : out) {
      for (int i = 0; i < row.length; i++) {
        row[i] /= norm;
      }
    }
    return out;
  }

  /** The real part of the 2-D DFT (numpy's {@code fft2} sign) of interleaved complex rows. */
  private static double[][] realDft(double[][] interleaved) {
    int m = interleaved.length;
    int n = interleaved[0].length / 2;
    new DoubleFFT_2D(m, n).complexForward(interleaved);
    double[][] real = new double[m][n];
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < n; c++) {
        real[r][c] = interleaved[r][2 * c];
      }
    }
    return real;
  }

  private static double[] sum(double[][] interleaved) {
    double re = 0;
    double im = 0;
    for (double[] row : interleaved) {
      for (int i = 0; i < row.length; i += 2) {
        re += row[i];
        im += row[i + 1];
      }
    }
    return new double[] {re, im};
  }

  private static double[][] times(double[][] p, double[][] q) {
    return new double[][] {
      {p[0][0] * q[0][0] + p[0][1] * q[1][0], p[0][0] * q[0][1] + p[0][1] * q[1][1]},
      {p[1][0] * q[0][0] + p[1][1] * q[1][0], p[1][0] * q[0][1] + p[1][1] * q[1][1]}
    };
  }
}
