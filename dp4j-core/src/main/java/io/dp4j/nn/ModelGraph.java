package io.dp4j.nn;

import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.layers.ParametricLayer;
import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.train.GradientTransform;
import io.dp4j.nn.train.ParameterAveraging;
import io.dp4j.nn.train.StepFeeder;
import io.dp4j.nn.train.StepGraph;
import io.dp4j.nn.train.StepGraph.TrainableLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/** The graph of a compiled model: forward passes, loss, metrics and one training step. */
final class ModelGraph implements AutoCloseable {
  final Graph graph;
  final Session session;
  final Ops tf;
  final Placeholder<TFloat32> x;
  final Placeholder<TFloat32> y;
  final List<Variable<TFloat32>> variables = new ArrayList<>();
  final List<ParameterSpec> specs = new ArrayList<>();

  /**
   * The variables of the layers that train, in the order of {@link #variables}; a frozen layer's
   * ({@link Layer#setTrainable}) are in {@link #variables} only: they get no gradient and no
   * update.
   */
  final List<Variable<TFloat32>> trainableVariables = new ArrayList<>();

  final List<ParameterSpec> trainableSpecs = new ArrayList<>();
  final List<Placeholder<TFloat32>> assignInputs = new ArrayList<>();
  final List<Op> assignOps = new ArrayList<>();
  final Operand<TFloat32> prediction;
  final Operand<TFloat32> evalLoss;

  /** Per-example values {@code [b]} of each compiled metric, inference graph. */
  final List<Operand<TFloat32>> evalMetrics = new ArrayList<>();

  /**
   * With {@link io.dp4j.nn.train.Metric#AUC} compiled: each example's label of class 1 {@code [b]},
   * to be checked as 0 or 1; null otherwise.
   */
  final Operand<TFloat32> aucLabels;

  final Operand<TFloat32> trainLoss;

  /** Per-example values {@code [b]} of each compiled metric, training graph. */
  final List<Operand<TFloat32>> trainMetrics = new ArrayList<>();

  final List<Output<?>> meanLossGradients;
  final Op trainOp;

  /**
   * Whether every variable holds only finite values after the step's update (a scalar; true without
   * variables): fetched by the training step's own {@code Session.run}, after {@link #trainOp} by a
   * control dependency.
   */
  final Operand<TBool> weightsFiniteAfterStep;

  /**
   * With a fixed front end of k layers ({@link io.dp4j.nn.train.FrozenFrontEnd}): the training
   * forward pass's output of layer k - 1. Feeding it cached features instead of feeding {@link #x}
   * trains the rest of the model without recomputing the front end (a fed tensor cuts the graph
   * above it). Null without a front end.
   */
  final Operand<TFloat32> trainFeatures;

  /** The inference forward pass's output of the front end (null without one): the cached values. */
  final Operand<TFloat32> inferenceFeatures;

  /**
   * With parameter averaging: one average per variable (the inference graph computes with them),
   * their update after the training step (a target of every step's run), and the assignments that
   * reset them with the weights ({@link #emaResets}, fed {@link #assignInputs}) or copy them into
   * the weights ({@link #emaFinalize}). Empty or null without averaging.
   */
  final List<Variable<TFloat32>> averages = new ArrayList<>();

  final List<Op> emaResets = new ArrayList<>();
  final Op emaUpdate;
  final Op emaFinalize;

  /** The compiled gradient transform, or null for plain backpropagation. */
  final GradientTransform transform;

  /** Feeds the transform's inputs at every step; null without a transform. */
  final StepFeeder feeder;

  /**
   * The optimizer's own variables (slots such as Adam's m and v, momentum or RMSprop/Adagrad
   * accumulators, and non-slot variables such as Adam's beta powers), keyed portably: a slot of
   * weight i named {@code <weight>-<slot>} in the graph is keyed {@code weight_<i>-<slot>}, so the
   * key does not depend on the layer names; other variables keep their graph name.
   */
  final List<String> optimizerKeys = new ArrayList<>();

  final List<Output<TFloat32>> optimizerVariables = new ArrayList<>();
  final List<Placeholder<TFloat32>> optimizerAssignInputs = new ArrayList<>();
  final List<Op> optimizerAssignOps = new ArrayList<>();

  /** Optimizer variables of a type other than float32, which cannot be saved or restored. */
  final List<String> unsupportedOptimizerVariables = new ArrayList<>();

  ModelGraph(
      List<Layer> layers,
      List<String> names,
      List<long[]> inputShapes,
      long[] outputShape,
      io.dp4j.nn.optimizers.Optimizer optimizer,
      GradientTransform transform,
      Loss loss,
      List<io.dp4j.nn.train.Metric> metrics,
      boolean useXla,
      long seed,
      ModelState state,
      int frontEnd,
      ParameterAveraging averaging) {
    this.transform = transform;
    CpuKernels.adviseOnce();
    graph = new Graph();
    boolean built = false;
    try {
      tf = Ops.create(graph);
      x =
          tf.withName("x")
              .placeholder(
                  TFloat32.class, Placeholder.shape(Tensors.batchShape(-1, inputShapes.get(0))));
      y = tf.withName("y").placeholder(TFloat32.class, Placeholder.shape(Shape.unknown()));
      List<List<Operand<TFloat32>>> params = new ArrayList<>();
      for (int l = 0; l < layers.size(); l++) {
        List<Operand<TFloat32>> layerParams = new ArrayList<>();
        for (ParameterSpec spec : layers.get(l).parameters(inputShapes.get(l))) {
          String name = names.get(l) + "_" + spec.name();
          Variable<TFloat32> v = tf.withName(name).variable(Shape.of(spec.shape()), TFloat32.class);
          Placeholder<TFloat32> in =
              tf.withName(name + "_value")
                  .placeholder(TFloat32.class, Placeholder.shape(Shape.of(spec.shape())));
          assignOps.add(tf.withName(name + "_assign").assign(v, in));
          assignInputs.add(in);
          variables.add(v);
          specs.add(spec);
          layerParams.add(v);
          if (layers.get(l).isTrainable()) {
            trainableVariables.add(v);
            trainableSpecs.add(spec);
          }
        }
        params.add(layerParams);
      }
      List<List<Operand<TFloat32>>> inferenceParams = params;
      Variable<TFloat32> updates = null;
      if (averaging != null) {
        updates = tf.withName("ema_updates").variable(Shape.scalar(), TFloat32.class);
        inferenceParams = new ArrayList<>();
        int i = 0;
        for (List<Operand<TFloat32>> layerParams : params) {
          List<Operand<TFloat32>> averaged = new ArrayList<>();
          for (int j = 0; j < layerParams.size(); j++, i++) {
            Variable<TFloat32> v = variables.get(i);
            Variable<TFloat32> a =
                tf.withName(v.op().name() + "-ema")
                    .variable(Shape.of(specs.get(i).shape()), TFloat32.class);
            averages.add(a);
            averaged.add(a);
            emaResets.add(tf.assign(a, assignInputs.get(i)));
          }
          inferenceParams.add(averaged);
        }
        emaResets.add(tf.assign(updates, tf.constant(0f)));
      }

      // inference forward
      Operand<TFloat32> out = x;
      Operand<TFloat32> cached = null;
      for (int l = 0; l < layers.size(); l++) {
        out = layers.get(l).call(tf, out, inferenceParams.get(l), false, seed + l);
        if (l == frontEnd - 1) {
          out = cached = tf.withName("front_end_output").identity(out);
        }
      }
      inferenceFeatures = cached;
      prediction = tf.withName("prediction").identity(out);
      evalLoss = loss.perExample(tf, y, prediction);
      for (io.dp4j.nn.train.Metric metric : metrics) {
        evalMetrics.add(metric(tf, metric, loss, prediction, y, outputShape));
      }
      aucLabels =
          metrics.contains(io.dp4j.nn.train.Metric.AUC)
              ? tf.withName("auc_labels").identity(classOneLabels(tf, loss, y, outputShape))
              : null;

      // training forward, keeping each parametric layer's input a_l and pre-activation z_l
      List<StepGraph.TrainableLayer> trainable = new ArrayList<>();
      Operand<TFloat32> h = x;
      for (int l = 0; l < layers.size(); l++) {
        Layer layer = layers.get(l);
        boolean trains = layer.isTrainable() && !params.get(l).isEmpty();
        if (layer instanceof ParametricLayer p && trains) {
          Operand<TFloat32> z = p.preActivation(tf, h, params.get(l));
          trainable.add(
              new StepGraph.TrainableLayer(
                  layer, names.get(l), inputShapes.get(l), h, z, List.copyOf(params.get(l))));
          h = p.activation().apply(tf, z);
        } else if (trains) {
          if (transform != null) {
            throw new IllegalArgumentException(
                "layer "
                    + names.get(l)
                    + " ("
                    + layer.typeName()
                    + ") has parameters but is not a ParametricLayer, so the step's gradient"
                    + " transform (DP-SGD) cannot see its per-example gradients");
          }
          h = layer.call(tf, h, params.get(l), true, seed + 1000 + l);
        } else {
          h = layer.call(tf, h, params.get(l), true, seed + 1000 + l);
        }
        if (l == frontEnd - 1) {
          h = cached = tf.withName("front_end_features").identity(h);
        }
      }
      trainFeatures = frontEnd > 0 ? cached : null;
      // the examples the training step is fed: the batch's size is read from them
      Operand<TFloat32> trainInput = frontEnd > 0 ? trainFeatures : x;
      trainLoss = tf.withName("train_loss").identity(loss.perExample(tf, y, h));
      for (io.dp4j.nn.train.Metric metric : metrics) {
        trainMetrics.add(metric(tf, metric, loss, h, y, outputShape));
      }

      Output<?>[] vars = variables.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
      Operand<TFloat32> meanLoss =
          tf.math.div(
              tf.sum(trainLoss, tf.constant(0)),
              tf.math.maximum(
                  tf.dtypes.cast(
                      tf.reshape(batchSize(tf, trainInput), tf.constant(new int[0])),
                      TFloat32.class),
                  tf.constant(1f)));
      meanLossGradients =
          vars.length == 0
              ? List.of()
              : Arrays.asList(
                  graph.addGradients(
                      "mean_loss_grads", new Output<?>[] {meanLoss.asOutput()}, vars, null));

      org.tensorflow.framework.optimizers.Optimizer fw = optimizer.create(graph);
      List<GradAndVar<? extends TType>> gradsAndVars = new ArrayList<>();
      if (transform == null) {
        Operand<TFloat32> objective =
            loss.reduction() == io.dp4j.nn.losses.Reduction.SUM
                ? tf.sum(trainLoss, tf.constant(0))
                : meanLoss;
        Output<?>[] trainVars =
            trainableVariables.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
        Output<?>[] grads =
            trainVars.length == 0
                ? new Output<?>[0]
                : graph.addGradients(
                    "train_grads", new Output<?>[] {objective.asOutput()}, trainVars, null);
        for (int i = 0; i < grads.length; i++) {
          gradsAndVars.add(grad(grads[i], trainableVariables.get(i)));
        }
        feeder = null;
      } else {
        if (trainableVariables.isEmpty()) {
          throw new IllegalArgumentException(Sequential.nothingToTrain(variables.isEmpty()));
        }
        GradientTransform.Built transformed =
            transform.build(
                new Step(tf, graph, trainInput, trainLoss, loss, trainable, trainableSpecs, state));
        if (transformed.gradients().size() != trainableVariables.size()) {
          throw new IllegalStateException(
              transform
                  + " returned "
                  + transformed.gradients().size()
                  + " gradients for "
                  + trainableVariables.size()
                  + " trainable parameters");
        }
        for (int i = 0; i < trainableVariables.size(); i++) {
          gradsAndVars.add(
              new GradAndVar<>(
                  transformed.gradients().get(i).asOutput(), trainableVariables.get(i).asOutput()));
        }
        feeder = transformed.feeder();
      }
      trainOp = fw.applyGradients(gradsAndVars, "train_step");
      weightsFiniteAfterStep = allFinite(tf.withControlDependencies(List.of(trainOp)), variables);
      if (averaging != null) {
        emaUpdate = averageAfter(trainOp, averaging, updates);
        List<Op> copies = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
          copies.add(tf.assign(variables.get(i), averages.get(i)));
        }
        emaFinalize = tf.withControlDependencies(copies).noOp();
      } else {
        emaUpdate = null;
        emaFinalize = null;
      }
      buildOptimizerStateAccess();
      session = useXla ? new Session(graph, xlaConfig()) : new Session(graph);
      built = true;
    } finally {
      if (!built) {
        graph.close();
      }
    }
  }

  /**
   * The averages' update after {@code step}: {@code a ← a − (1 − m)(a − w)} with the momentum m of
   * {@link ParameterAveraging#momentum} at the current count t (computed in float32: t counts steps
   * exactly up to 2^24), then t ← t + 1.
   */
  private Op averageAfter(Op step, ParameterAveraging averaging, Variable<TFloat32> updates) {
    Ops after = tf.withControlDependencies(List.of(step));
    Operand<TFloat32> t = after.identity(updates);
    Operand<TFloat32> decay = tf.constant((float) averaging.decay());
    Operand<TFloat32> momentum =
        averaging.warmup()
            ? tf.math.minimum(
                decay,
                tf.math.div(tf.math.add(tf.constant(1f), t), tf.math.add(tf.constant(10f), t)))
            : tf.select(tf.math.equal(t, tf.constant(0f)), tf.constant(0f), decay);
    Operand<TFloat32> rate = tf.math.sub(tf.constant(1f), momentum);
    List<Op> moves = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<TFloat32> a = averages.get(i);
      moves.add(after.assignSub(a, after.math.mul(rate, after.math.sub(a, variables.get(i)))));
    }
    return tf.withControlDependencies(moves).assignAdd(updates, tf.constant(1f));
  }

  /** Finds the optimizer's variables and adds an assign op fed by a placeholder for each. */
  @SuppressWarnings("unchecked")
  private void buildOptimizerStateAccess() {
    List<String> weightNames = new ArrayList<>();
    for (Variable<TFloat32> v : variables) {
      weightNames.add(v.op().name());
    }
    List<GraphOperation> found = new ArrayList<>();
    graph
        .operations()
        .forEachRemaining(
            op -> {
              if ((op.type().equals("VariableV2") || op.type().equals("Variable"))
                  && !weightNames.contains(op.name())) {
                found.add((GraphOperation) op);
              }
            });
    for (GraphOperation op : found) {
      Output<?> out = op.output(0);
      if (out.dataType() != DataType.DT_FLOAT && out.dataType() != DataType.DT_FLOAT_REF) {
        unsupportedOptimizerVariables.add(op.name() + " (" + out.dataType() + ")");
        continue;
      }
      Output<TFloat32> v = (Output<TFloat32>) out;
      String key = op.name();
      int best = -1;
      for (int i = 0; i < weightNames.size(); i++) {
        String w = weightNames.get(i);
        if (key.startsWith(w + "-") && (best < 0 || w.length() > weightNames.get(best).length())) {
          best = i;
        }
      }
      if (best >= 0) {
        key = "weight_" + best + key.substring(weightNames.get(best).length());
      }
      Placeholder<TFloat32> in =
          tf.withName(op.name() + "_restore_value")
              .placeholder(TFloat32.class, Placeholder.shape(out.shape()));
      optimizerKeys.add(key);
      optimizerVariables.add(v);
      optimizerAssignInputs.add(in);
      optimizerAssignOps.add(tf.withName(op.name() + "_restore").assign(v, in));
    }
  }

  @SuppressWarnings("unchecked")
  private static GradAndVar<? extends TType> grad(Output<?> g, Variable<TFloat32> v) {
    return new GradAndVar<>((Output<TFloat32>) g, v.asOutput());
  }

  static Operand<TInt32> batchSize(Ops tf, Operand<?> x) {
    return tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
  }

  private static Operand<TFloat32> metric(
      Ops tf,
      io.dp4j.nn.train.Metric metric,
      Loss loss,
      Operand<TFloat32> out,
      Operand<TFloat32> labels,
      long[] outputShape) {
    return switch (metric) {
      case ACCURACY -> correct(tf, loss, out, labels, outputShape);
      case BINARY_ACCURACY -> binaryAccuracy(tf, out, labels);
      case AUC -> aucScores(tf, loss, out, outputShape);
    };
  }

  /**
   * Per example, a score that orders examples as the probability of class 1 does: the output itself
   * for one output (a probability or a logit), {@code z1 - z0} for the logits of a two-class
   * softmax, the class-1 output otherwise.
   */
  private static Operand<TFloat32> aucScores(
      Ops tf, Loss loss, Operand<TFloat32> out, long[] outputShape) {
    requireBinary(outputShape);
    if (outputShape[0] == 1) {
      return tf.reshape(out, tf.constant(new int[] {-1}));
    }
    Operand<TFloat32> two = tf.reshape(out, tf.constant(new int[] {-1, 2}));
    Operand<TFloat32> classOne = column(tf, two, 1);
    boolean softmaxLogits =
        loss instanceof CategoricalCrossentropy c && c.fromLogits()
            || loss instanceof SparseCategoricalCrossentropy s && s.fromLogits();
    return softmaxLogits ? tf.math.sub(classOne, column(tf, two, 0)) : classOne;
  }

  /** Per example, the label of class 1: the label itself, a class id, or a one-hot column. */
  private static Operand<TFloat32> classOneLabels(
      Ops tf, Loss loss, Operand<TFloat32> labels, long[] outputShape) {
    if (outputShape[0] == 1 || loss instanceof SparseCategoricalCrossentropy) {
      return tf.reshape(labels, tf.constant(new int[] {-1}));
    }
    return column(tf, tf.reshape(labels, tf.constant(new int[] {-1, 2})), 1);
  }

  private static Operand<TFloat32> column(Ops tf, Operand<TFloat32> matrix, int j) {
    return tf.reshape(
        tf.slice(matrix, tf.constant(new int[] {0, j}), tf.constant(new int[] {-1, 1})),
        tf.constant(new int[] {-1}));
  }

  private static void requireBinary(long[] outputShape) {
    if (outputShape.length != 1 || outputShape[0] < 1 || outputShape[0] > 2) {
      throw new IllegalArgumentException(
          "metric AUC (auc) needs a binary classifier: a model output of shape [1] (a sigmoid"
              + " probability or a logit, labels 0/1) or [2] (a two-class softmax, class 1"
              + " positive), got "
              + Arrays.toString(outputShape)
              + "; for more classes use Metric.ACCURACY");
    }
  }

  /** Per example: the mean over outputs of {@code (p > 0.5) == (y > 0.5)}. */
  private static Operand<TFloat32> binaryAccuracy(
      Ops tf, Operand<TFloat32> out, Operand<TFloat32> labels) {
    Operand<TFloat32> y = tf.reshape(labels, tf.shape(out));
    Operand<TFloat32> equal =
        tf.dtypes.cast(
            tf.math.equal(
                tf.math.greater(out, tf.constant(0.5f)), tf.math.greater(y, tf.constant(0.5f))),
            TFloat32.class);
    return Loss.meanPerExample(tf, equal);
  }

  private static Operand<TFloat32> correct(
      Ops tf, Loss loss, Operand<TFloat32> out, Operand<TFloat32> labels, long[] outputShape) {
    if (outputShape.length != 1) {
      throw new IllegalArgumentException(
          "accuracy needs a model output of shape [classes], got " + Arrays.toString(outputShape));
    }
    long classes = outputShape[0];
    Operand<TInt64> predicted;
    Operand<TInt64> actual;
    if (classes == 1) {
      predicted =
          tf.dtypes.cast(
              tf.math.greater(tf.reshape(out, tf.constant(new int[] {-1})), tf.constant(0.5f)),
              TInt64.class);
      actual =
          tf.dtypes.cast(
              tf.math.greater(tf.reshape(labels, tf.constant(new int[] {-1})), tf.constant(0.5f)),
              TInt64.class);
    } else {
      predicted = tf.math.argMax(out, tf.constant(1));
      if (loss instanceof CategoricalCrossentropy
          || !(loss instanceof SparseCategoricalCrossentropy)) {
        actual =
            tf.math.argMax(
                tf.reshape(labels, tf.constant(new long[] {-1, classes})), tf.constant(1));
      } else {
        actual = tf.dtypes.cast(tf.reshape(labels, tf.constant(new int[] {-1})), TInt64.class);
      }
    }
    return tf.dtypes.cast(tf.math.equal(predicted, actual), TFloat32.class);
  }

  private static ConfigProto xlaConfig() {
    return ConfigProto.newBuilder()
        .setGraphOptions(
            GraphOptions.newBuilder()
                .setOptimizerOptions(
                    OptimizerOptions.newBuilder()
                        .setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1)))
        .build();
  }

  private static Operand<TBool> allFinite(Ops tf, List<Variable<TFloat32>> variables) {
    if (variables.isEmpty()) {
      return tf.constant(true);
    }
    List<Operand<TBool>> each = new ArrayList<>();
    for (Variable<TFloat32> v : variables) {
      each.add(
          tf.reduceAll(
              tf.math.isFinite(tf.reshape(v, tf.constant(new int[] {-1}))), tf.constant(0)));
    }
    return tf.withName("weights_finite").reduceAll(tf.stack(each), tf.constant(0));
  }

  /** What the gradient transform sees of the step. */
  private record Step(
      Ops tf,
      Graph graph,
      Operand<TFloat32> x,
      Operand<TFloat32> perExampleLosses,
      Loss loss,
      List<TrainableLayer> trainableLayers,
      List<ParameterSpec> parameters,
      ModelState state)
      implements StepGraph {
    Step {
      trainableLayers = List.copyOf(trainableLayers);
      parameters = List.copyOf(parameters);
    }

    @Override
    public <T> T modelState(Class<T> type, Supplier<? extends T> create) {
      return state.get(type, create);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
