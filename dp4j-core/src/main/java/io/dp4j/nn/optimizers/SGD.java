package io.dp4j.nn.optimizers;

import io.dp4j.nn.optimizers.schedules.LearningRateSchedule;
import java.util.Objects;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.framework.optimizers.GradientDescent;
import org.tensorflow.framework.optimizers.Momentum;

/**
 * Stochastic gradient descent with optional momentum (Polyak 1964) or Nesterov momentum (Sutskever
 * et al. 2013), as TensorFlow applies them: {@code a = m·a + g; w -= lr·a}, Nesterov {@code w -=
 * lr·(g + m·a)}; Keras defaults lr 0.01, momentum 0. The learning rate may follow a {@link
 * LearningRateSchedule} of the optimizer's step (Keras' {@code SGD(learning_rate=schedule)}).
 */
public class SGD implements Optimizer {
  private final float learningRate;
  private final float momentum;
  private final boolean nesterov;
  private final LearningRateSchedule schedule;

  public SGD() {
    this(0.01f);
  }

  public SGD(float learningRate) {
    this(learningRate, 0f, false);
  }

  public SGD(float learningRate, float momentum) {
    this(learningRate, momentum, false);
  }

  public SGD(float learningRate, float momentum, boolean nesterov) {
    this(learningRate, momentum, nesterov, null);
  }

  /**
   * SGD whose learning rate follows {@code schedule} (evaluated in the step on the optimizer's
   * {@code iterations}, which the optimizer state saves).
   */
  public SGD(LearningRateSchedule schedule, float momentum, boolean nesterov) {
    this(
        (float) Objects.requireNonNull(schedule, "schedule").learningRate(0),
        momentum,
        nesterov,
        schedule);
  }

  private SGD(float learningRate, float momentum, boolean nesterov, LearningRateSchedule schedule) {
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.schedule = schedule;
  }

  @Override
  public float learningRate() {
    return learningRate;
  }

  public float momentum() {
    return momentum;
  }

  public boolean nesterov() {
    return nesterov;
  }

  /** The learning-rate schedule, empty for a constant rate. */
  public Optional<LearningRateSchedule> schedule() {
    return Optional.ofNullable(schedule);
  }

  @Override
  public org.tensorflow.framework.optimizers.Optimizer create(Graph graph) {
    if (schedule != null) {
      return new ScheduledSgd(graph, schedule, momentum, nesterov);
    }
    if (momentum == 0f && !nesterov) {
      return new GradientDescent(graph, learningRate);
    }
    return new Momentum(graph, learningRate, momentum, nesterov);
  }

  @Override
  public String toString() {
    return "SGD(learningRate="
        + (schedule != null ? schedule : learningRate)
        + ", momentum="
        + momentum
        + (nesterov ? ", nesterov" : "")
        + ")";
  }
}
