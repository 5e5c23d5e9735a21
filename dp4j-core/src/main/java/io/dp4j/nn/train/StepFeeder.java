package io.dp4j.nn.train;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import java.util.OptionalDouble;

/**
 * The extension point of the training step, host side: what a {@link GradientTransform} built needs
 * fed at every step (for DP-SGD: the clipping units, noise seeds, the normalizer), and what it
 * reports back to the training loop.
 */
public interface StepFeeder {
  /**
   * The feed of one training step, called right before its {@code Session.run}: the batch as the
   * graph takes it (possibly rearranged or padded) and the values of the transform's own inputs.
   * Anything that must be recorded before the step's update is computed (DP-SGD's privacy event) is
   * recorded here.
   *
   * @param batch the sampled batch, possibly empty
   * @param sampler the sampler that drew it (sampling mode, expected batch size, rate)
   * @param step the model's step counter before this step
   */
  StepFeed prepare(Dataset batch, BatchSampler sampler, long step);

  /** Called when a {@link Trainer} starts a fit with this step. */
  default void onTrainingBegin() {}

  /**
   * The privacy loss ε spent so far at the δ the user asked to follow, for epoch events and the
   * history; empty when not DP or no δ was set.
   */
  default OptionalDouble epsilon() {
    return OptionalDouble.empty();
  }
}
