package io.dp4j.nn.train;

/** The ROC AUC by its definition, independent of {@link RocAuc}'s sorting: for tests. */
public final class BruteForceAuc {
  private BruteForceAuc() {}

  /** Every (positive, negative) pair: 1 if ordered correctly, 1/2 if tied; O(n^2). */
  public static double of(float[] scores, boolean[] positive) {
    double correct = 0;
    long pairs = 0;
    for (int i = 0; i < scores.length; i++) {
      for (int j = 0; j < scores.length; j++) {
        if (positive[i] && !positive[j]) {
          pairs++;
          if (scores[i] > scores[j]) {
            correct += 1;
          } else if (scores[i] == scores[j]) {
            correct += 0.5;
          }
        }
      }
    }
    return correct / pairs;
  }
}
