package io.dp4j.nn.optimizers;

import io.dp4j.nn.optimizers.schedules.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyGradientDescent;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * SGD with (Nesterov) momentum whose learning rate follows a {@link LearningRateSchedule} of the
 * optimizer's step: tensorflow-framework's {@code GradientDescent} and {@code Momentum} take a
 * constant rate only. The step is a float32 variable {@code iterations} (Keras' {@code
 * optimizer.iterations}), advanced after every update and saved with the optimizer state, so a
 * resumed run continues the schedule; the momentum slots are named as the framework's ({@code
 * <var>-momentum}). The update is TensorFlow's {@code ApplyMomentum}: {@code a = m·a + g; w -=
 * lr·a} ({@code w -= lr·(g + m·a)} with Nesterov), or {@code w -= lr·g} without momentum.
 */
final class ScheduledSgd extends org.tensorflow.framework.optimizers.Optimizer {
  private final LearningRateSchedule schedule;
  private final float momentum;
  private final boolean nesterov;
  private Variable<TFloat32> iterations;
  private Operand<TFloat32> learningRate;

  ScheduledSgd(Graph graph, LearningRateSchedule schedule, float momentum, boolean nesterov) {
    super(graph, momentum > 0 ? "Momentum" : "GradientDescent");
    this.schedule = schedule;
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    if (momentum > 0) {
      for (Output<? extends TType> v : variables) {
        createMomentumSlot(v);
      }
    }
    Ops init = tf.withInitScope();
    iterations = init.withName("iterations").variable(Shape.scalar(), TFloat32.class);
    init.assign(iterations, tf.constant(0f));
  }

  private <T extends TType> void createMomentumSlot(Output<T> v) {
    createSlot(v, "momentum", tf.fill(tf.shape(v), tf.dtypes.cast(tf.constant(0f), v.type())));
  }

  @Override
  protected Optional<Op> prepare(String scopeName) {
    learningRate = tf.withName("learning_rate").identity(schedule.learningRate(tf, iterations));
    return Optional.empty();
  }

  @Override
  protected <T extends TType> Op applyDense(Ops ops, Output<T> gradient, Output<T> variable) {
    Class<T> type = gradient.type();
    Operand<T> lr = ops.dtypes.cast(learningRate, type);
    if (momentum == 0) {
      return ops.train.applyGradientDescent(
          variable, lr, gradient, ApplyGradientDescent.useLocking(true));
    }
    Variable<T> accumulator = getSlot(variable, "momentum").orElseThrow();
    return ops.train.applyMomentum(
        variable,
        accumulator,
        lr,
        gradient,
        ops.dtypes.cast(ops.constant(momentum), type),
        ApplyMomentum.useNesterov(nesterov),
        ApplyMomentum.useLocking(true));
  }

  @Override
  protected Op finish(List<Op> updateOperations, String name) {
    // advanced only after every update has read this step's learning rate
    Ops after = tf.withControlDependencies(new ArrayList<>(updateOperations));
    List<Op> all = new ArrayList<>(updateOperations);
    all.add(after.assignAdd(iterations, after.constant(1f)));
    return super.finish(all, name);
  }

  @Override
  public String getOptimizerName() {
    return momentum > 0 ? "Momentum" : "GradientDescent";
  }
}
