package io.dp4j.audit;

/**
 * L2-regularized logistic regression fitted by Newton's method (iteratively reweighted least
 * squares) in float64, on standardized features: the attack model of TF Privacy's {@code
 * LOGISTIC_REGRESSION} attack, small enough (a few features) to solve exactly. The ridge keeps the
 * fit finite when members and non-members are separable, as they are for a model that memorized.
 */
final class LogisticRegression {
  private static final double RIDGE = 1e-3;
  private static final int MAX_ITERATIONS = 100;

  private final double[] mean;
  private final double[] scale;
  private final double[] beta; // intercept last

  private LogisticRegression(double[] mean, double[] scale, double[] beta) {
    this.mean = mean;
    this.scale = scale;
    this.beta = beta;
  }

  /**
   * Fits P(y = 1 | x) = σ(β·x̃ + β₀) with x̃ the standardized x, minimizing the weighted negative
   * log-likelihood plus RIDGE/2·|β|² (the intercept is not penalized).
   *
   * @param x rows of features, all of the same length
   * @param y 0 or 1 per row
   * @param w weight per row, positive
   */
  static LogisticRegression fit(double[][] x, boolean[] y, double[] w) {
    int n = x.length;
    int d = x[0].length;
    double[] mean = new double[d];
    double[] scale = new double[d];
    double totalWeight = 0;
    for (int i = 0; i < n; i++) {
      totalWeight += w[i];
      for (int j = 0; j < d; j++) {
        mean[j] += w[i] * x[i][j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= totalWeight;
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double c = x[i][j] - mean[j];
        scale[j] += w[i] * c * c;
      }
    }
    for (int j = 0; j < d; j++) {
      double sd = Math.sqrt(scale[j] / totalWeight);
      scale[j] = sd > 0 ? sd : 1; // a constant feature carries nothing: leave it at 0
    }
    double[][] z = new double[n][d + 1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        z[i][j] = (x[i][j] - mean[j]) / scale[j];
      }
      z[i][d] = 1;
    }
    double[] beta = new double[d + 1];
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      // gradient g and Hessian H of the penalized loss
      double[] g = new double[d + 1];
      double[][] h = new double[d + 1][d + 1];
      for (int i = 0; i < n; i++) {
        double p = sigmoid(dot(beta, z[i]));
        double r = w[i] * (p - (y[i] ? 1 : 0));
        double s = w[i] * p * (1 - p);
        for (int a = 0; a <= d; a++) {
          g[a] += r * z[i][a];
          for (int b = 0; b <= a; b++) {
            h[a][b] += s * z[i][a] * z[i][b];
          }
        }
      }
      for (int a = 0; a <= d; a++) {
        for (int b = 0; b < a; b++) {
          h[b][a] = h[a][b];
        }
        if (a < d) {
          g[a] += RIDGE * totalWeight * beta[a];
          h[a][a] += RIDGE * totalWeight;
        }
      }
      h[d][d] += 1e-12 * totalWeight; // keeps H positive definite when every p is 0 or 1
      double[] step = choleskySolve(h, g);
      // Newton's step, halved until the penalized loss does not increase (it is convex)
      double before = loss(z, y, w, beta, totalWeight);
      double t = 1;
      double[] next = new double[d + 1];
      for (int halvings = 0; halvings < 40; halvings++, t /= 2) {
        for (int a = 0; a <= d; a++) {
          next[a] = beta[a] - t * step[a];
        }
        if (loss(z, y, w, next, totalWeight) <= before) {
          break;
        }
      }
      double change = 0;
      for (int a = 0; a <= d; a++) {
        change = Math.max(change, Math.abs(next[a] - beta[a]));
      }
      System.arraycopy(next, 0, beta, 0, d + 1);
      if (change < 1e-10) {
        break;
      }
    }
    return new LogisticRegression(mean, scale, beta);
  }

  /** The weighted negative log-likelihood plus the ridge term. */
  private static double loss(
      double[][] z, boolean[] y, double[] w, double[] beta, double totalWeight) {
    double s = 0;
    for (int i = 0; i < z.length; i++) {
      double t = dot(beta, z[i]);
      // −log σ(t) = log(1 + e^{−t}), −log(1 − σ(t)) = log(1 + e^{t})
      double u = y[i] ? -t : t;
      s += w[i] * (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));
    }
    double penalty = 0;
    for (int a = 0; a < beta.length - 1; a++) {
      penalty += beta[a] * beta[a];
    }
    return s + RIDGE * totalWeight * penalty / 2;
  }

  /** The fitted log-odds of y = 1 for x: a membership score. */
  double logOdds(double[] x) {
    double s = beta[beta.length - 1];
    for (int j = 0; j < mean.length; j++) {
      s += beta[j] * (x[j] - mean[j]) / scale[j];
    }
    return s;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double sigmoid(double t) {
    return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
  }

  /** Solves H·x = g for symmetric positive definite H. */
  private static double[] choleskySolve(double[][] h, double[] g) {
    int n = g.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = h[i][j];
        for (int k = 0; k < j; k++) {
          s -= l[i][k] * l[j][k];
        }
        l[i][j] = i == j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j][j];
      }
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = g[i];
      for (int k = 0; k < i; k++) {
        s -= l[i][k] * y[k];
      }
      y[i] = s / l[i][i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < n; k++) {
        s -= l[k][i] * x[k];
      }
      x[i] = s / l[i][i];
    }
    return x;
  }
}
