package io.dp4j.nn.train;

import java.util.List;

/**
 * What a {@link TrainingListener} may do to the model it observes (Keras' {@code callback.model}):
 * read and restore its weights, and ask {@code fit} to stop.
 */
public interface TrainableModel {
  /** The weights, one row-major array per parameter. */
  List<float[]> getWeights();

  /** Sets the weights, in the order of {@link #getWeights()}. */
  void setWeights(List<float[]> weights);

  /**
   * Asks the running {@code fit} to stop after the current step (Keras' {@code model.stop_training
   * = True}); the epoch in progress is then still reported to the listeners and the history.
   */
  void stopTraining();

  /**
   * Whether the running {@code fit} trains with DP-SGD: then its training loss and metrics are not
   * covered by the privacy guarantee, and a listener must not let them steer training.
   */
  default boolean isDifferentiallyPrivate() {
    return false;
  }

  /**
   * Whether the running {@code fit} evaluates validation data the caller declared not private
   * ({@link io.dp4j.data.Dataset#declaredNotPrivate()}): its {@code val_} metrics may then steer DP
   * training.
   */
  default boolean validationDeclaredNotPrivate() {
    return false;
  }
}
