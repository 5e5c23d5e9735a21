package io.dp4j.nn.train;

/** Metrics reported per epoch besides the loss. */
public enum Metric {
  /**
   * Fraction of correct predictions: arg-max against a class id (sparse labels), arg-max against
   * arg-max (one-hot labels), or threshold 0.5 (a single output).
   */
  ACCURACY,
  /**
   * Keras' {@code binary_accuracy} for sigmoid (multi-label) outputs: per example, the fraction of
   * outputs with {@code p > 0.5} equal to {@code y > 0.5} (0/1 labels), averaged over examples.
   * Outputs that are logits should use a sigmoid output layer, as in Keras' default threshold.
   */
  BINARY_ACCURACY,
  /**
   * Keras' {@code auc}: the area under the ROC curve of a binary classifier, positive class 1,
   * computed exactly ({@link RocAuc}: Mann–Whitney, ties counting 1/2) over all the examples of an
   * epoch or an evaluation, not averaged over batches. Keras approximates it with 200 thresholds;
   * this value is exact.
   *
   * <ul>
   *   <li>One output (sigmoid probability or logit) with labels 0/1: the output is the score. AUC
   *       depends only on the order of the scores, so logits give the same value as sigmoid
   *       probabilities.
   *   <li>Two outputs (two-class softmax) with class-id labels 0/1 or one-hot labels: the score of
   *       class 1, or {@code z1 - z0} when a softmax cross-entropy reads logits, which orders
   *       examples as the softmax probability of class 1 does.
   * </ul>
   *
   * <p>The training value is computed on the outputs of the forward pass each step already runs:
   * the batches seen during the epoch, with the weights of the time (and dropout active), as in
   * Keras. When the examples seen are all of one class, the AUC is undefined and reported as 0, as
   * Keras does, with a warning logged (an epoch of no examples reports NaN, as its loss). Labels
   * other than 0 and 1 are refused. Refused at {@code compile} for models with more than two
   * outputs.
   */
  AUC;

  /** The Keras name, used as the history key. */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
