package io.dp4j.nn.losses;

/**
 * A training label the compiled loss cannot take for the model's output (a class index outside the
 * model's classes, a one-hot or binary target outside [0, 1]). Thrown by {@code Sequential.fit}
 * before its first step. The message names the example (0-based) and the rule, never the value,
 * which may be private data; a caller that read the examples from a file maps {@link #example()} to
 * its line.
 */
public final class InvalidLabelException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final int example;
  private final String rule;

  public InvalidLabelException(int example, String rule) {
    super(
        "the label of example "
            + example
            + " (0-based) is not one the loss takes for this model: "
            + rule
            + " (the value is not shown: it may be private)");
    this.example = example;
    this.rule = rule;
  }

  /** The 0-based index of the first example whose label is refused. */
  public int example() {
    return example;
  }

  /** What the loss takes, e.g. "a class index 0, 1 or 2 (the model's 3 classes)". */
  public String rule() {
    return rule;
  }
}
