package io.dp4j.nn;

import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.losses.InvalidLabelException;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.BatchEvent;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.NonFiniteWeightsException;
import io.dp4j.nn.train.TrainableModel;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.DpOptimizer;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.PrivacyLog;
import io.dp4j.privacy.PrivacySpent;
import io.dp4j.privacy.SecureGaussianNoise;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A linear stack of layers, as Keras' {@code Sequential}: the first layer declares the input shape,
 * {@link #compile} builds one TensorFlow graph holding the forward pass, the loss and the whole
 * training step, and {@link #fit} runs one {@code Session.run} per step.
 *
 * <p>Compiled with a {@link DpOptimizer} (or as a {@code DPSequential}), the step is DP-SGD (Abadi
 * et al. 2016, "Deep Learning with Differential Privacy"): per-example gradients, computed per
 * layer by a {@link io.dp4j.privacy.clipping.ClippingRule} from the layer's inputs and the gradient
 * with respect to its pre-activation output, are clipped to L2 norm C and summed, Gaussian noise
 * N(0, σ²C²) is added once, and the result divided by a normalizer goes to the optimizer. Each step
 * records a {@code PoissonSampled(q, Gaussian(σ))} event in the model's {@link PrivacyLog}, or
 * {@code PoissonSampled(q, Gaussian(σ/2))} when its microbatches can hold more than one example
 * (sensitivity 2C). How a batch is cut into microbatches, for fixed-size and for Poisson batches,
 * is described in {@link DpSettings}.
 *
 * <p>The model owns native resources: close it (try-with-resources).
 */
public class Sequential implements AutoCloseable, TrainableModel {
  private static final Logger LOG = LoggerFactory.getLogger(Sequential.class);

  private static final String NOTHING_TO_TRAIN =
      "the model has no trainable parameters (its layers, e.g. InputLayer, Flatten, Reshape or"
          + " pooling, hold no weights): there is nothing to train; add a layer with weights such"
          + " as Dense";

  private final List<Layer> layers = new ArrayList<>();
  private final List<TrainingListener> listeners = new ArrayList<>();
  private final PrivacyLog privacyLog = new PrivacyLog();
  private final SecureRandom secureRandom = new SecureRandom();
  private long[] inputShape;
  private long seed = new SecureRandom().nextLong();
  private Long fixedNoiseSeed;
  private boolean secureNoise;
  private SecureGaussianNoise secureGaussian;
  private ExecutorService noiseExecutor;
  private Future<List<float[]>> pendingNoise;
  private long steps;
  private Supplier<? extends PrivacyAccountant> accountants = RdpAccountant::new;
  private Double targetDelta;
  private boolean useXla;
  private volatile boolean stopRequested;
  private boolean validationDeclaredNotPrivate;

  private ModelGraph compiled;
  private Optimizer optimizer;
  private Loss loss;
  private List<String> names;
  private long[] outputShape;
  private List<Metric> metrics = List.of();

  /** A model of these layers; the first declares the input shape. */
  public Sequential(Layer... layers) {
    for (Layer layer : layers) {
      add(layer);
    }
  }

  /** Appends a layer (before {@link #compile}). */
  public Sequential add(Layer layer) {
    Objects.requireNonNull(layer, "layer");
    layers.add(layer);
    return this;
  }

  /** The layers, in order. */
  public List<Layer> layers() {
    return List.copyOf(layers);
  }

  /** Sets the input shape per example, for a first layer that does not declare one. */
  public Sequential setInputShape(long... shape) {
    this.inputShape = shape.clone();
    return this;
  }

  /** The seed of weight initialization and dropout; random unless set. */
  public Sequential setSeed(long seed) {
    this.seed = seed;
    return this;
  }

  public long seed() {
    return seed;
  }

  /** Adds a listener called after every step and epoch. */
  public Sequential addTrainingListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** The accountant used by {@link #privacySpent} and epoch events; RDP by default. */
  public Sequential setAccountant(Supplier<? extends PrivacyAccountant> accountants) {
    this.accountants = Objects.requireNonNull(accountants, "accountants");
    return this;
  }

  /** When set, epoch events and the history carry ε at this δ. */
  public Sequential setTargetDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    this.targetDelta = delta;
    return this;
  }

  /** The δ set by {@link #setTargetDelta}, if any. */
  public OptionalDouble targetDelta() {
    return targetDelta == null ? OptionalDouble.empty() : OptionalDouble.of(targetDelta);
  }

  /**
   * FOR TESTS ONLY: derive the DP noise of step s from {@code (seed, s)} instead of {@link
   * SecureRandom}. The noise is then predictable and gives no privacy; the model reports the seed
   * ({@link #fixedNoiseSeed()}) and logs a warning.
   */
  public Sequential useFixedNoiseSeedForTesting(long seed) {
    LOG.warn("DP noise uses the fixed test seed {}: no privacy guarantee", seed);
    this.fixedNoiseSeed = seed;
    return this;
  }

  /**
   * Secure noise mode: the DP noise of every parameter is drawn in Java from {@link SecureRandom}
   * ({@link SecureGaussianNoise}: each value the sum of four Gaussians over 2, after Opacus's
   * {@code secure_mode} and Mironov 2012) and fed to the step, instead of drawn in-graph by
   * TensorFlow's Philox-based stateless normal from a {@code SecureRandom} seed. The noise is
   * scaled by σ·C and divided by the normalizer in-graph exactly as in the default mode. It is
   * slower (one CSPRNG draw per parameter value per step). Takes effect at the next {@code
   * compile}; {@link #secureNoise()} reports the mode in use.
   */
  public Sequential useSecureNoise() {
    this.secureNoise = true;
    return this;
  }

  /**
   * Whether the DP noise is drawn in Java on a CSPRNG ({@link #useSecureNoise()}) rather than
   * in-graph: the mode of the compiled model, or the requested one before compile.
   */
  public boolean secureNoise() {
    return compiled != null && compiled.dp != null ? compiled.secureNoise : secureNoise;
  }

  /** The fixed test noise seed, if one was set. */
  public OptionalLong fixedNoiseSeed() {
    return fixedNoiseSeed == null ? OptionalLong.empty() : OptionalLong.of(fixedNoiseSeed);
  }

  /** Asks TensorFlow to compile the step with XLA (takes effect at the next compile). */
  protected void setUseXla(boolean useXla) {
    this.useXla = useXla;
  }

  /**
   * DP settings applied when compiled with an ordinary optimizer; none for a plain model ({@code
   * DPSequential} returns its own).
   */
  protected Optional<DpSettings> defaultDpSettings() {
    return Optional.empty();
  }

  /**
   * Builds the graph: forward pass, per-example loss, metrics and the training step.
   *
   * @param optimizer the optimizer; a {@link DpOptimizer} makes the step DP-SGD
   * @param loss the loss; with a DP optimizer it must have {@link Reduction#NONE}. A plain
   *     optimizer minimizes the batch sum for {@link Reduction#SUM} and the batch mean otherwise
   *     (NONE included, as Keras does)
   * @param metrics metrics besides the loss
   * @throws IllegalArgumentException if a layer cannot be trained as asked (no input shape, a layer
   *     that mixes examples or has no clipping rule under DP, a reduced loss with a DP optimizer)
   */
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(loss, "loss");
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("the model has no layers");
    }
    DpSettings dp = null;
    if (optimizer instanceof DpOptimizer dpOptimizer) {
      if (loss.reduction() != Reduction.NONE) {
        throw new IllegalArgumentException(
            optimizer.getClass().getSimpleName()
                + " needs the loss of every example, but "
                + loss.getClass().getSimpleName()
                + " has reduction "
                + loss.reduction()
                + ": a loss already reduced over the batch has one gradient for the whole batch,"
                + " which cannot be clipped per example. Construct the loss with Reduction.NONE.");
      }
      dp = dpOptimizer.dpSettings();
    } else {
      dp = defaultDpSettings().orElse(null);
    }
    long[] first =
        layers.get(0).declaredInputShape().orElse(inputShape == null ? null : inputShape.clone());
    if (first == null) {
      throw new IllegalArgumentException(
          "the first layer must declare the input shape (e.g."
              + " Dense.builder().setUnits(10).optInputShape(784).build()), or call setInputShape");
    }
    List<long[]> shapes = new ArrayList<>();
    List<String> layerNames = new ArrayList<>();
    Map<String, Integer> counts = new HashMap<>();
    long[] shape = first;
    for (Layer layer : layers) {
      String type = layer.typeName().toLowerCase(Locale.ROOT);
      int count = counts.merge(type, 1, Integer::sum);
      layerNames.add(layer.name().orElse(type + "_" + count));
      shapes.add(shape);
      shape = layer.outputShape(shape);
    }
    if (layerNames.stream().distinct().count() != layerNames.size()) {
      throw new IllegalArgumentException("layer names must be unique, got " + layerNames);
    }
    if (dp != null) {
      validateForDp(dp, shapes, layerNames);
      if (dp.noiseMultiplier() == 0) {
        LOG.warn(
            "DP-SGD with noiseMultiplier 0: gradients are clipped but not noised, no privacy;"
                + " privacySpent reports epsilon = Infinity once a step has run");
      }
      if (useXla) {
        LOG.debug("XLA JIT requested (global_jit_level ON_1)");
      }
    }
    List<float[]> previous = compiled == null ? null : getWeights();
    List<Metric> wanted = Arrays.stream(metrics).map(Objects::requireNonNull).distinct().toList();
    ModelGraph graph =
        new ModelGraph(
            layers,
            layerNames,
            shapes,
            shape,
            optimizer,
            loss,
            wanted,
            dp,
            useXla,
            seed,
            secureNoise);
    if (compiled != null) {
      compiled.close();
    }
    compiled = graph;
    this.optimizer = optimizer;
    this.loss = loss;
    this.names = layerNames;
    this.outputShape = shape;
    this.metrics = wanted;
    if (previous != null && sameShapes(previous)) {
      setWeights(previous);
    } else {
      initializeWeights();
    }
    LOG.debug(
        "compiled {} layers, {} parameters, DP {}", layers.size(), parameterCount(), dp != null);
  }

  private void validateForDp(DpSettings dp, List<long[]> shapes, List<String> layerNames) {
    boolean anyParameter = false;
    for (int l = 0; l < layers.size(); l++) {
      anyParameter |= !layers.get(l).parameters(shapes.get(l)).isEmpty();
    }
    if (!anyParameter) {
      throw new IllegalArgumentException(NOTHING_TO_TRAIN);
    }
    for (int l = 0; l < layers.size(); l++) {
      Layer layer = layers.get(l);
      if (layer.mixesExamples()) {
        throw new IllegalArgumentException(
            "layer " + layerNames.get(l) + " (" + layer.typeName() + ") " + Layer.MIXES_EXAMPLES);
      }
      if (!layer.parameters(shapes.get(l)).isEmpty() && dp.registry().ruleFor(layer).isEmpty()) {
        throw new IllegalArgumentException(
            "layer "
                + layerNames.get(l)
                + " ("
                + layer.typeName()
                + ") has trainable parameters but no clipping rule; register one with"
                + " ClippingRegistry.register("
                + layer.getClass().getSimpleName()
                + ".class, rule) and pass the registry to the DP optimizer or DPSequential");
      }
    }
  }

  private boolean sameShapes(List<float[]> weights) {
    List<ParameterSpec> specs = compiled.specs;
    if (weights.size() != specs.size()) {
      return false;
    }
    for (int i = 0; i < specs.size(); i++) {
      if (weights.get(i).length != specs.get(i).size()) {
        return false;
      }
    }
    return true;
  }

  private void initializeWeights() {
    List<float[]> values = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    for (ParameterSpec spec : compiled.specs) {
      values.add(spec.initialValues(random.split()));
    }
    setWeights(values);
  }

  private ModelGraph requireCompiled() {
    if (compiled == null) {
      throw new IllegalStateException("compile the model first");
    }
    return compiled;
  }

  /** True once compiled with DP-SGD. */
  @Override
  public boolean isDifferentiallyPrivate() {
    return requireCompiled().dp != null;
  }

  /** The DP settings of the compiled step, if DP. */
  public Optional<DpSettings> dpSettings() {
    return Optional.ofNullable(requireCompiled().dp);
  }

  /** The output shape per example. */
  public long[] outputShape() {
    requireCompiled();
    return outputShape.clone();
  }

  /** The trainable parameters, in the order of {@link #getWeights()}, named {@code layer_param}. */
  public Map<String, long[]> weightShapes() {
    ModelGraph g = requireCompiled();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    int i = 0;
    for (int l = 0; l < layers.size(); l++) {
      for (ParameterSpec spec : layers.get(l).parameters(inputShapeOf(l))) {
        shapes.put(names.get(l) + "_" + spec.name(), g.specs.get(i++).shape());
      }
    }
    return shapes;
  }

  private long[] inputShapeOf(int layer) {
    long[] shape =
        layers.get(0).declaredInputShape().orElse(inputShape == null ? null : inputShape.clone());
    for (int l = 0; l < layer; l++) {
      shape = layers.get(l).outputShape(shape);
    }
    return shape;
  }

  /**
   * A Keras-style summary: one line per layer with its name, type, output shape and parameter
   * count, then the total (returned, never printed).
   */
  public String summary() {
    requireCompiled();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format("%-24s %-22s %-18s %10s%n", "Layer", "Type", "Output shape", "Params"));
    long total = 0;
    for (int l = 0; l < layers.size(); l++) {
      long[] in = inputShapeOf(l);
      long params = 0;
      for (ParameterSpec spec : layers.get(l).parameters(in)) {
        params += spec.size();
      }
      total += params;
      out.append(
          String.format(
              "%-24s %-22s %-18s %10d%n",
              names.get(l),
              layers.get(l).typeName(),
              Arrays.toString(layers.get(l).outputShape(in)),
              params));
    }
    out.append("Total params: ").append(total);
    if (compiled.dp != null) {
      out.append(System.lineSeparator()).append("DP-SGD: ").append(compiled.dp);
    }
    return out.toString();
  }

  /** Number of trainable values. */
  public long parameterCount() {
    long n = 0;
    for (ParameterSpec spec : requireCompiled().specs) {
      n += spec.size();
    }
    return n;
  }

  /** The weights, one row-major array per parameter (Keras' {@code get_weights}). */
  public List<float[]> getWeights() {
    ModelGraph g = requireCompiled();
    if (g.variables.isEmpty()) {
      return List.of();
    }
    Session.Runner runner = g.session.runner();
    g.variables.forEach(runner::fetch);
    List<float[]> weights = new ArrayList<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < g.variables.size(); i++) {
        weights.add(Tensors.read(result.get(i)));
      }
    }
    return weights;
  }

  /** Sets the weights, one row-major array per parameter in the order of {@link #getWeights()}. */
  public void setWeights(List<float[]> weights) {
    ModelGraph g = requireCompiled();
    if (weights.size() != g.specs.size()) {
      throw new IllegalArgumentException(
          "expected " + g.specs.size() + " weight arrays, got " + weights.size());
    }
    List<TFloat32> tensors = new ArrayList<>();
    try {
      Session.Runner runner = g.session.runner();
      for (int i = 0; i < weights.size(); i++) {
        ParameterSpec spec = g.specs.get(i);
        if (weights.get(i).length != spec.size()) {
          throw new IllegalArgumentException(
              "weight "
                  + i
                  + " ("
                  + spec
                  + ") needs "
                  + spec.size()
                  + " values, got "
                  + weights.get(i).length);
        }
        TFloat32 t = Tensors.of(weights.get(i).clone(), spec.shape());
        tensors.add(t);
        runner.feed(g.assignInputs.get(i), t).addTarget(g.assignOps.get(i));
      }
      if (!tensors.isEmpty()) {
        runner.run().close();
      }
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  /**
   * Trains with fixed-size batches of a reshuffled epoch (sampling mode SHUFFLED). A DP model drops
   * an epoch's last incomplete batch, as its steps are accounted for at one batch size.
   */
  public History fit(Dataset data, int batchSize, int epochs) {
    return fit(data, batchSize, epochs, null);
  }

  /**
   * As {@link #fit(Dataset, int, int)}, evaluating {@code validationData} after every epoch into
   * the history as {@code val_loss} and {@code val_} plus each metric's key ({@code val_accuracy},
   * {@code val_binary_accuracy}), Keras' names.
   *
   * @param validationData held-out examples, or null for none. Evaluating them is not a DP step:
   *     they are not protected or accounted for by the model's privacy log
   */
  public History fit(Dataset data, int batchSize, int epochs, Dataset validationData) {
    boolean dropRemainder = requireCompiled().dp != null;
    if (dropRemainder && data.size() % batchSize != 0) {
      LOG.info(
          "DP training drops the last {} examples of each shuffled epoch (batch size {})",
          data.size() % batchSize,
          batchSize);
    }
    // the model's seed makes the shuffles predictable, and the sampler reports them as such
    int n = data.size();
    return fit(
        data,
        new ShuffledSampler(
            n,
            n > 0 ? Math.min(batchSize, n) : batchSize,
            dropRemainder,
            new SplittableRandom(seed ^ 0x5DEECE66DL)),
        epochs,
        validationData);
  }

  /**
   * Trains for {@code epochs} epochs, one step per batch of {@code sampler}.
   *
   * @return the per-epoch loss and metrics (and ε when a target δ is set)
   */
  public History fit(Dataset data, BatchSampler sampler, int epochs) {
    return fit(data, sampler, epochs, null);
  }

  /**
   * Trains for up to {@code epochs} epochs, one step per batch of {@code sampler}, evaluating
   * {@code validationData} (if not null) after every epoch into {@code val_loss} and {@code
   * val_accuracy}. Listeners see {@link TrainingListener#onTrainingBegin} first and {@link
   * TrainingListener#onTrainingEnd} last; training ends early when {@link #stopTraining()} is
   * called (by a listener such as {@link io.dp4j.nn.train.EarlyStopping}), after the current step.
   *
   * <p>Under DP training, only the model is protected: the training loss and metrics in the history
   * and in {@link io.dp4j.nn.train.BatchEvent}s are computed without noise on the private batches
   * (as in TF Privacy and Opacus), so they are not covered by the reported ε. Publish metrics of
   * held-out data instead.
   *
   * @param validationData held-out examples, or null for none; not protected or accounted for by DP
   *     training
   * @return the loss and metrics of every epoch run (and ε when a target δ is set)
   * @throws InvalidLabelException before the first step, for a label the loss cannot take
   * @throws IllegalArgumentException if the model has no trainable parameters
   * @throws NonFiniteWeightsException when a weight becomes NaN or infinite after a step, naming it
   */
  public History fit(Dataset data, BatchSampler sampler, int epochs, Dataset validationData) {
    ModelGraph g = requireCompiled();
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
    }
    if (validationData != null
        && !Arrays.equals(validationData.exampleShape(), data.exampleShape())) {
      throw new IllegalArgumentException(
          "validation examples have shape "
              + Arrays.toString(validationData.exampleShape())
              + ", training examples "
              + Arrays.toString(data.exampleShape()));
    }
    if (validationData != null && validationData.size() == 0) {
      throw new IllegalArgumentException(
          "validationData is empty; pass null to train without validation, or at least one"
              + " example");
    }
    if (g.variables.isEmpty()) {
      throw new IllegalArgumentException(NOTHING_TO_TRAIN);
    }
    checkLabels(data);
    History history = new History();
    stopRequested = false;
    validationDeclaredNotPrivate = validationData != null && validationData.isDeclaredNotPrivate();
    if (g.dp != null && privacyLog.restoredSteps() > 0) {
      LOG.info(
          "the privacy log holds {} steps the model took before it was loaded: this fit's steps are"
              + " composed with them, as training on the same data (privacyLog()"
              + ".continueOnDisjointData() declares data sharing no individual with it)",
          privacyLog.restoredSteps());
    }
    listeners.forEach(l -> l.onTrainingBegin(this));
    for (int epoch = 0; epoch < epochs && !stopRequested; epoch++) {
      double lossSum = 0;
      List<MetricAccumulator> accumulators = accumulators();
      long examples = 0;
      List<int[]> batches = sampler.nextEpoch();
      for (int step = 0; step < batches.size() && !stopRequested; step++) {
        Dataset batch = data.gather(batches.get(step));
        float batchLoss = trainStep(g, batch, sampler, accumulators);
        // Checked on the weights, never on the loss: under DP a private example whose loss is not
        // finite contributes zero to the step, so stopping on the training loss would reveal that
        // the example was sampled. The weights after every step are covered by the DP guarantee
        // already; testing them is post-processing.
        if (!g.weightsFinite()) {
          throw new NonFiniteWeightsException(steps, epoch, step);
        }
        lossSum += batchLoss;
        examples += batch.size();
        for (TrainingListener listener : listeners) {
          listener.onTrainingBatch(
              new BatchEvent(
                  epoch,
                  step,
                  batch.size(),
                  batch.size() == 0 ? Double.NaN : batchLoss / batch.size()));
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("loss", examples == 0 ? Double.NaN : lossSum / examples);
      for (int i = 0; i < accumulators.size(); i++) {
        metrics.put(this.metrics.get(i).key(), accumulators.get(i).value());
      }
      OptionalDouble epsilon = OptionalDouble.empty();
      if (g.dp != null && targetDelta != null) {
        epsilon = OptionalDouble.of(privacySpent(targetDelta).epsilon());
        metrics.put("epsilon", epsilon.getAsDouble());
      }
      if (validationData != null) {
        evaluate(validationData).forEach((k, v) -> metrics.put("val_" + k, v));
      }
      history.addEpoch(metrics);
      EpochEvent event = new EpochEvent(epoch, metrics, epsilon, steps);
      listeners.forEach(l -> l.onEpoch(event));
    }
    listeners.forEach(l -> l.onTrainingEnd(this, history));
    return history;
  }

  /**
   * Refuses a training label the compiled loss cannot take for this model (a class index outside
   * its classes for a sparse loss, a one-hot or binary target outside [0, 1]); {@link #fit} calls
   * it before its first step. The exception names the first such example, never its value.
   *
   * @throws InvalidLabelException naming the first refused example
   */
  public void checkLabels(Dataset data) {
    requireCompiled();
    float[] labels = data.labels();
    int per = (int) product(data.labelShape());
    for (int i = 0; i < data.size(); i++) {
      if (!loss.acceptsLabel(labels, i * per, per, outputShape)) {
        throw new InvalidLabelException(i, loss.labelRule(outputShape));
      }
    }
  }

  /**
   * Asks a running {@link #fit} to stop after its current step (Keras' {@code model.stop_training =
   * True}). Meant to be called from a {@link TrainingListener}; each fit starts with the flag
   * cleared.
   */
  @Override
  public void stopTraining() {
    stopRequested = true;
  }

  @Override
  public boolean validationDeclaredNotPrivate() {
    return validationDeclaredNotPrivate;
  }

  /** A fresh accumulator per compiled metric, in order. */
  private List<MetricAccumulator> accumulators() {
    return metrics.stream().map(MetricAccumulator::of).toList();
  }

  /**
   * One step; returns the sum of the batch's losses and adds the metrics' values, read from the
   * step's own forward pass, to {@code accumulators}.
   */
  private float trainStep(
      ModelGraph g, Dataset batch, BatchSampler sampler, List<MetricAccumulator> accumulators) {
    int b = batch.size();
    DpSettings dp = g.dp;
    if (b == 0 && dp == null) {
      // nothing to learn from, and no noise to add
      return 0f;
    }
    ClippingUnits units =
        dp == null ? null : clippingUnits(dp, b, sampler.expectedBatchSize(), sampler.mode());
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner =
          dp == null ? feedBatch(g, batch, feeds) : feedUnits(g, batch, units, feeds);
      if (dp != null) {
        feedDp(g, runner, feeds, dp.normalizer(b, sampler.expectedBatchSize(), sampler.mode()));
      }
      runner.addTarget(g.trainOp);
      runner.fetch(g.trainLoss);
      g.trainMetrics.forEach(runner::fetch);
      if (g.aucLabels != null) {
        runner.fetch(g.aucLabels);
      }
      if (dp != null) {
        // before Session.run, as the ledger charges: once the run applies the update, nothing
        // that fails afterwards can leave it unrecorded (a run that fails is charged a step that
        // may not have happened, the safe direction)
        if (sampler.isPredictable() || fixedNoiseSeed != null) {
          privacyLog.markPredictable();
        }
        privacyLog.recordStep(
            sampler.samplingRate(), dp.noiseMultiplier(), sampler.mode(), units.microbatchSize());
      }
      int[] slots = units == null ? null : units.slots();
      float lossSum = 0;
      float[][] values = new float[g.trainMetrics.size()][];
      float[] classOne = null;
      try (Result result = runner.run()) {
        if (b > 0) {
          lossSum = sumReal(Tensors.read(result.get(0)), slots);
          for (int i = 0; i < values.length; i++) {
            values[i] = Tensors.read(result.get(1 + i));
          }
          if (g.aucLabels != null) {
            classOne = Tensors.read(result.get(1 + values.length));
          }
        }
      }
      steps++;
      if (b > 0) {
        for (int i = 0; i < values.length; i++) {
          accumulators.get(i).add(values[i], classOne, slots);
        }
      }
      return lossSum;
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /** The sum over the slots that hold an example (all when {@code slots} is null). */
  private static float sumReal(float[] values, int[] slots) {
    if (slots == null) {
      return sum(values);
    }
    double s = 0;
    for (int i = 0; i < values.length; i++) {
      if (slots[i] >= 0) {
        s += values[i];
      }
    }
    return (float) s;
  }

  /**
   * How a batch is cut into clipping units, and what is fed.
   *
   * @param count the number of units n fed to the graph
   * @param slots for each of the {@code count * size} fed examples, the batch index it holds, or -1
   *     for a padding example of loss weight 0; null to feed the batch as it is
   * @param weights the loss weights of the fed examples (a unit's loss is the mean of its weighted
   *     losses), or null for ones
   * @param microbatchOf for each example of the batch, the unit it was clipped in
   * @param microbatchSize examples per unit for the accountant: 1 when clipping per example, b/M
   *     for fixed-size batches, (expected batch size)/M for Poisson batches
   */
  private record ClippingUnits(
      int count, int[] slots, float[] weights, int[] microbatchOf, double microbatchSize) {}

  /**
   * The clipping units of a batch of {@code b} examples (see {@link DpSettings} for the rule): per
   * example when M = 0; for fixed-size batches, M consecutive groups of b/M; for Poisson batches,
   * per example when M equals the expected batch size, else each example assigned to one of the M
   * microbatches independently and uniformly at random, so that adding or removing an example
   * changes exactly one microbatch.
   */
  private ClippingUnits clippingUnits(
      DpSettings dp, int b, double expectedBatchSize, SamplingMode mode) {
    int m = dp.numMicrobatches();
    boolean perExample =
        m == 0 || (mode == SamplingMode.POISSON && RunShape.clipsPerExample(m, expectedBatchSize));
    if (perExample) {
      if (b == 0) {
        return new ClippingUnits(1, new int[] {-1}, new float[1], new int[0], 1);
      }
      return new ClippingUnits(b, null, null, range(0, b), 1);
    }
    if (mode == SamplingMode.SHUFFLED) {
      if (b % m != 0) {
        throw new IllegalArgumentException(
            "batch size "
                + b
                + " is not a multiple of numMicrobatches "
                + m
                + "; with fixed-size batches, choose a batch size divisible by it (microbatches"
                + " are b/M consecutive examples, as in TF Privacy)");
      }
      if (b == 0) {
        return padding(m, b, expectedBatchSize / m);
      }
      int k = b / m;
      int[] of = new int[b];
      for (int i = 0; i < b; i++) {
        of[i] = i / k;
      }
      return new ClippingUnits(m, null, null, of, k);
    }
    if (m > expectedBatchSize) {
      throw new IllegalArgumentException(
          "numMicrobatches "
              + m
              + " exceeds the expected batch size "
              + expectedBatchSize
              + " of the Poisson batches; set numMicrobatches to the expected batch size (or 0)"
              + " to clip per example, or below it for microbatches of several examples");
    }
    if (b == 0) {
      return padding(m, b, expectedBatchSize / m);
    }
    SplittableRandom seeded =
        fixedNoiseSeed == null
            ? null
            : new SplittableRandom(fixedNoiseSeed * 0x9E3779B97F4A7C15L + steps + 1);
    int[] of = new int[b];
    int[] counts = new int[m];
    for (int i = 0; i < b; i++) {
      of[i] = seeded != null ? seeded.nextInt(m) : secureRandom.nextInt(m);
      counts[of[i]]++;
    }
    int s = 1;
    for (int c : counts) {
      s = Math.max(s, c);
    }
    int[] slots = new int[m * s];
    float[] weights = new float[m * s];
    Arrays.fill(slots, -1);
    int[] filled = new int[m];
    for (int i = 0; i < b; i++) {
      int j = of[i];
      int slot = j * s + filled[j]++;
      slots[slot] = i;
      // the graph divides a unit's weighted loss sum by s: the mean over its real examples
      weights[slot] = (float) s / counts[j];
    }
    return new ClippingUnits(m, slots, weights, of, expectedBatchSize / m);
  }

  /** Units for an empty batch: one padding example of loss weight 0 per unit. */
  private static ClippingUnits padding(int count, int b, double microbatchSize) {
    int[] slots = new int[count];
    Arrays.fill(slots, -1);
    return new ClippingUnits(
        count, slots, new float[count], new int[b], Math.max(1, microbatchSize));
  }

  private static float sum(float[] values) {
    double s = 0;
    for (float v : values) {
      s += v;
    }
    return (float) s;
  }

  /**
   * Feeds a DP step's batch as its clipping units: as it is, or rearranged into units padded with
   * zero examples of loss weight 0, which contribute nothing (an empty batch then adds only noise).
   */
  private Session.Runner feedUnits(
      ModelGraph g, Dataset batch, ClippingUnits units, List<Tensor> feeds) {
    Session.Runner runner;
    if (units.slots() == null) {
      runner = feedBatch(g, batch, feeds);
    } else {
      runner = feedBatch(g, arrange(batch, units.slots()), feeds);
    }
    if (units.weights() != null) {
      TFloat32 weights = TFloat32.vectorOf(units.weights());
      feeds.add(weights);
      runner.feed(g.lossWeights, weights);
    }
    if (g.numUnits != null) {
      TInt32 count = TInt32.vectorOf(units.count());
      feeds.add(count);
      runner.feed(g.numUnits, count);
    }
    return runner;
  }

  /** The examples of {@code batch} at {@code slots}, zeros where a slot is -1. */
  private static Dataset arrange(Dataset batch, int[] slots) {
    long[] exampleShape = batch.exampleShape();
    long[] labelShape = batch.labelShape();
    int per = (int) product(exampleShape);
    int labelPer = (int) product(labelShape);
    float[] x = new float[slots.length * per];
    float[] y = new float[slots.length * labelPer];
    float[] bx = batch.features();
    float[] by = batch.labels();
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] >= 0) {
        System.arraycopy(bx, slots[i] * per, x, i * per, per);
        System.arraycopy(by, slots[i] * labelPer, y, i * labelPer, labelPer);
      }
    }
    return new Dataset(x, exampleShape, y, labelShape);
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private Session.Runner feedBatch(ModelGraph g, Dataset batch, List<Tensor> feeds) {
    TFloat32 x = Tensors.of(batch.features(), batch.size(), batch.exampleShape());
    feeds.add(x);
    TFloat32 y = Tensors.of(batch.labels(), batch.size(), batch.labelShape());
    feeds.add(y);
    return g.session.runner().feed(g.x, x).feed(g.y, y);
  }

  private void feedDp(ModelGraph g, Session.Runner runner, List<Tensor> feeds, double normalizer) {
    long[] noiseSeed =
        fixedNoiseSeed != null
            ? new long[] {fixedNoiseSeed, steps}
            : new long[] {secureRandom.nextLong(), secureRandom.nextLong()};
    TInt64 seedTensor = TInt64.vectorOf(noiseSeed);
    feeds.add(seedTensor);
    TFloat32 norm = TFloat32.scalarOf((float) normalizer);
    feeds.add(norm);
    runner.feed(g.noiseSeed, seedTensor).feed(g.normalizer, norm);
    if (g.secureNoise && !g.noiseInputs.isEmpty()) {
      List<long[]> shapes = new ArrayList<>();
      for (Placeholder<TFloat32> in : g.noiseInputs) {
        shapes.add(in.shape().asArray());
      }
      List<float[]> values;
      if (fixedNoiseSeed != null) {
        values =
            drawNoise(
                new SecureGaussianNoise(
                    new SplittableRandom(
                            (fixedNoiseSeed ^ 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L + steps)
                        ::nextBytes),
                shapes);
      } else {
        values = prefetchedNoise(shapes);
      }
      for (int i = 0; i < shapes.size(); i++) {
        TFloat32 noise = Tensors.of(values.get(i), shapes.get(i));
        feeds.add(noise);
        runner.feed(g.noiseInputs.get(i), noise);
      }
    }
  }

  /**
   * This step's secure noise, and starts drawing the next step's on a background thread so that it
   * overlaps the TensorFlow step. Noise drawn for a step that never runs is discarded; each draw is
   * used at most once.
   */
  private List<float[]> prefetchedNoise(List<long[]> shapes) {
    List<float[]> values = null;
    if (pendingNoise != null) {
      try {
        List<float[]> pending = pendingNoise.get();
        if (sameShapes(pending, shapes)) {
          values = pending;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while drawing DP noise", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("drawing DP noise failed", e.getCause());
      } finally {
        pendingNoise = null;
      }
    }
    SecureGaussianNoise gaussian = secureGaussian();
    if (values == null) {
      values = drawNoise(gaussian, shapes);
    }
    if (noiseExecutor == null) {
      noiseExecutor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "dp4j-secure-noise");
                t.setDaemon(true);
                return t;
              });
    }
    List<long[]> next = List.copyOf(shapes);
    pendingNoise = noiseExecutor.submit(() -> drawNoise(gaussian, next));
    return values;
  }

  private static boolean sameShapes(List<float[]> values, List<long[]> shapes) {
    if (values.size() != shapes.size()) {
      return false;
    }
    for (int i = 0; i < shapes.size(); i++) {
      if (values.get(i).length != numElements(shapes.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<float[]> drawNoise(SecureGaussianNoise gaussian, List<long[]> shapes) {
    List<float[]> values = new ArrayList<>();
    for (long[] shape : shapes) {
      values.add(gaussian.next(Math.toIntExact(numElements(shape))));
    }
    return values;
  }

  private SecureGaussianNoise secureGaussian() {
    if (secureGaussian == null) {
      secureGaussian = SecureGaussianNoise.secure();
    }
    return secureGaussian;
  }

  private static long numElements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * The intermediate values of a DP step on {@code batch} as a fixed-size batch (clipping units as
   * for {@link SamplingMode#SHUFFLED}: per example, or M groups of b/M consecutive examples),
   * without updating the model. An empty batch is computed as padding examples of weight 0 (norms
   * 0, clipped sums 0).
   *
   * @param normalizer the divisor of the noisy sum
   */
  public DpStepInspection inspectDpStep(Dataset batch, double normalizer) {
    ModelGraph g = requireDp();
    return inspect(
        g,
        batch,
        clippingUnits(g.dp, batch.size(), batch.size(), SamplingMode.SHUFFLED),
        normalizer);
  }

  /**
   * The intermediate values of a DP step on {@code batch} drawn by {@code sampler}, with the
   * clipping units, the random microbatch assignment and the normalizer {@link #fit} would use,
   * without updating the model. The assignment is drawn afresh (from the fixed test seed and the
   * step count when one is set, so then reproducibly) and reported in {@link
   * DpStepInspection#microbatchOf()}.
   */
  public DpStepInspection inspectDpStep(Dataset batch, BatchSampler sampler) {
    ModelGraph g = requireDp();
    int b = batch.size();
    ClippingUnits units = clippingUnits(g.dp, b, sampler.expectedBatchSize(), sampler.mode());
    return inspect(
        g, batch, units, g.dp.normalizer(b, sampler.expectedBatchSize(), sampler.mode()));
  }

  private ModelGraph requireDp() {
    ModelGraph g = requireCompiled();
    if (g.dp == null) {
      throw new IllegalStateException("the model is not compiled for DP training");
    }
    return g;
  }

  private DpStepInspection inspect(
      ModelGraph g, Dataset batch, ClippingUnits units, double normalizer) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feedUnits(g, batch, units, feeds);
      feedDp(g, runner, feeds, normalizer);
      runner.fetch(g.unitSquaredNorms);
      g.clippedSums.forEach(runner::fetch);
      g.noisyGradients.forEach(runner::fetch);
      try (Result result = runner.run()) {
        int p = g.clippedSums.size();
        List<float[]> sums = new ArrayList<>();
        List<float[]> noisy = new ArrayList<>();
        for (int i = 0; i < p; i++) {
          sums.add(Tensors.read(result.get(1 + i)));
          noisy.add(Tensors.read(result.get(1 + p + i)));
        }
        return new DpStepInspection(
            Tensors.read(result.get(0)),
            sums,
            noisy,
            normalizer,
            units.microbatchOf().clone(),
            units.microbatchSize());
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /**
   * The gradient of the batch's mean loss with respect to every parameter, by ordinary
   * backpropagation (no clipping, no noise), in the order of {@link #getWeights()}.
   */
  public List<float[]> gradients(Dataset batch) {
    ModelGraph g = requireCompiled();
    if (batch.size() == 0) {
      return g.specs.stream().map(spec -> new float[spec.size()]).toList();
    }
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feedBatch(g, batch, feeds);
      g.meanLossGradients.forEach(runner::fetch);
      List<float[]> grads = new ArrayList<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < g.meanLossGradients.size(); i++) {
          grads.add(Tensors.read(result.get(i)));
        }
      }
      return grads;
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /** Predictions for every example, each flattened row-major. */
  public float[][] predict(Dataset data) {
    return predict(data, 256);
  }

  /** Predictions for every example, computed {@code batchSize} examples at a time. */
  public float[][] predict(Dataset data, int batchSize) {
    ModelGraph g = requireCompiled();
    float[][] out = new float[data.size()][];
    for (int start = 0; start < data.size(); start += batchSize) {
      int end = Math.min(data.size(), start + batchSize);
      Dataset batch = data.gather(range(start, end));
      try (TFloat32 x = Tensors.of(batch.features(), batch.size(), batch.exampleShape());
          Result result = g.session.runner().feed(g.x, x).fetch(g.prediction).run()) {
        float[] flat = Tensors.read(result.get(0));
        int per = batch.size() == 0 ? 0 : flat.length / batch.size();
        for (int i = 0; i < batch.size(); i++) {
          out[start + i] = Arrays.copyOfRange(flat, i * per, (i + 1) * per);
        }
      }
    }
    return out;
  }

  /** The mean loss and metrics over {@code data}. */
  public Map<String, Double> evaluate(Dataset data) {
    return evaluate(data, 256);
  }

  /**
   * The mean loss and the metrics over {@code data}, {@code batchSize} examples at a time; {@link
   * Metric#AUC} is computed over all of {@code data} at once, not averaged over batches.
   *
   * @throws IllegalArgumentException if {@code data} is empty (it has no mean loss or accuracy) or
   *     {@code batchSize} is below 1
   */
  public Map<String, Double> evaluate(Dataset data, int batchSize) {
    ModelGraph g = requireCompiled();
    if (data.size() == 0) {
      throw new IllegalArgumentException(
          "evaluate: data is empty; a loss or metric needs at least one example");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("evaluate: batchSize must be >= 1, got " + batchSize);
    }
    double lossSum = 0;
    List<MetricAccumulator> accumulators = accumulators();
    for (int start = 0; start < data.size(); start += batchSize) {
      Dataset batch = data.gather(range(start, Math.min(data.size(), start + batchSize)));
      List<Tensor> feeds = new ArrayList<>();
      try {
        Session.Runner runner = feedBatch(g, batch, feeds).fetch(g.evalLoss);
        g.evalMetrics.forEach(runner::fetch);
        if (g.aucLabels != null) {
          runner.fetch(g.aucLabels);
        }
        try (Result result = runner.run()) {
          lossSum += sum(Tensors.read(result.get(0)));
          float[] classOne =
              g.aucLabels == null ? null : Tensors.read(result.get(1 + accumulators.size()));
          for (int i = 0; i < accumulators.size(); i++) {
            accumulators.get(i).add(Tensors.read(result.get(1 + i)), classOne, null);
          }
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
    }
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", lossSum / data.size());
    for (int i = 0; i < accumulators.size(); i++) {
      values.put(metrics.get(i).key(), accumulators.get(i).value());
    }
    return values;
  }

  private static int[] range(int start, int end) {
    int[] r = new int[end - start];
    for (int i = 0; i < r.length; i++) {
      r[i] = start + i;
    }
    return r;
  }

  /** Optimizer steps taken. */
  public long steps() {
    return steps;
  }

  /**
   * Sets the step counter, to resume training from a checkpoint: the fixed test noise seed and the
   * test-seeded Poisson microbatch assignment of step s derive from s. It does not touch the
   * privacy log (restore that separately).
   */
  public void setSteps(long steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    this.steps = steps;
  }

  /** The optimizer the model was compiled with. */
  public Optimizer optimizer() {
    requireCompiled();
    return optimizer;
  }

  /**
   * The compiled optimizer's state: every variable it created in the graph (Adam's m and v and beta
   * powers, which encode its iteration count; momentum, RMSprop and Adagrad accumulators), each
   * flattened row-major. A slot of weight i (in the order of {@link #getWeights()}) is keyed {@code
   * weight_<i>-<slot>} (e.g. {@code weight_0-m}), independently of layer names; other variables by
   * their graph name (e.g. {@code beta1_power}). Empty for plain SGD.
   *
   * @throws UnsupportedOperationException if the optimizer holds a variable that is not float32
   */
  public Map<String, float[]> optimizerState() {
    ModelGraph g = requireCompiled();
    requireSupportedOptimizerState(g);
    Map<String, float[]> state = new LinkedHashMap<>();
    if (g.optimizerVariables.isEmpty()) {
      return state;
    }
    Session.Runner runner = g.session.runner();
    g.optimizerVariables.forEach(runner::fetch);
    try (Result result = runner.run()) {
      for (int i = 0; i < g.optimizerKeys.size(); i++) {
        state.put(g.optimizerKeys.get(i), Tensors.read(result.get(i)));
      }
    }
    return state;
  }

  /**
   * Restores the optimizer state saved by {@link #optimizerState()} from a model compiled with the
   * same kind of optimizer (its hyperparameters may differ).
   *
   * @throws IllegalArgumentException if the keys differ from this optimizer's (another optimizer,
   *     or another architecture) or an array has the wrong length
   */
  public void setOptimizerState(Map<String, float[]> state) {
    Objects.requireNonNull(state, "state");
    ModelGraph g = requireCompiled();
    requireSupportedOptimizerState(g);
    if (!state.keySet().equals(new java.util.HashSet<>(g.optimizerKeys))) {
      throw new IllegalArgumentException(
          "the optimizer state holds "
              + new java.util.TreeSet<>(state.keySet())
              + " but "
              + optimizer.getClass().getSimpleName()
              + " compiled for this model has "
              + new java.util.TreeSet<>(g.optimizerKeys)
              + ": compile with the optimizer (and model) the state was saved from");
    }
    List<TFloat32> tensors = new ArrayList<>();
    try {
      Session.Runner runner = g.session.runner();
      for (int i = 0; i < g.optimizerKeys.size(); i++) {
        String key = g.optimizerKeys.get(i);
        float[] values = state.get(key);
        long[] shape = g.optimizerVariables.get(i).shape().asArray();
        if (values == null || values.length != product(shape)) {
          throw new IllegalArgumentException(
              "optimizer state "
                  + key
                  + " needs "
                  + product(shape)
                  + " values (shape "
                  + Arrays.toString(shape)
                  + "), got "
                  + (values == null ? "none" : values.length));
        }
        TFloat32 t = Tensors.of(values.clone(), shape);
        tensors.add(t);
        runner.feed(g.optimizerAssignInputs.get(i), t).addTarget(g.optimizerAssignOps.get(i));
      }
      if (!tensors.isEmpty()) {
        runner.run().close();
      }
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  private static void requireSupportedOptimizerState(ModelGraph g) {
    if (!g.unsupportedOptimizerVariables.isEmpty()) {
      throw new UnsupportedOperationException(
          "the optimizer holds variables that are not float32, whose state cannot be saved: "
              + g.unsupportedOptimizerVariables);
    }
  }

  /** The DP events of the steps taken so far. */
  public PrivacyLog privacyLog() {
    return privacyLog;
  }

  /**
   * The event every DP step of a {@code fit} with {@code sampler} will record: {@code
   * PoissonSampled(q, Gaussian(σ))}, or Gaussian(σ/2) when microbatches can hold more than one
   * example ({@link RunShape}'s microbatch rule). A ledger admits or refuses a run with it before
   * the run starts.
   *
   * @throws IllegalStateException if the model is not compiled for DP training
   */
  public io.dp4j.accounting.DpEvent plannedStepEvent(BatchSampler sampler) {
    ModelGraph g = requireCompiled();
    if (g.dp == null) {
      throw new IllegalStateException("the model is not compiled for DP training");
    }
    double microbatchSize =
        RunShape.microbatchSize(
            g.dp.numMicrobatches(),
            sampler.expectedBatchSize(),
            sampler.mode() == SamplingMode.POISSON);
    return RunShape.step(sampler.samplingRate(), g.dp.noiseMultiplier(), microbatchSize)
        .stepEvent();
  }

  /** The ε spent so far at {@code delta}, from a fresh accountant of the configured kind. */
  public PrivacySpent privacySpent(double delta) {
    return privacyLog.privacySpent(delta, accountants);
  }

  /** The loss the model was compiled with. */
  public Loss loss() {
    requireCompiled();
    return loss;
  }

  /** Releases the graph and session. */
  @Override
  public void close() {
    if (noiseExecutor != null) {
      noiseExecutor.shutdownNow();
      noiseExecutor = null;
      pendingNoise = null;
    }
    if (compiled != null) {
      compiled.close();
      compiled = null;
    }
  }
}
