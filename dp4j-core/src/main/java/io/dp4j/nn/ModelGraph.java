package io.dp4j.nn;

import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.layers.ParametricLayer;
import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.clipping.ClippingRule;
import io.dp4j.privacy.clipping.LayerClipping;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/** The graph of a compiled model: forward passes, loss, metrics and one training step. */
final class ModelGraph implements AutoCloseable {
  /** C' / C: the margin that keeps clipped norms at most C under float32 rounding (2^-21 = 8u). */
  static final double CLIP_MARGIN = 1 - 0x1p-21;

  final Graph graph;
  final Session session;
  final Ops tf;
  final Placeholder<TFloat32> x;
  final Placeholder<TFloat32> y;
  final List<Variable<TFloat32>> variables = new ArrayList<>();
  final List<ParameterSpec> specs = new ArrayList<>();
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

  /** Whether every variable holds only finite values (a scalar; true without variables). */
  final Operand<TBool> weightsFinite;

  /** Per-example values {@code [b]} of each compiled metric, training graph. */
  final List<Operand<TFloat32>> trainMetrics = new ArrayList<>();

  final List<Output<?>> meanLossGradients;
  final Op trainOp;
  final DpSettings dp;
  Placeholder<TInt64> noiseSeed;

  /** Whether the DP noise is fed from Java ({@link #noiseInputs}) instead of drawn in-graph. */
  final boolean secureNoise;

  /** In the secure noise mode, one standard normal input per parameter (empty if σ = 0). */
  final List<Placeholder<TFloat32>> noiseInputs = new ArrayList<>();

  Placeholder<TFloat32> normalizer;

  /**
   * Per-example loss weights, ones unless fed: an empty batch is run as padding examples of weight
   * 0 (TensorFlow's convolution gradients fail on empty batches).
   */
  PlaceholderWithDefault<TFloat32> lossWeights;

  /**
   * With microbatches (M &gt; 0): the number of clipping units n, shape [1], M unless fed. The fed
   * batch of b examples is reshaped to [n, b / n]; each unit's loss is the mean of its examples'
   * weighted losses. Fed as b to clip per example (Poisson batches with M = the expected batch
   * size), or as M with a batch padded to M·s examples (Poisson microbatches assigned at random).
   */
  PlaceholderWithDefault<TInt32> numUnits;

  Operand<TFloat32> unitSquaredNorms;
  final List<Operand<TFloat32>> clippedSums = new ArrayList<>();
  final List<Operand<TFloat32>> noisyGradients = new ArrayList<>();

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
      Loss loss,
      List<io.dp4j.nn.train.Metric> metrics,
      DpSettings dp,
      boolean useXla,
      long seed,
      boolean secureNoise) {
    this.dp = dp;
    this.secureNoise = secureNoise && dp != null;
    CpuKernels.adviseOnce();
    graph = new Graph();
    boolean built = false;
    try {
      tf = Ops.create(graph);
      x =
          tf.withName("x")
              .placeholder(TFloat32.class, Placeholder.shape(batchShape(inputShapes.get(0))));
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
        }
        params.add(layerParams);
      }

      // inference forward
      Operand<TFloat32> out = x;
      for (int l = 0; l < layers.size(); l++) {
        out = layers.get(l).call(tf, out, params.get(l), false, seed + l);
      }
      prediction = tf.withName("prediction").identity(out);
      weightsFinite = allFinite(tf, variables);
      evalLoss = loss.perExample(tf, y, prediction);
      for (io.dp4j.nn.train.Metric metric : metrics) {
        evalMetrics.add(metric(tf, metric, loss, prediction, y, outputShape));
      }
      aucLabels =
          metrics.contains(io.dp4j.nn.train.Metric.AUC)
              ? tf.withName("auc_labels").identity(classOneLabels(tf, loss, y, outputShape))
              : null;

      // training forward, keeping each parametric layer's input a_l and pre-activation z_l
      List<Integer> trainable = new ArrayList<>();
      List<Operand<TFloat32>> inputs = new ArrayList<>();
      List<Operand<TFloat32>> preActivations = new ArrayList<>();
      Operand<TFloat32> h = x;
      for (int l = 0; l < layers.size(); l++) {
        Layer layer = layers.get(l);
        if (layer instanceof ParametricLayer p && !params.get(l).isEmpty()) {
          Operand<TFloat32> z = p.preActivation(tf, h, params.get(l));
          trainable.add(l);
          inputs.add(h);
          preActivations.add(z);
          h = p.activation().apply(tf, z);
        } else if (!params.get(l).isEmpty()) {
          if (dp != null) {
            throw new IllegalArgumentException(
                "layer "
                    + names.get(l)
                    + " ("
                    + layer.typeName()
                    + ") has parameters but is not a ParametricLayer, so DP-SGD cannot clip its"
                    + " per-example gradients");
          }
          h = layer.call(tf, h, params.get(l), true, seed + 1000 + l);
        } else {
          h = layer.call(tf, h, params.get(l), true, seed + 1000 + l);
        }
      }
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
                      tf.reshape(batchSize(tf, x), tf.constant(new int[0])), TFloat32.class),
                  tf.constant(1f)));
      meanLossGradients =
          vars.length == 0
              ? List.of()
              : Arrays.asList(
                  graph.addGradients(
                      "mean_loss_grads", new Output<?>[] {meanLoss.asOutput()}, vars, null));

      org.tensorflow.framework.optimizers.Optimizer fw = optimizer.create(graph);
      List<GradAndVar<? extends TType>> gradsAndVars = new ArrayList<>();
      if (dp == null) {
        Operand<TFloat32> objective =
            loss.reduction() == io.dp4j.nn.losses.Reduction.SUM
                ? tf.sum(trainLoss, tf.constant(0))
                : meanLoss;
        Output<?>[] grads =
            graph.addGradients("train_grads", new Output<?>[] {objective.asOutput()}, vars, null);
        for (int i = 0; i < grads.length; i++) {
          gradsAndVars.add(grad(grads[i], variables.get(i)));
        }
      } else {
        buildDpStep(layers, names, inputShapes, params, trainable, inputs, preActivations);
        for (int i = 0; i < noisyGradients.size(); i++) {
          gradsAndVars.add(
              new GradAndVar<>(noisyGradients.get(i).asOutput(), variables.get(i).asOutput()));
        }
      }
      trainOp = fw.applyGradients(gradsAndVars, "train_step");
      buildOptimizerStateAccess();
      session = useXla ? new Session(graph, xlaConfig()) : new Session(graph);
      built = true;
    } finally {
      if (!built) {
        graph.close();
      }
    }
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

  private void buildDpStep(
      List<Layer> layers,
      List<String> names,
      List<long[]> inputShapes,
      List<List<Operand<TFloat32>>> params,
      List<Integer> trainable,
      List<Operand<TFloat32>> inputs,
      List<Operand<TFloat32>> preActivations) {
    noiseSeed = tf.withName("noise_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    normalizer =
        tf.withName("normalizer").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    Operand<TInt32> b = batchSize(tf, x);
    Operand<TInt32> n;
    Operand<TInt32> k;
    lossWeights =
        tf.withName("loss_weights").placeholderWithDefault(tf.onesLike(trainLoss), Shape.of(-1));
    Operand<TFloat32> weightedLoss = tf.math.mul(trainLoss, tf.stopGradient(lossWeights));
    Operand<TFloat32> units;
    int m = dp.numMicrobatches();
    if (m == 0) {
      n = b;
      k = tf.constant(new int[] {1});
      units = weightedLoss;
    } else {
      numUnits =
          tf.withName("num_units").placeholderWithDefault(tf.constant(new int[] {m}), Shape.of(1));
      n = numUnits;
      k = tf.math.floorDiv(b, n);
      Operand<TFloat32> grouped =
          tf.reshape(weightedLoss, tf.concat(List.of(n, k), tf.constant(0)));
      units =
          tf.math.div(
              tf.sum(grouped, tf.constant(1)),
              tf.dtypes.cast(tf.reshape(k, tf.constant(new int[0])), TFloat32.class));
    }
    Operand<TFloat32> objective = tf.sum(units, tf.constant(0));
    Output<?>[] zs = preActivations.stream().map(Operand::asOutput).toArray(Output<?>[]::new);
    Output<?>[] gs =
        graph.addGradients("dp_grads", new Output<?>[] {objective.asOutput()}, zs, null);
    List<Operand<TFloat32>> outputGradients = new ArrayList<>();
    for (Output<?> g : gs) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> gl = (Operand<TFloat32>) g;
      outputGradients.add(gl);
    }
    Operand<TBool> finite = finiteExamples(trainLoss, inputs, outputGradients);
    List<LayerClipping> clippings = new ArrayList<>();
    Operand<TFloat64> norms = null;
    Operand<TFloat32> reportedNorms = null;
    for (int t = 0; t < trainable.size(); t++) {
      int l = trainable.get(t);
      Layer layer = layers.get(l);
      ClippingRule<Layer> rule = ruleFor(layer, names.get(l));
      Operand<TFloat32> a = group(zeroUnless(finite, inputs.get(t)), n, k, inputShapes.get(l));
      Operand<TFloat32> gg =
          group(
              zeroUnless(finite, outputGradients.get(t)),
              n,
              k,
              layer.outputShape(inputShapes.get(l)));
      LayerClipping clipping = rule.clipping(tf, layer, params.get(l), a, gg);
      clippings.add(clipping);
      Operand<TFloat32> layerNorms = clipping.squaredNorms();
      Operand<TFloat64> layerNorms64 = tf.dtypes.cast(layerNorms, TFloat64.class);
      norms = norms == null ? layerNorms64 : tf.math.add(norms, layerNorms64);
      reportedNorms = reportedNorms == null ? layerNorms : tf.math.add(reportedNorms, layerNorms);
    }
    unitSquaredNorms = tf.withName("unit_squared_norms").identity(reportedNorms);
    Operand<TFloat32> factors = tf.withName("clip_factors").identity(clipFactors(norms));
    float noiseStd = (float) (dp.noiseMultiplier() * dp.l2NormClip());
    int paramIndex = 0;
    for (int t = 0; t < trainable.size(); t++) {
      int l = trainable.get(t);
      List<Operand<TFloat32>> sums = clippings.get(t).clippedSum(factors);
      if (sums.size() != params.get(l).size()) {
        throw new IllegalStateException(
            "clipping rule for "
                + names.get(l)
                + " returned "
                + sums.size()
                + " sums for "
                + params.get(l).size()
                + " parameters");
      }
      for (Operand<TFloat32> sum : sums) {
        ParameterSpec spec = specs.get(paramIndex);
        clippedSums.add(tf.withName("clipped_sum_" + paramIndex).identity(sum));
        Operand<TFloat32> noisy = sum;
        if (noiseStd > 0) {
          Operand<TFloat32> standardNormal;
          if (secureNoise) {
            Placeholder<TFloat32> in =
                tf.withName("noise_" + paramIndex)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(spec.shape())));
            noiseInputs.add(in);
            standardNormal = in;
          } else {
            // the parameter index in the first word, the step's seed in the second: with the
            // test seed {seed, step}, no two (parameter, step) pairs share a Philox seed
            Operand<TInt64> seed = tf.math.add(noiseSeed, tf.constant(new long[] {paramIndex, 0L}));
            standardNormal = tf.random.statelessRandomNormal(tf.constant(spec.shape()), seed);
          }
          Operand<TFloat32> noise = tf.math.mul(standardNormal, tf.constant(noiseStd));
          noisy = tf.math.add(sum, noise);
        }
        noisyGradients.add(tf.withName("noisy_grad_" + paramIndex).math.div(noisy, normalizer));
        paramIndex++;
      }
    }
  }

  /**
   * Per example {@code [b]}: whether its loss, every trainable layer's input a_l and every output
   * gradient G_l are finite. A NaN or infinite value would otherwise escape clipping (a clip factor
   * of 0 times an infinite gradient is NaN) and make the whole noisy update NaN, which would reveal
   * that the example was sampled; an example that is not finite contributes exactly zero instead.
   * Elementwise on tensors the step already has, no further backward pass.
   */
  private Operand<TBool> finiteExamples(
      Operand<TFloat32> losses, List<Operand<TFloat32>> inputs, List<Operand<TFloat32>> grads) {
    Operand<TBool> finite = tf.math.isFinite(losses);
    for (List<Operand<TFloat32>> tensors : List.of(inputs, grads)) {
      for (Operand<TFloat32> x : tensors) {
        finite = tf.math.logicalAnd(finite, finiteRows(x));
      }
    }
    return finite;
  }

  /** {@code [b, ...]} to {@code [b]}: whether every value of the example's slice is finite. */
  private Operand<TBool> finiteRows(Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.reduceAll(tf.math.isFinite(x), tf.constant(axes));
  }

  /**
   * {@code x} ({@code [b, ...]}) with the slices of the examples that are not {@code keep} zero.
   */
  private Operand<TFloat32> zeroUnless(Operand<TBool> keep, Operand<TFloat32> x) {
    int[] shape = new int[x.shape().numDimensions()];
    Arrays.fill(shape, 1);
    shape[0] = -1;
    return tf.select(tf.reshape(keep, tf.constant(shape)), x, tf.constant(0f));
  }

  /**
   * The clip factors {@code min(1, C' / (sqrt(n_u) + 1e-6))} from the per-layer squared norms
   * summed in float64, 0 for a unit whose norm is not finite (it overflowed, or a rule produced
   * NaN): such a unit contributes nothing.
   *
   * <p>C' = C·(1 - 2^-21) bounds the clipped per-unit gradient by C despite rounding. Each rule
   * accumulates its squares in float64 and rounds its [n] result to float32 once, so its value is
   * at least (1 - u)(1 - 3·ε) times the exact squared norm of the per-unit gradient as the rule
   * computes it (u = 2^-24, ε = K·2^-53 ≤ u/8 for reductions of K ≤ 2^26 terms; the Dense Gram path
   * adds its own bound on the Gram entries' round-off). Summing layers, sqrt and division in
   * float64 cost a further (1 + 2^-50) at most; the factor's rounding to float32 and its product
   * with each gradient value at most (1 + u) each. So c·||g_u|| ≤ C(1 - 8u)(1 + u)²(1 + 2^-50) /
   * sqrt((1 - u)(1 - 3ε)) ≤ C(1 - 4u) < C. See docs/accounting.md, "Clipping under float32".
   */
  private Operand<TFloat32> clipFactors(Operand<TFloat64> norms) {
    double clip = dp.l2NormClip() * CLIP_MARGIN;
    Operand<TFloat64> factors =
        tf.math.minimum(
            tf.constant(1.0),
            tf.math.div(tf.constant(clip), tf.math.add(tf.math.sqrt(norms), tf.constant(1e-6))));
    Operand<TFloat64> guarded = tf.select(tf.math.isFinite(norms), factors, tf.constant(0.0));
    return tf.dtypes.cast(guarded, TFloat32.class);
  }

  @SuppressWarnings("unchecked")
  private ClippingRule<Layer> ruleFor(Layer layer, String name) {
    return (ClippingRule<Layer>)
        dp.registry()
            .ruleFor(layer)
            .orElseThrow(() -> new IllegalArgumentException("no clipping rule for layer " + name));
  }

  /** {@code [b, shape...]} to {@code [n, k, shape...]} with an explicit shape. */
  private Operand<TFloat32> group(
      Operand<TFloat32> value, Operand<TInt32> n, Operand<TInt32> k, long[] shape) {
    int[] tail = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      tail[i] = Math.toIntExact(shape[i]);
    }
    Operand<TFloat32> grouped =
        tf.reshape(value, tf.concat(List.of(n, k, tf.constant(tail)), tf.constant(0)));
    long[] staticShape = new long[shape.length + 2];
    staticShape[0] = -1;
    staticShape[1] = dp.numMicrobatches() == 0 ? 1 : -1;
    System.arraycopy(shape, 0, staticShape, 2, shape.length);
    return tf.ensureShape(grouped, Shape.of(staticShape));
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

  private static Shape batchShape(long[] exampleShape) {
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = -1;
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    return Shape.of(shape);
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

  /** Whether every weight is finite now: one small Session.run reading the variables. */
  boolean weightsFinite() {
    try (Result result = session.runner().fetch(weightsFinite).run()) {
      return ((TBool) result.get(0)).getBoolean();
    }
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

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
