package io.dp4j.nn.train;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a {@link Trainer} drives: a compiled model that takes one training step per batch ({@link
 * io.dp4j.nn.Sequential} is one). The trainer owns the loop; the model owns the graph.
 */
public interface StepModel extends TrainableModel {
  /**
   * Readies the model for a fit on {@code data}: refuses a model with nothing to train and a label
   * the loss cannot take, clears a stop request, and notes whether {@code validationData} is
   * declared not private.
   */
  void beginFit(Dataset data, Dataset validationData);

  /**
   * The examples the fit's steps gather their batches from, by the sampler's indices: {@code data}
   * itself by default; a model may return per-example features of {@code data} it is then fed in
   * their place until {@link #endFit} ({@link io.dp4j.nn.Sequential}: its fixed front end's).
   * Called once per fit, after {@link #beginFit}.
   */
  default Dataset trainingData(Dataset data) {
    return data;
  }

  /** Called when the fit's steps are over, normally or not, before the listeners hear of it. */
  default void endFit() {}

  /** Whether a listener asked the running fit to stop ({@link #stopTraining()}). */
  boolean stopRequested();

  /** Fresh accumulators of the compiled metrics. */
  EpochMetrics newEpochMetrics();

  /**
   * One training step on {@code batch}: one {@code Session.run} that computes the gradients (or the
   * compiled {@link GradientTransform}'s), applies the optimizer's update, reads the loss and
   * metrics of the step's own forward pass into {@code metrics}, and checks the weights; the step
   * counter advances.
   */
  StepResult trainOnBatch(Dataset batch, BatchSampler sampler, EpochMetrics metrics);

  /** The mean loss and metrics over {@code data} (inference). */
  Map<String, Double> evaluate(Dataset data);

  /** Optimizer steps taken. */
  long steps();

  /** The listeners to tell about the fit. */
  List<TrainingListener> listeners();

  /** ε so far at the δ to follow, when the compiled step is DP and one was set. */
  OptionalDouble epsilon();
}
