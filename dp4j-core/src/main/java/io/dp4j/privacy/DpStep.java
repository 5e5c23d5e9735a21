package io.dp4j.privacy;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.train.GradientTransform;
import io.dp4j.nn.train.StepFeed;
import io.dp4j.nn.train.StepFeeder;
import io.dp4j.nn.train.StepGraph;
import io.dp4j.nn.train.StepGraph.TrainableLayer;
import io.dp4j.privacy.clipping.ClippingRule;
import io.dp4j.privacy.clipping.GroupShapes;
import io.dp4j.privacy.clipping.LayerClipping;
import io.dp4j.privacy.clipping.RepairIfNeeded;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The DP-SGD step (Abadi et al. 2016), all of it: dp4j's implementation of the training step's
 * extension point ({@link GradientTransform} in the graph, {@link StepFeeder} on the host). The
 * {@code DPKeras*Optimizer}s and {@link DPSequential} configure one; {@link
 * io.dp4j.nn.Sequential#compile} builds it into the model's single training graph.
 *
 * <p>In the graph ({@link #build}), from each trainable layer's input a_l and pre-activation z_l
 * and the per-example losses:
 *
 * <ol>
 *   <li>the losses are weighted (padding examples weigh 0) and grouped into clipping units (one
 *       example, or a microbatch whose loss is the mean of its examples'), and G_l = d(sum of unit
 *       losses)/d z_l is taken by one backward pass;
 *   <li>an example whose loss or a_l is not finite has its a_l and G_l zeroed (it would otherwise
 *       make the whole update NaN, revealing that it was sampled); a unit whose G_l holds a
 *       non-finite value on a finite forward pass (the backward pass overflowed) has a norm that is
 *       not finite, so clip factor 0, and the rules drop units of factor 0 from the clipped sums;
 *   <li>each layer's {@link ClippingRule} (from the {@link DpSettings#registry()}) gives per-unit
 *       squared norms, summed over layers in float64, and clip factors min(1, C' / (sqrt(n_u) +
 *       1e-6)) with the margin C' = C(1 - 2^-21) against float32 rounding;
 *   <li>the rules' clipped sums get N(0, σ²C²) noise ({@link NoiseSource}: in-graph Philox from
 *       {@code SecureRandom} seeds, or fed in secure mode) and are divided by the normalizer.
 * </ol>
 *
 * <p>On the host, right before each step's {@code Session.run} ({@link StepFeeder#prepare}): the
 * batch is planned into clipping units ({@link DpSettings}' rule, random microbatches under Poisson
 * sampling), the noise seeds and normalizer are fed, and the step's event is recorded in the
 * model's {@link PrivacyLog}: before the update exists, so nothing failing later can leave it
 * unrecorded.
 */
public final class DpStep implements GradientTransform {
  private static final Logger LOG = LoggerFactory.getLogger(DpStep.class);

  /** C' / C: the margin that keeps clipped norms at most C under float32 rounding (2^-21 = 8u). */
  static final double CLIP_MARGIN = 1 - 0x1p-21;

  private final DpSettings settings;
  private final String perExampleLossRequiredBy;

  /**
   * @param settings C, σ, microbatches, normalization and the clipping rules
   * @param perExampleLossRequiredBy the name of the DP optimizer that needs a loss with {@link
   *     Reduction#NONE} (TF Privacy's rule, named in the refusal), or null to take the per-example
   *     losses whatever the loss's reduction ({@link DPSequential})
   */
  public DpStep(DpSettings settings, String perExampleLossRequiredBy) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.perExampleLossRequiredBy = perExampleLossRequiredBy;
  }

  public DpSettings settings() {
    return settings;
  }

  @Override
  public boolean protectsTrainingData() {
    return true;
  }

  /** Augmentation multiplicity crops and flips the raw images, so no cached front-end features. */
  @Override
  public boolean needsRawExamples() {
    return !settings.augmentation().isNone();
  }

  @Override
  public void validate(List<ModelLayer> layers, Loss loss) {
    if (perExampleLossRequiredBy != null && loss.reduction() != Reduction.NONE) {
      throw new IllegalArgumentException(
          perExampleLossRequiredBy
              + " needs the loss of every example, but "
              + loss.getClass().getSimpleName()
              + " has reduction "
              + loss.reduction()
              + ": a loss already reduced over the batch has one gradient for the whole batch,"
              + " which cannot be clipped per example. Construct the loss with Reduction.NONE.");
    }
    for (ModelLayer l : layers) {
      Layer layer = l.layer();
      if (layer.mixesExamples()) {
        throw new IllegalArgumentException(
            "layer " + l.name() + " (" + layer.typeName() + ") " + Layer.MIXES_EXAMPLES);
      }
      // a frozen layer takes no gradient: it needs no rule
      if (!layer.trainableParameters(l.inputShape()).isEmpty()
          && settings.registry().ruleFor(layer).isEmpty()) {
        throw new IllegalArgumentException(
            "layer "
                + l.name()
                + " ("
                + layer.typeName()
                + ") has trainable parameters but no clipping rule; register one with"
                + " ClippingRegistry.register("
                + layer.getClass().getSimpleName()
                + ".class, rule) and pass the registry to the DP optimizer or DPSequential");
      }
    }
    if (!settings.augmentation().isNone() && !layers.isEmpty()) {
      settings.augmentation().augmentation().validate(layers.get(0).inputShape());
    }
    if (settings.noiseMultiplier() == 0) {
      LOG.warn(
          "DP-SGD with noiseMultiplier 0: gradients are clipped but not noised, no privacy;"
              + " privacySpent reports epsilon = Infinity once a step has run");
    }
  }

  @Override
  public Built build(StepGraph step) {
    PrivacyState state = step.modelState(PrivacyState.class, PrivacyState::new);
    Compiled compiled = new Compiled(settings, state, state.noise.secureRequested());
    compiled.build(step);
    return new Built(compiled.noisyGradients, compiled);
  }

  @Override
  public String toString() {
    return "DP-SGD: " + settings;
  }

  /** The DP step built into one compiled graph, and its host side. */
  static final class Compiled implements StepFeeder {
    final DpSettings dp;
    final PrivacyState state;

    /** Whether the noise is fed from Java ({@link #noiseInputs}) instead of drawn in-graph. */
    final boolean secureNoise;

    /** Audit canaries inserted into every step ({@link GradientCanaries}), or null. */
    private final GradientCanaries canaries;

    private GradientCanaries.InGraph canaryGraph;

    /** A deliberate bug for package tests ({@link StepFault}), or null. */
    private final StepFault fault;

    /** Under {@link StepFault#REUSED_NOISE}: the first step's noise seed. */
    private long[] reusedSeed;

    private Ops tf;
    private Placeholder<TInt64> noiseSeed;
    private Placeholder<TFloat32> normalizer;

    /**
     * Per-example loss weights, ones unless fed: an empty batch is run as padding examples of
     * weight 0 (TensorFlow's convolution gradients fail on empty batches).
     */
    private PlaceholderWithDefault<TFloat32> lossWeights;

    /**
     * With microbatches (M &gt; 0): the number of clipping units n, shape [1], M unless fed. The
     * fed batch of b examples is reshaped to [n, b / n]; each unit's loss is the mean of its
     * examples' weighted losses. Fed as b to clip per example (Poisson batches with M = the
     * expected batch size), or as M with a batch padded to M·s examples (Poisson microbatches
     * assigned at random).
     */
    private PlaceholderWithDefault<TInt32> numUnits;

    /** In secure noise mode, one standard normal input per parameter (empty if σ = 0). */
    private final List<Placeholder<TFloat32>> noiseInputs = new ArrayList<>();

    Operand<TFloat32> unitSquaredNorms;
    final List<Operand<TFloat32>> clippedSums = new ArrayList<>();
    private final List<long[]> clippedSumShapes = new ArrayList<>();

    /**
     * A clipped sum computed outside this graph, fed for the next step in place of {@link
     * #clippedSums} ({@link ModelPrivacy#stepFromClippedSum}); null for an ordinary step.
     */
    private List<float[]> externalClippedSum;

    final List<Operand<TFloat32>> noisyGradients = new ArrayList<>();

    Compiled(DpSettings dp, PrivacyState state, boolean secureNoise) {
      this.dp = dp;
      this.state = state;
      this.secureNoise = secureNoise;
      this.canaries = state.canaries;
      this.fault = state.fault;
    }

    private void build(StepGraph step) {
      tf = step.tf();
      Graph graph = step.graph();
      Operand<TFloat32> trainLoss = step.perExampleLosses();
      List<TrainableLayer> trainable = step.trainableLayers();
      noiseSeed =
          tf.withName("noise_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      normalizer =
          tf.withName("normalizer").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      Operand<TInt32> b =
          tf.slice(tf.shape(step.x()), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
      Operand<TInt32> n;
      Operand<TInt32> k;
      lossWeights =
          tf.withName("loss_weights").placeholderWithDefault(tf.onesLike(trainLoss), Shape.of(-1));
      Operand<TFloat32> weightedLoss = tf.math.mul(trainLoss, tf.stopGradient(lossWeights));
      Operand<TFloat32> units;
      int m = dp.numMicrobatches();
      if (m == 0 && copies() == 1) {
        n = b;
        k = tf.constant(new int[] {1});
        units = weightedLoss;
      } else {
        // with K augmented copies per example (M = 0: always fed, one unit per example), a unit's
        // loss is the mean over its examples' copies: an example's gradient is its copies' mean
        numUnits =
            tf.withName("num_units")
                .placeholderWithDefault(tf.constant(new int[] {Math.max(m, 1)}), Shape.of(1));
        n = numUnits;
        k = tf.math.floorDiv(b, n);
        Operand<TFloat32> grouped =
            tf.reshape(weightedLoss, tf.concat(List.of(n, k), tf.constant(0)));
        units =
            tf.math.div(
                tf.sum(grouped, tf.constant(1)),
                tf.dtypes.cast(tf.reshape(k, tf.constant(new int[0])), TFloat32.class));
      }
      int[] kernels = kernelIndices(trainable, step.parameters());
      if (canaries != null) {
        if (m != 0) {
          throw new IllegalArgumentException(
              "gradient canaries need clipping per example (numMicrobatches 0), got "
                  + "numMicrobatches "
                  + m);
        }
        Map<Integer, long[]> shapes = new HashMap<>();
        for (int kernel : kernels) {
          if (kernel >= 0) {
            shapes.put(kernel, step.parameters().get(kernel).shape());
          }
        }
        canaryGraph = canaries.new InGraph(tf, b, shapes);
      }
      Operand<TFloat32> objective = tf.sum(units, tf.constant(0));
      Output<?>[] zs =
          trainable.stream().map(t -> t.preActivation().asOutput()).toArray(Output<?>[]::new);
      Output<?>[] gs =
          graph.addGradients("dp_grads", new Output<?>[] {objective.asOutput()}, zs, null);
      List<Operand<TFloat32>> inputs = new ArrayList<>();
      List<Operand<TFloat32>> outputGradients = new ArrayList<>();
      for (int t = 0; t < trainable.size(); t++) {
        inputs.add(trainable.get(t).input());
        @SuppressWarnings("unchecked")
        Operand<TFloat32> gl = (Operand<TFloat32>) gs[t];
        outputGradients.add(gl);
      }
      Operand<TBool> finite = finiteForward(trainLoss, inputs);
      Operand<TBool> allFinite = tf.reduceAll(finite, tf.constant(0));
      List<LayerClipping> clippings = new ArrayList<>();
      Operand<TFloat64> norms = null;
      Operand<TFloat32> reportedNorms = null;
      for (int t = 0; t < trainable.size(); t++) {
        TrainableLayer l = trainable.get(t);
        Layer layer = l.layer();
        ClippingRule<Layer> rule = ruleFor(layer, l.name());
        long[] outputShape = layer.outputShape(l.inputShape());
        Operand<TFloat32> at =
            RepairIfNeeded.apply(tf, allFinite, inputs.get(t), x -> zeroUnless(finite, x));
        Operand<TFloat32> gt =
            RepairIfNeeded.apply(tf, allFinite, outputGradients.get(t), x -> zeroUnless(finite, x));
        if (canaryGraph != null) {
          at = canaryGraph.input(kernels[t], at, l.inputShape());
          gt = canaryGraph.outputGradient(kernels[t], gt, outputShape);
        }
        Operand<TFloat32> a = group(at, n, k, l.inputShape());
        Operand<TFloat32> gg = group(gt, n, k, outputShape);
        LayerClipping clipping = rule.clipping(tf, layer, l.parameters(), a, gg);
        clippings.add(clipping);
        Operand<TFloat32> layerNorms = clipping.squaredNorms();
        Operand<TFloat64> layerNorms64 = tf.dtypes.cast(layerNorms, TFloat64.class);
        norms = norms == null ? layerNorms64 : tf.math.add(norms, layerNorms64);
        reportedNorms = reportedNorms == null ? layerNorms : tf.math.add(reportedNorms, layerNorms);
      }
      unitSquaredNorms = tf.withName("unit_squared_norms").identity(reportedNorms);
      Operand<TFloat32> factors =
          tf.withName("clip_factors")
              .identity(
                  fault == StepFault.SKIP_CLIPPING
                      ? tf.onesLike(clipFactors(norms))
                      : clipFactors(norms));
      float noiseStd =
          (float)
              (dp.noiseMultiplier() * dp.l2NormClip() * (fault == null ? 1 : fault.noiseScale()));
      List<ParameterSpec> specs = step.parameters();
      int paramIndex = 0;
      for (int t = 0; t < trainable.size(); t++) {
        TrainableLayer l = trainable.get(t);
        List<Operand<TFloat32>> sums = clippings.get(t).clippedSum(factors);
        if (sums.size() != l.parameters().size()) {
          throw new IllegalStateException(
              "clipping rule for "
                  + l.name()
                  + " returned "
                  + sums.size()
                  + " sums for "
                  + l.parameters().size()
                  + " parameters");
        }
        for (Operand<TFloat32> sum : sums) {
          ParameterSpec spec = specs.get(paramIndex);
          // the noise is added to this identity, so that a clipped sum computed elsewhere (the
          // partitions of a data-parallel step) can be fed in its place
          Operand<TFloat32> clipped = tf.withName("clipped_sum_" + paramIndex).identity(sum);
          clippedSums.add(clipped);
          clippedSumShapes.add(spec.shape());
          Operand<TFloat32> noisy = clipped;
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
              Operand<TInt64> seed =
                  tf.math.add(noiseSeed, tf.constant(new long[] {paramIndex, 0L}));
              standardNormal = tf.random.statelessRandomNormal(tf.constant(spec.shape()), seed);
            }
            Operand<TFloat32> noise = tf.math.mul(standardNormal, tf.constant(noiseStd));
            noisy = tf.math.add(clipped, noise);
          }
          noisyGradients.add(tf.withName("noisy_grad_" + paramIndex).math.div(noisy, normalizer));
          paramIndex++;
        }
      }
    }

    /**
     * For each trainable layer, the index among the step's parameters of its kernel when it is one
     * gradient canaries can use (a first parameter {@code [in, out]} of a layer with input {@code
     * [in]} and output {@code [out]}: Dense), else -1.
     */
    private static int[] kernelIndices(List<TrainableLayer> trainable, List<ParameterSpec> specs) {
      int[] kernels = new int[trainable.size()];
      int first = 0;
      for (int t = 0; t < trainable.size(); t++) {
        TrainableLayer l = trainable.get(t);
        long[] in = l.inputShape();
        long[] out = l.layer().outputShape(in);
        boolean dense =
            in.length == 1
                && out.length == 1
                && Arrays.equals(specs.get(first).shape(), new long[] {in[0], out[0]});
        kernels[t] = dense ? first : -1;
        first += l.parameters().size();
      }
      return kernels;
    }

    /**
     * Per example {@code [b]}: whether its loss and every trainable layer's input a_l are finite. A
     * NaN or infinite value would otherwise escape clipping (a clip factor of 0 times an infinite
     * gradient is NaN) and make the whole noisy update NaN, which would reveal that the example was
     * sampled; such an example's a_l and G_l are zeroed, so it contributes exactly zero (with
     * microbatches, the rest of its microbatch still counts).
     *
     * <p>Forward tensors only: a test on every G_l would make each layer's clipping wait for the
     * end of the backward pass (the tutorial CNN's DP step took about 2 ms longer with it). A G_l
     * that is not finite on a finite forward pass makes its unit's squared norm not finite (sums of
     * float32 squares in float64 never overflow, and NaN and ∞ propagate), hence clip factor 0, and
     * the rules drop units of factor 0 exactly ({@link ClippingRule}).
     */
    private Operand<TBool> finiteForward(Operand<TFloat32> losses, List<Operand<TFloat32>> inputs) {
      Operand<TBool> finite = tf.math.isFinite(losses);
      for (Operand<TFloat32> x : inputs) {
        finite = tf.math.logicalAnd(finite, finiteRows(x));
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
      long size = 1;
      for (int i = 1; i < x.shape().numDimensions(); i++) {
        size *= x.shape().size(i);
      }
      // as rows [b, size]: SelectV2 broadcasts a [b, 1] condition about twice as fast as a
      // [b, 1, 1, 1] one over an image batch
      Operand<TFloat32> rows = tf.reshape(x, tf.constant(new long[] {-1, size}));
      Operand<TFloat32> kept =
          tf.select(tf.reshape(keep, tf.constant(new int[] {-1, 1})), rows, tf.constant(0f));
      return tf.ensureShape(tf.reshape(kept, tf.shape(x)), x.shape());
    }

    /**
     * The clip factors {@code min(1, C' / (sqrt(n_u) + 1e-6))} from the per-layer squared norms
     * summed in float64, 0 for a unit whose norm is not finite (it overflowed, or a rule produced
     * NaN): such a unit contributes nothing.
     *
     * <p>C' = C·(1 - 2^-21) bounds the clipped per-unit gradient by C despite rounding. Each rule
     * computes, in float64, an upper bound on the exact squared norm of the per-unit gradient as
     * the rule computes it, up to float64 round-off ({@link GroupShapes#squaredNormPerUnit}:
     * float32 block norms raised by their worst-case error; the Dense Gram path adds its own bound
     * on the Gram entries' round-off), and rounds its [n] result to float32 once, so its value is
     * at least (1 - u)(1 - 3·ε) times that exact squared norm (u = 2^-24, ε = K·2^-53 ≤ u/8 for
     * reductions of K ≤ 2^26 terms). Subnormal squares flushed to zero lose at most 2^-50 of the
     * norm, which the 10^-6 added to it absorbs. Summing layers, sqrt and division in float64 cost
     * a further (1 + 2^-50) at most; the factor's rounding to float32 and its product with each
     * gradient value at most (1 + u) each. So c·||g_u|| ≤ C(1 - 8u)(1 + u)²(1 + 2^-50) / sqrt((1 -
     * u)(1 - 3ε)) ≤ C(1 - 4u) < C. See docs/accounting.md, "Clipping under float32".
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
              .orElseThrow(
                  () -> new IllegalArgumentException("no clipping rule for layer " + name));
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
      staticShape[1] = dp.numMicrobatches() == 0 && copies() == 1 ? 1 : -1;
      System.arraycopy(shape, 0, staticShape, 2, shape.length);
      return tf.ensureShape(grouped, Shape.of(staticShape));
    }

    @Override
    public StepFeed prepare(Dataset batch, BatchSampler sampler, long step) {
      int b = batch.size();
      Dataset fed = fault == StepFault.EXAMPLES_SAMPLED_TWICE ? concat(batch, batch) : batch;
      int[] sampledCanaries =
          canaries == null ? new int[0] : canaries.sample(sampler.samplingRate(), step);
      if (fault == StepFault.EXAMPLES_SAMPLED_TWICE) {
        sampledCanaries =
            IntStream.concat(IntStream.of(sampledCanaries), IntStream.of(sampledCanaries))
                .toArray();
      }
      int firstCanary = fed.size();
      if (sampledCanaries.length > 0) {
        // zero rows: the graph replaces their inputs and gradients by the canaries'
        fed = concat(fed, zeros(batch, sampledCanaries.length));
      }
      ClippingUnits units = plan(fed.size(), sampler.expectedBatchSize(), sampler, step);
      StepFeed feed =
          feed(fed, units, dp.normalizer(b, sampler.expectedBatchSize(), sampler.mode()), step);
      if (canaryGraph != null) {
        canaryGraph.feed(feed, fed.size(), firstCanary, sampledCanaries, dp.l2NormClip());
      }
      if (externalClippedSum != null) {
        feedExternal(feed);
      }
      // before Session.run, as the ledger charges: once the run applies the update, nothing that
      // fails afterwards can leave it unrecorded (a run that fails is charged a step that may not
      // have happened, the safe direction)
      if (sampler.isPredictable() || state.noise.fixedSeed().isPresent()) {
        state.log.markPredictable();
      }
      state.log.recordStep(
          sampler.samplingRate(), dp.noiseMultiplier(), sampler.mode(), units.microbatchSize());
      return feed;
    }

    ClippingUnits plan(int b, double expectedBatchSize, BatchSampler sampler, long step) {
      return ClippingUnits.plan(
          dp.numMicrobatches(),
          b,
          expectedBatchSize,
          sampler.mode(),
          state.noise.microbatchDraws(step));
    }

    /**
     * The step's feed: the batch rearranged into its clipping units (padded with zero examples of
     * loss weight 0, which contribute nothing: an empty batch then adds only noise), the noise seed
     * (or secure noise) and the normalizer.
     */
    StepFeed feed(Dataset batch, ClippingUnits planned, double normalizerValue, long step) {
      int k = copies();
      ClippingUnits units = planned.withCopies(k);
      Dataset fed = batch;
      int[] slots = units.slots();
      if (!dp.augmentation().isNone()) {
        fed =
            dp.augmentation().augmentation().copies(batch, k, state.noise.augmentationDraws(step));
      }
      if (k > 1) {
        // the feed's slots name the sampled example each copy holds (the loss counts it once)
        slots = slots.clone();
        for (int i = 0; i < slots.length; i++) {
          slots[i] = slots[i] < 0 ? -1 : slots[i] / k;
        }
      }
      StepFeed feed = new StepFeed(units.arrange(fed), slots);
      try {
        if (units.weights() != null) {
          feed.feed(lossWeights, TFloat32.vectorOf(units.weights()));
        }
        if (numUnits != null) {
          feed.feed(numUnits, TInt32.vectorOf(units.count()));
        }
        feed.feed(noiseSeed, TInt64.vectorOf(noiseSeed(step)));
        feed.feed(normalizer, TFloat32.scalarOf((float) normalizerValue));
        if (secureNoise && !noiseInputs.isEmpty()) {
          List<long[]> shapes = new ArrayList<>();
          for (Placeholder<TFloat32> in : noiseInputs) {
            shapes.add(in.shape().asArray());
          }
          List<float[]> values = state.noise.secureStandardNormals(shapes, step);
          for (int i = 0; i < shapes.size(); i++) {
            feed.feed(
                noiseInputs.get(i),
                TFloat32.tensorOf(
                    Shape.of(shapes.get(i)), DataBuffers.of(values.get(i), true, false)));
          }
        }
        return feed;
      } catch (RuntimeException e) {
        feed.close();
        throw e;
      }
    }

    /** K, the augmented copies fed per sampled example. */
    private int copies() {
      return dp.augmentation().k();
    }

    private long[] noiseSeed(long step) {
      if (fault != StepFault.REUSED_NOISE) {
        return state.noise.philoxSeed(step);
      }
      if (reusedSeed == null) {
        reusedSeed = state.noise.philoxSeed(step);
      }
      return reusedSeed;
    }

    private static Dataset zeros(Dataset like, int rows) {
      int x = Math.toIntExact(product(like.exampleShape()));
      int y = Math.toIntExact(product(like.labelShape()));
      return new Dataset(
          new float[rows * x], like.exampleShape(), new float[rows * y], like.labelShape());
    }

    private static Dataset concat(Dataset first, Dataset second) {
      float[] x =
          Arrays.copyOf(first.features(), first.features().length + second.features().length);
      System.arraycopy(second.features(), 0, x, first.features().length, second.features().length);
      float[] y = Arrays.copyOf(first.labels(), first.labels().length + second.labels().length);
      System.arraycopy(second.labels(), 0, y, first.labels().length, second.labels().length);
      return new Dataset(x, first.exampleShape(), y, first.labelShape());
    }

    private static long product(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /**
     * The feed of the clipped sums alone: the batch arranged into its clipping units, their loss
     * weights and count (no noise seed, no normalizer).
     */
    StepFeed unitsFeed(Dataset batch, ClippingUnits units) {
      StepFeed feed = new StepFeed(units.arrange(batch), units.slots());
      try {
        if (units.weights() != null) {
          feed.feed(lossWeights, TFloat32.vectorOf(units.weights()));
        }
        if (numUnits != null) {
          feed.feed(numUnits, TInt32.vectorOf(units.count()));
        }
        return feed;
      } catch (RuntimeException e) {
        feed.close();
        throw e;
      }
    }

    /** Sets (or clears, with null) the clipped sum the next step is fed instead of its own. */
    void useExternalClippedSum(List<float[]> sums) {
      if (sums != null) {
        if (sums.size() != clippedSumShapes.size()) {
          throw new IllegalArgumentException(
              "clippedSum has "
                  + sums.size()
                  + " parameters, the model "
                  + clippedSumShapes.size());
        }
        for (int i = 0; i < sums.size(); i++) {
          long size = Shape.of(clippedSumShapes.get(i)).size();
          if (sums.get(i).length != size) {
            throw new IllegalArgumentException(
                "clippedSum of parameter "
                    + i
                    + " has "
                    + sums.get(i).length
                    + " values, the parameter "
                    + size);
          }
        }
      }
      externalClippedSum = sums;
    }

    private void feedExternal(StepFeed feed) {
      for (int i = 0; i < clippedSums.size(); i++) {
        feed.feed(
            clippedSums.get(i),
            TFloat32.tensorOf(
                Shape.of(clippedSumShapes.get(i)),
                DataBuffers.of(externalClippedSum.get(i), true, false)));
      }
    }

    @Override
    public void onTrainingBegin() {
      long restored = state.log.restoredSteps();
      if (restored > 0) {
        LOG.info(
            "the privacy log holds {} steps the model took before it was loaded: this fit's steps"
                + " are composed with them, as training on the same data (privacyLog()"
                + ".continueOnDisjointData() declares data sharing no individual with it)",
            restored);
      }
    }

    @Override
    public OptionalDouble epsilon() {
      Double delta = state.targetDelta;
      return delta == null
          ? OptionalDouble.empty()
          : OptionalDouble.of(state.log.privacySpent(delta, state.accountants).epsilon());
    }
  }
}
