package io.dp4j.nn.train;

import io.dp4j.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;

/**
 * What one training step is fed: the batch as the graph takes it and the values of a {@link
 * GradientTransform}'s own inputs. Owns the tensors added with {@link #feed}; close it after the
 * step's {@code Session.run}.
 */
public final class StepFeed implements AutoCloseable {
  private final Dataset fedBatch;
  private final int[] slots;
  private final List<Operand<?>> inputs = new ArrayList<>();
  private final List<Tensor> values = new ArrayList<>();

  /**
   * @param fedBatch the examples fed to the graph
   * @param slots for each fed example, the index in the sampled batch of the example it holds, or
   *     -1 for padding (weight 0, left out of the loss and metrics); null when the batch is fed as
   *     it was sampled
   */
  public StepFeed(Dataset fedBatch, int[] slots) {
    this.fedBatch = Objects.requireNonNull(fedBatch, "fedBatch");
    this.slots = slots == null ? null : slots.clone();
  }

  /** Feeds {@code value} to {@code input}; the feed takes ownership of the tensor. */
  public StepFeed feed(Operand<?> input, Tensor value) {
    inputs.add(Objects.requireNonNull(input, "input"));
    values.add(Objects.requireNonNull(value, "value"));
    return this;
  }

  public Dataset fedBatch() {
    return fedBatch;
  }

  /** See the constructor; null when the batch is fed as sampled. */
  public int[] slots() {
    return slots == null ? null : slots.clone();
  }

  public List<Operand<?>> inputs() {
    return List.copyOf(inputs);
  }

  public List<Tensor> values() {
    return List.copyOf(values);
  }

  @Override
  public void close() {
    values.forEach(Tensor::close);
  }
}
