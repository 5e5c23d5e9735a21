package io.dp4j.nn.train;

/**
 * Training stopped because a weight became NaN or infinite after a step (a learning rate or a
 * clipping norm too large for the model, usually). The weights of that step are not finite, so
 * nothing should be saved from the model after it; a checkpoint written earlier holds the last
 * finite state.
 */
public final class NonFiniteWeightsException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final long step;

  public NonFiniteWeightsException(long step, int epoch, int stepOfEpoch) {
    super(
        "a weight became NaN or infinite at step "
            + step
            + " (epoch "
            + (epoch + 1)
            + ", step "
            + (stepOfEpoch + 1)
            + " of the epoch): training stopped; lower the learning rate (or the clipping norm)");
    this.step = step;
  }

  /** The model's step count (1-based, all fits) after which the weights were not finite. */
  public long step() {
    return step;
  }
}
