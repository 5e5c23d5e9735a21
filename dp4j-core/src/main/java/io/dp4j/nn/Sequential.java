package io.dp4j.nn;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.dp4j.nn.losses.InvalidLabelException;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.EpochMetrics;
import io.dp4j.nn.train.FrozenFrontEnd;
import io.dp4j.nn.train.GradientTransform;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.ParameterAveraging;
import io.dp4j.nn.train.StepFeed;
import io.dp4j.nn.train.StepFeeder;
import io.dp4j.nn.train.StepModel;
import io.dp4j.nn.train.StepResult;
import io.dp4j.nn.train.Trainer;
import io.dp4j.nn.train.TrainingListener;
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
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * A linear stack of layers, as Keras' {@code Sequential}: the first layer declares the input shape,
 * {@link #compile} builds one TensorFlow graph holding the forward pass, the loss and the whole
 * training step, and {@link #fit} (a convenience over {@link Trainer}) runs one {@code Session.run}
 * per step.
 *
 * <p>The model knows nothing of privacy. An optimizer may bring a {@link GradientTransform} ({@link
 * Optimizer#gradientTransform()}), which then computes the gradients the update applies from each
 * layer's input and pre-activation and the per-example losses; DP-SGD is such a transform (the
 * privacy package's {@code DpStep}, installed by the {@code DPKeras*Optimizer}s and {@code
 * DPSequential}), and its queries (privacy log, ε) live in that package, not here.
 *
 * <p>The model owns native resources: close it (try-with-resources).
 */
public class Sequential implements AutoCloseable, StepModel {
  private static final Logger LOG = LoggerFactory.getLogger(Sequential.class);

  static final String NOTHING_TO_TRAIN =
      "the model has no trainable parameters (its layers, e.g. InputLayer, Flatten, Reshape or"
          + " pooling, hold no weights): there is nothing to train; add a layer with weights such"
          + " as Dense";

  static final String ALL_FROZEN =
      "the model has no trainable parameters: every layer with weights is frozen"
          + " (setTrainable(false), Keras \"trainable\": false); unfreeze at least one, e.g. the"
          + " last Dense";

  /** Why a model without trainable parameters cannot train. */
  static String nothingToTrain(boolean noWeights) {
    return noWeights ? NOTHING_TO_TRAIN : ALL_FROZEN;
  }

  private final List<Layer> layers = new ArrayList<>();
  private final List<TrainingListener> listeners = new ArrayList<>();
  private final ModelState state = new ModelState();
  private long[] inputShape;
  private long seed = new SecureRandom().nextLong();
  private long steps;
  private boolean useXla;
  private volatile boolean stopRequested;
  private boolean validationDeclaredNotPrivate;
  private ParameterAveraging averaging;
  private boolean frontEndCaching = true;

  /** The fixed front end found at compile, or null. */
  private FrozenFrontEnd frontEnd;

  /** Whether the running fit feeds its steps the front end's cached features. */
  private boolean trainingOnFeatures;

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

  /**
   * Averages the weights over training ({@link ParameterAveraging}; null: off), from the next
   * {@link #compile}: evaluation, {@code predict} and validation use the averages, and {@code fit}
   * leaves the averaged weights in the model. Post-processing of the trained weights: no privacy
   * cost under DP-SGD.
   */
  public Sequential setParameterAveraging(ParameterAveraging averaging) {
    this.averaging = averaging;
    return this;
  }

  /** The parameter averaging set, if any. */
  public Optional<ParameterAveraging> parameterAveraging() {
    return Optional.ofNullable(averaging);
  }

  /**
   * Whether {@code fit} may train on cached features of the model's fixed front end (on by
   * default): when the first layers are a fixed function of each example ({@link FrozenFrontEnd}:
   * no trainable parameters, such as a {@code Scattering2D} with the Flatten after it, or frozen
   * layers), their output for every training example is computed once at the start of {@code fit}
   * and fed to the rest of the model at every step, which then trains exactly as it would on the
   * examples. Turn it off to recompute the front end at every step (to save the features' memory;
   * {@code fit} also skips caching, and says so, when they would take more than a quarter of the
   * maximum heap).
   */
  public Sequential setFrontEndCaching(boolean caching) {
    this.frontEndCaching = caching;
    return this;
  }

  /** Asks TensorFlow to compile the step with XLA (takes effect at the next compile). */
  protected void setUseXla(boolean useXla) {
    this.useXla = useXla;
  }

  /**
   * Builds the graph: forward pass, per-example loss, metrics and the training step, with the
   * optimizer's {@link Optimizer#gradientTransform() gradient transform} if it has one (a DP
   * optimizer's DP-SGD step).
   *
   * @param optimizer the optimizer
   * @param loss the loss. Without a transform, the optimizer minimizes the batch sum for {@link
   *     Reduction#SUM} and the batch mean otherwise (NONE included, as Keras does); a transform
   *     sees the per-example losses (DP optimizers need {@link Reduction#NONE})
   * @param metrics metrics besides the loss
   * @throws IllegalArgumentException if a layer cannot be trained as asked (no input shape; under
   *     DP, a layer that mixes examples or has no clipping rule, or a reduced loss with a DP
   *     optimizer)
   */
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    Objects.requireNonNull(optimizer, "optimizer");
    compile(optimizer, optimizer.gradientTransform().orElse(null), loss, metrics);
  }

  /**
   * Builds the graph as {@link #compile(Optimizer, Loss, Metric...)}, with {@code transform}
   * computing the gradients that {@code optimizer} applies (null: ordinary backpropagation). {@code
   * DPSequential} compiles its DP step this way around an ordinary optimizer.
   */
  public void compile(
      Optimizer optimizer, GradientTransform transform, Loss loss, Metric... metrics) {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(loss, "loss");
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("the model has no layers");
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
    if (transform != null) {
      List<GradientTransform.ModelLayer> described = new ArrayList<>();
      for (int l = 0; l < layers.size(); l++) {
        described.add(
            new GradientTransform.ModelLayer(layers.get(l), layerNames.get(l), shapes.get(l)));
      }
      transform.validate(described, loss);
    }
    List<float[]> previous = compiled == null ? null : getWeights();
    FrozenFrontEnd front = FrozenFrontEnd.of(layers, first).orElse(null);
    List<Metric> wanted = Arrays.stream(metrics).map(Objects::requireNonNull).distinct().toList();
    ModelGraph graph =
        new ModelGraph(
            layers,
            layerNames,
            shapes,
            shape,
            optimizer,
            transform,
            loss,
            wanted,
            useXla,
            seed,
            state,
            front == null ? 0 : front.size(),
            averaging);
    if (compiled != null) {
      compiled.close();
    }
    compiled = graph;
    this.frontEnd = front;
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
        "compiled {} layers, {} parameters, gradient transform {}",
        layers.size(),
        parameterCount(),
        transform);
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

  /** Whether {@link #compile} has run (and the model is not closed). */
  public boolean isCompiled() {
    return compiled != null;
  }

  /** True once compiled with a step that protects its training data (DP-SGD). */
  @Override
  public boolean isDifferentiallyPrivate() {
    GradientTransform transform = requireCompiled().transform;
    return transform != null && transform.protectsTrainingData();
  }

  /** The gradient transform of the compiled step, if any. */
  public Optional<GradientTransform> gradientTransform() {
    return Optional.ofNullable(requireCompiled().transform);
  }

  /** The feeder of the compiled step's gradient transform, if any. */
  public Optional<StepFeeder> stepFeeder() {
    return Optional.ofNullable(requireCompiled().feeder);
  }

  /**
   * State a gradient transform keeps with this model across compiles (DP-SGD's privacy log and
   * noise settings), one value per type, created by {@code create} on first use; what is {@link
   * AutoCloseable} is closed with the model. The model itself never reads it.
   */
  public <T> T modelState(Class<T> type, Supplier<? extends T> create) {
    return state.get(type, create);
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
    long frozen = 0;
    for (int l = 0; l < layers.size(); l++) {
      long[] in = inputShapeOf(l);
      long params = 0;
      for (ParameterSpec spec : layers.get(l).parameters(in)) {
        params += spec.size();
      }
      total += params;
      frozen += layers.get(l).isTrainable() ? 0 : params;
      out.append(
          String.format(
              "%-24s %-22s %-18s %10d%n",
              names.get(l),
              layers.get(l).typeName(),
              Arrays.toString(layers.get(l).outputShape(in)),
              params));
    }
    out.append("Total params: ").append(total);
    if (frozen > 0) {
      out.append(System.lineSeparator())
          .append("Trainable params: ")
          .append(total - frozen)
          .append(System.lineSeparator())
          .append("Non-trainable params: ")
          .append(frozen);
    }
    if (compiled.transform != null) {
      out.append(System.lineSeparator()).append(compiled.transform);
    }
    return out.toString();
  }

  /** Number of weight values, frozen layers' included. */
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
      // averaging starts afresh from weights set from outside (an optimizer state restored
      // afterwards brings a checkpoint's averages back)
      g.emaResets.forEach(runner::addTarget);
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
    boolean dropRemainder = isDifferentiallyPrivate();
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
   * Trains for up to {@code epochs} epochs, one step per batch of {@code sampler}: {@code new
   * Trainer(this).fit(data, sampler, epochs, validationData)}, see {@link Trainer#fit}. Use a
   * {@link Trainer} directly to add before-step and after-step hooks.
   */
  public History fit(Dataset data, BatchSampler sampler, int epochs, Dataset validationData) {
    return new Trainer(this).fit(data, sampler, epochs, validationData);
  }

  @Override
  public void beginFit(Dataset data, Dataset validationData) {
    ModelGraph g = requireCompiled();
    if (g.trainableVariables.isEmpty()) {
      throw new IllegalArgumentException(nothingToTrain(g.variables.isEmpty()));
    }
    checkLabels(data);
    stopRequested = false;
    validationDeclaredNotPrivate = validationData != null && validationData.isDeclaredNotPrivate();
    if (g.feeder != null) {
      g.feeder.onTrainingBegin();
    }
  }

  /**
   * The training examples, or the cached output of the model's fixed front end for each of them
   * (see {@link #setFrontEndCaching}), computed once here; steps are then fed the features until
   * {@link #endFit}.
   */
  @Override
  public Dataset trainingData(Dataset data) {
    ModelGraph g = requireCompiled();
    if (frontEnd == null || !frontEndCaching) {
      return data;
    }
    if (g.transform != null && g.transform.needsRawExamples()) {
      LOG.info(
          "not caching the features of the first {} fixed layers: the training step transforms"
              + " the raw examples (augmentation)",
          frontEnd.size());
      return data;
    }
    long bytes = 4L * data.size() * product(frontEnd.outputShape());
    long limit = Runtime.getRuntime().maxMemory() / 4;
    List<String> names = this.names.subList(0, frontEnd.size());
    if (bytes > limit) {
      LOG.info(
          "not caching the features of the first {} fixed layers {}: they would take {} MB, more"
              + " than a quarter of the maximum heap; training end to end",
          frontEnd.size(),
          names,
          bytes >> 20);
      return data;
    }
    long start = System.nanoTime();
    Dataset features = frontEndFeatures(g, data);
    LOG.info(
        "training on cached features of the first {} fixed layers {} -> {} ({} examples, {} MB,"
            + " computed in {} ms)",
        frontEnd.size(),
        names,
        Arrays.toString(frontEnd.outputShape()),
        data.size(),
        bytes >> 20,
        (System.nanoTime() - start) / 1_000_000);
    trainingOnFeatures = true;
    return features;
  }

  /** The front end's output for every example of {@code data}, with {@code data}'s labels. */
  private Dataset frontEndFeatures(ModelGraph g, Dataset data) {
    int batchSize = 256;
    int out = Math.toIntExact(product(frontEnd.outputShape()));
    float[] features = new float[Math.multiplyExact(data.size(), out)];
    for (int start = 0; start < data.size(); start += batchSize) {
      Dataset batch = data.gather(range(start, Math.min(data.size(), start + batchSize)));
      try (TFloat32 x = Tensors.features(batch);
          Result result = g.session.runner().feed(g.x, x).fetch(g.inferenceFeatures).run()) {
        float[] values = Tensors.read(result.get(0));
        System.arraycopy(values, 0, features, start * out, values.length);
      }
    }
    Dataset transformed =
        new Dataset(features, frontEnd.outputShape(), data.labels(), data.labelShape());
    return data.isDeclaredNotPrivate() ? transformed.declaredNotPrivate() : transformed;
  }

  /**
   * Ends a fit: steps are fed examples again, and with {@link #setParameterAveraging parameter
   * averaging} the weights become their averages.
   */
  @Override
  public void endFit() {
    ModelGraph g = requireCompiled();
    trainingOnFeatures = false;
    if (g.emaFinalize != null) {
      g.session.runner().addTarget(g.emaFinalize).run().close();
    }
  }

  @Override
  public boolean stopRequested() {
    return stopRequested;
  }

  @Override
  public List<TrainingListener> listeners() {
    return List.copyOf(listeners);
  }

  @Override
  public OptionalDouble epsilon() {
    ModelGraph g = requireCompiled();
    return g.feeder == null ? OptionalDouble.empty() : g.feeder.epsilon();
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

  @Override
  public EpochMetrics newEpochMetrics() {
    return new Accumulated(metrics, accumulators());
  }

  /** The compiled metrics' accumulators of one epoch. */
  private record Accumulated(List<Metric> metrics, List<MetricAccumulator> accumulators)
      implements EpochMetrics {
    @Override
    public Map<String, Double> values() {
      Map<String, Double> values = new LinkedHashMap<>();
      for (int i = 0; i < accumulators.size(); i++) {
        values.put(metrics.get(i).key(), accumulators.get(i).value());
      }
      return values;
    }
  }

  /**
   * One training step on {@code batch}, in one {@code Session.run}: the update, the loss and
   * metrics of the step's own forward pass (added to {@code metrics}, which must come from {@link
   * #newEpochMetrics()}) and whether the weights are finite afterwards. The compiled gradient
   * transform's feeder prepares the feed (and records what must precede the update) right before
   * the run.
   */
  @Override
  public StepResult trainOnBatch(Dataset batch, BatchSampler sampler, EpochMetrics metrics) {
    ModelGraph g = requireCompiled();
    if (!(metrics instanceof Accumulated accumulated)) {
      throw new IllegalArgumentException("metrics must come from newEpochMetrics()");
    }
    int b = batch.size();
    if (b == 0 && g.feeder == null) {
      // nothing to learn from, and no transform that acts on an empty batch (DP-SGD adds noise)
      return new StepResult(0f, true);
    }
    List<Tensor> feeds = new ArrayList<>();
    try (StepFeed feed =
        g.feeder == null ? new StepFeed(batch, null) : g.feeder.prepare(batch, sampler, steps)) {
      Session.Runner runner = feed(g, feed, feeds);
      runner.addTarget(g.trainOp);
      if (g.emaUpdate != null) {
        runner.addTarget(g.emaUpdate);
      }
      runner.fetch(g.weightsFiniteAfterStep);
      runner.fetch(g.trainLoss);
      g.trainMetrics.forEach(runner::fetch);
      if (g.aucLabels != null) {
        runner.fetch(g.aucLabels);
      }
      int[] slots = feed.slots();
      float lossSum = 0;
      float[][] values = new float[g.trainMetrics.size()][];
      float[] classOne = null;
      boolean finite;
      try (Result result = runner.run()) {
        finite = ((TBool) result.get(0)).getBoolean();
        if (b > 0) {
          lossSum = sumReal(Tensors.read(result.get(1)), slots);
          for (int i = 0; i < values.length; i++) {
            values[i] = Tensors.read(result.get(2 + i));
          }
          if (g.aucLabels != null) {
            classOne = Tensors.read(result.get(2 + values.length));
          }
        }
      }
      steps++;
      if (b > 0) {
        for (int i = 0; i < values.length; i++) {
          accumulated.accumulators().get(i).add(values[i], classOne, slots);
        }
      }
      return new StepResult(lossSum, finite);
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /**
   * Evaluates {@code fetches}, operands a gradient transform built into the compiled step, on a
   * step's feed, without updating the model (how DP-SGD's step is inspected).
   */
  public List<float[]> evaluateStep(StepFeed feed, List<? extends Operand<TFloat32>> fetches) {
    ModelGraph g = requireCompiled();
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feed(g, feed, feeds);
      fetches.forEach(runner::fetch);
      List<float[]> values = new ArrayList<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < fetches.size(); i++) {
          values.add(Tensors.read(result.get(i)));
        }
      }
      return values;
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /** A runner fed the step's batch (into {@code feeds}, to close) and the feed's own inputs. */
  private Session.Runner feed(ModelGraph g, StepFeed feed, List<Tensor> feeds) {
    Session.Runner runner =
        feedBatch(g, trainingOnFeatures ? g.trainFeatures : g.x, feed.fedBatch(), feeds);
    List<Operand<?>> inputs = feed.inputs();
    List<Tensor> values = feed.values();
    for (int i = 0; i < inputs.size(); i++) {
      runner.feed(inputs.get(i), values.get(i));
    }
    return runner;
  }

  /**
   * The sum over the sampled examples of the slots that hold one (all when {@code slots} is null);
   * an example fed in several slots (augmented copies) counts with the mean of its slots' values.
   */
  private static float sumReal(float[] values, int[] slots) {
    if (slots == null) {
      return sum(values);
    }
    int examples = 0;
    for (int slot : slots) {
      examples = Math.max(examples, slot + 1);
    }
    int[] fedTimes = new int[examples];
    for (int slot : slots) {
      if (slot >= 0) {
        fedTimes[slot]++;
      }
    }
    double s = 0;
    for (int i = 0; i < values.length; i++) {
      if (slots[i] >= 0) {
        s += (double) values[i] / fedTimes[slots[i]];
      }
    }
    return (float) s;
  }

  private static float sum(float[] values) {
    double s = 0;
    for (float v : values) {
      s += v;
    }
    return (float) s;
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private Session.Runner feedBatch(ModelGraph g, Dataset batch, List<Tensor> feeds) {
    return feedBatch(g, g.x, batch, feeds);
  }

  /** A runner fed {@code batch}'s examples into {@code input} and its labels. */
  private static Session.Runner feedBatch(
      ModelGraph g, Operand<TFloat32> input, Dataset batch, List<Tensor> feeds) {
    TFloat32 x = Tensors.features(batch);
    feeds.add(x);
    TFloat32 y = Tensors.of(batch.labels(), batch.size(), batch.labelShape());
    feeds.add(y);
    return g.session.runner().feed(input, x).feed(g.y, y);
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
      try (TFloat32 x = Tensors.features(batch);
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
   * Sets the step counter, to resume training from a checkpoint: a gradient transform's feeder gets
   * it with every step (DP-SGD derives its fixed test noise seed and test-seeded microbatch
   * assignment of step s from s). It does not touch the privacy log (restore that separately).
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

  /** The loss the model was compiled with. */
  public Loss loss() {
    requireCompiled();
    return loss;
  }

  /** Releases the graph and session. */
  @Override
  public void close() {
    state.close();
    if (compiled != null) {
      compiled.close();
      compiled = null;
    }
  }
}
