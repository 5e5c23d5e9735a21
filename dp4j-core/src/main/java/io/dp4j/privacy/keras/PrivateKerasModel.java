package io.dp4j.privacy.keras;

import io.dp4j.accounting.DeltaDefault;
import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.accounting.StepCount;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.table.ColumnSpec;
import io.dp4j.data.table.PrivateDataLoader;
import io.dp4j.data.table.TableSchema;
import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.DpOptimizer;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.DpWrappedOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacySpent;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.privacy.clipping.ClippingRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * A private Keras model, as hosted private-Keras services offer: wraps an ordinary {@link
 * Sequential} (built in code or imported), is compiled with an ordinary optimizer and loss, and
 * trains with DP-SGD (Abadi et al. 2016) on the Poisson batches of a {@link PrivateDataLoader}.
 *
 * <pre>{@code
 * var model = new PrivateKerasModel(sequential, 1.0, 1.1);
 * model.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), Metric.ACCURACY);
 * DpSgdBudget before = PrivateKerasModel.getPrivacyBudget(rows, 32, 20, 1.1, 1e-5);
 * History history = model.fit(loader, 20, 1e-5);            // history.get("epsilon"): ε per epoch
 * Table predicted = model.predict(table, "predicted_label");
 * }</pre>
 *
 * <p><b>The step.</b> The wrapper adds no DP code of its own: it compiles the wrapped model with
 * dp4j's DP-SGD step (the one {@link DPSequential} uses): every example's gradient clipped to L2
 * norm {@code l2NormClip}, the sum noised with N(0, (noiseMultiplier · l2NormClip)²) and divided by
 * the expected batch size q·N, then the ordinary optimizer's update. The loss's reduction is
 * ignored: DP-SGD always clips per-example losses. Training the wrapper and a {@code DPSequential}
 * of the same layers, seeds and settings gives the same weights.
 *
 * <p><b>Privacy.</b> {@code fit} runs a {@link io.dp4j.privacy.TrainingPlan} of the loader's rows,
 * batch size and epochs, with this wrapper's σ (validated before the first step). Each step is a
 * {@code PoissonSampled(q, Gaussian(σ))} event with q = batchSize / rows; the history's {@code
 * "epsilon"} after each epoch is the model's whole training so far composed in the RDP accountant
 * (change it with {@code ModelPrivacy.of(model()).setAccountant}). Evaluation and prediction on
 * private rows are not private: their results are released as they are.
 *
 * <p><b>A model trained before.</b> A model loaded from a DP-trained {@code .keras} file or a
 * checkpoint ({@link io.dp4j.io.keras.ModelIO#load}) brings its privacy history: the steps it ran
 * are composed with this wrapper's, as training on the same data, and {@code "epsilon"} covers
 * both. If the new rows share no individual with the data it was trained on, call {@link
 * #continueOnDisjointData()} before {@code fit}: the old history is kept as a separate entry (saved
 * with the model) and {@code "epsilon"} covers the new rows only.
 *
 * <p><b>Budgets.</b> {@link #fit(PrivateDataLoader, int, double, LedgerCharge)} charges a dataset
 * of a persistent {@link io.dp4j.ledger.PrivacyLedger}: a run that would overspend the dataset's
 * allowance is refused before its first step, each step is durably recorded before its noisy
 * gradient is computed, and a run that fails or is interrupted is charged the steps it took.
 */
public final class PrivateKerasModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateKerasModel.class);

  private final Sequential model;
  private final DpSettings settings;
  private boolean compiled;
  private TableSchema features;
  private TableSchema labels;
  private Long lastLedgerRun;

  /**
   * @param model the model to train privately (not a {@link DPSequential}, which is private
   *     already)
   * @param l2NormClip C, the bound on each example's gradient norm, finite and &gt; 0
   * @param noiseMultiplier σ, the noise std divided by C, finite and &gt; 0
   */
  public PrivateKerasModel(Sequential model, double l2NormClip, double noiseMultiplier) {
    this(model, l2NormClip, noiseMultiplier, ClippingRegistry.defaults());
  }

  /** With custom clipping rules for custom layer types. */
  public PrivateKerasModel(
      Sequential model, double l2NormClip, double noiseMultiplier, ClippingRegistry registry) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(registry, "registry");
    if (model instanceof DPSequential) {
      throw new IllegalArgumentException(
          "the model is a DPSequential, which already trains with DP-SGD; wrap a plain Sequential");
    }
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and > 0 for private training, got " + noiseMultiplier);
    }
    this.model = model;
    this.settings =
        new DpSettings(
            l2NormClip,
            noiseMultiplier,
            0,
            DpSettings.Normalization.EXPECTED_BATCH_SIZE,
            registry.copy());
  }

  /**
   * The ε a run would spend, before it runs: {@code numEpochs · ceil(sampleSize / batchSize)} steps
   * ({@link io.dp4j.accounting.StepCount}) (the steps {@link #fit} takes) of Poisson sampling at q
   * = batchSize / sampleSize with noise multiplier σ, under RDP (the history's accountant) and PLD.
   * The result is logged; {@link DpSgdBudget#epsilonRdp()} is what {@code fit}'s last {@code
   * "epsilon"} will be.
   *
   * @param sampleSize rows of the training data, &gt;= 1
   * @param batchSize expected batch size, in [1, sampleSize]
   * @param numEpochs epochs, &gt;= 1
   * @param noiseMultiplier σ &gt; 0
   * @param targetDelta δ in (0, 1)
   */
  public static DpSgdBudget getPrivacyBudget(
      long sampleSize, int batchSize, int numEpochs, double noiseMultiplier, double targetDelta) {
    if (sampleSize < 1 || sampleSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("sampleSize must be in [1, 2^31 - 1], got " + sampleSize);
    }
    if (numEpochs < 1) {
      throw new IllegalArgumentException("numEpochs must be >= 1, got " + numEpochs);
    }
    if (batchSize < 1 || batchSize > sampleSize) {
      throw new IllegalArgumentException(
          "batchSize must be in [1, sampleSize] = [1, " + sampleSize + "], got " + batchSize);
    }
    long steps = StepCount.of(sampleSize, batchSize, numEpochs);
    DpSgdBudget budget =
        DpSgdBudget.compute(
            sampleSize,
            batchSize,
            noiseMultiplier,
            false,
            steps,
            targetDelta,
            DpSgdBudget.Accountants.BOTH);
    LOG.info(
        "privacy budget: n={} batch={} q={} sigma={} epochs={} steps={} delta={}:"
            + " epsilon {} (RDP, order {}), {} (PLD)",
        sampleSize,
        batchSize,
        budget.samplingRate(),
        noiseMultiplier,
        numEpochs,
        steps,
        targetDelta,
        budget.epsilonRdp(),
        budget.rdpOrder(),
        budget.epsilonPld());
    return budget;
  }

  /**
   * Compiles the wrapped model with the DP-SGD step around {@code optimizer}.
   *
   * @param optimizer an ordinary optimizer (SGD, Adam, ...), not a DP one
   * @param loss any loss; its per-example values are clipped whatever its reduction
   * @param metrics metrics besides the loss
   * @throws IllegalArgumentException if a layer cannot be trained with DP-SGD (no clipping rule, it
   *     mixes examples) or the optimizer is already private
   */
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(loss, "loss");
    if (optimizer instanceof DpOptimizer) {
      throw new IllegalArgumentException(
          "PrivateKerasModel adds DP-SGD itself; compile it with an ordinary optimizer (e.g. new"
              + " Adam(0.01f)), not "
              + optimizer.getClass().getSimpleName());
    }
    model.compile(new DpWrappedOptimizer(settings, optimizer), PerExampleLoss.of(loss), metrics);
    compiled = true;
  }

  /**
   * Trains with DP-SGD for {@code epochs} epochs of {@code ceil(rows / batchSize)} Poisson batches.
   *
   * @param targetDelta δ of the ε reported after every epoch, in (0, 1)
   * @return the history: per epoch {@code "loss"}, the metrics, and {@code "epsilon"}
   */
  public History fit(PrivateDataLoader loader, int epochs, double targetDelta) {
    return fit(loader, epochs, targetDelta, null);
  }

  /**
   * Trains like {@link #fit(PrivateDataLoader, int, double)}, charging every step to a ledger
   * dataset: the run (planned at {@code epochs · stepsPerEpoch} steps of {@code PoissonSampled(q,
   * Gaussian(σ))}) is admitted or refused before the first step, each step is recorded (by a
   * before-step hook of the {@link io.dp4j.nn.train.Trainer}) before it runs, and the run is
   * finished, or, if training throws, ended as interrupted and charged the steps it took.
   *
   * @param charge the ledger dataset to charge, or null for none
   * @throws BudgetExceededException if the planned run does not fit in the dataset's remaining
   *     budget (nothing is trained or charged)
   */
  public History fit(
      PrivateDataLoader loader, int epochs, double targetDelta, LedgerCharge charge) {
    Objects.requireNonNull(loader, "loader");
    requireCompiled();
    if (!(targetDelta > 0 && targetDelta < 1)) {
      throw new IllegalArgumentException("targetDelta must be in (0, 1), got " + targetDelta);
    }
    TrainingPlan plan =
        TrainingPlan.builder()
            .setExamples(loader.size())
            .setExpectedBatchSize(loader.batchSize())
            .optEpochs(epochs)
            .optNoiseMultiplier(settings.noiseMultiplier())
            .optDelta(targetDelta)
            .optHistory(TrainingPlan.historyOf(model))
            .build();
    DeltaDefault.warnIfTooLarge(targetDelta, loader.size());
    BatchSampler sampler = loader.sampler();
    if (sampler.isPredictable()) {
      LOG.warn("batches come from a predictable test seed: no privacy guarantee");
    }
    rememberSchemas(loader);
    TrainingResult result = plan.run(model, loader.dataset(), sampler, charge);
    result.ledgerRun().ifPresent(run -> lastLedgerRun = run);
    return result.history();
  }

  private void rememberSchemas(PrivateDataLoader loader) {
    features = loader.featureSchema().orElse(null);
    labels = loader.labelSchema().orElse(null);
  }

  /**
   * The model's predictions for the rows of {@code table}, as a new table: the columns of {@code
   * table} followed by named result columns. The features are encoded with the feature schema of
   * the last {@link #fit} (a loader built from a table), else every numeric column of {@code table}
   * is a feature.
   *
   * <ul>
   *   <li>As many names as model outputs: one number column per output, so named.
   *   <li>One name and a model trained on one categorical label (index or one-hot, k categories): a
   *       text column {@code name} with the predicted category (arg-max, or output &gt; 0.5 for a
   *       single output and two categories) and, for k outputs, a probability column {@code
   *       name_category} per category.
   *   <li>One name, k &gt; 1 outputs and no categories: an integer column {@code name} with the
   *       arg-max and columns {@code name_0 ... name_(k-1)} with the outputs.
   * </ul>
   *
   * @throws IllegalArgumentException if a result name is already a column of {@code table}, or the
   *     names do not fit the outputs
   */
  public Table predict(Table table, String... labelColumns) {
    return predict(table, Arrays.asList(labelColumns));
  }

  /** See {@link #predict(Table, String...)}. */
  public Table predict(Table table, List<String> labelColumns) {
    Objects.requireNonNull(table, "table");
    requireCompiled();
    if (labelColumns.isEmpty()) {
      throw new IllegalArgumentException("name at least one result column");
    }
    TableSchema schema =
        features != null
            ? features
            : TableSchema.numericColumnsOf(table, labelColumns.toArray(String[]::new));
    float[] x = schema.encode(table);
    int rows = table.rowCount();
    float[][] outputs =
        rows == 0
            ? new float[0][]
            : model.predict(
                new Dataset(x, new long[] {schema.width()}, new float[rows], new long[0]));
    int width = (int) Arrays.stream(model.outputShape()).reduce(1, (a, b) -> a * b);
    List<Column<?>> results = resultColumns(labelColumns, outputs, rows, width);
    Table out = table.copy();
    out.setName(table.name() + " predicted");
    for (Column<?> c : results) {
      if (out.columnNames().contains(c.name())) {
        throw new IllegalArgumentException(
            "result column \""
                + c.name()
                + "\" is already a column of the table; choose another"
                + " name (e.g. \"predicted_"
                + c.name()
                + "\")");
      }
      out.addColumns(c);
    }
    return out;
  }

  private List<Column<?>> resultColumns(
      List<String> names, float[][] outputs, int rows, int width) {
    List<Column<?>> columns = new ArrayList<>();
    if (names.size() == width && !(names.size() == 1 && categoricalLabel().isPresent())) {
      for (int k = 0; k < width; k++) {
        double[] values = new double[rows];
        for (int i = 0; i < rows; i++) {
          values[i] = outputs[i][k];
        }
        columns.add(DoubleColumn.create(names.get(k), values));
      }
      return columns;
    }
    if (names.size() != 1) {
      throw new IllegalArgumentException(
          "the model has "
              + width
              + " outputs: name one result column or "
              + width
              + ", got "
              + names);
    }
    String name = names.get(0);
    Optional<List<String>> categories = categoricalLabel();
    if (categories.isPresent()) {
      List<String> cats = categories.get();
      if (!(width == cats.size() || (width == 1 && cats.size() == 2))) {
        throw new IllegalArgumentException(
            "the label has "
                + cats.size()
                + " categories but the model "
                + width
                + " outputs; expected one output per category (or one for two categories)");
      }
      String[] predicted = new String[rows];
      for (int i = 0; i < rows; i++) {
        predicted[i] =
            width == 1 ? cats.get(outputs[i][0] > 0.5f ? 1 : 0) : cats.get(argMax(outputs[i]));
      }
      columns.add(StringColumn.create(name, predicted));
      if (width > 1) {
        for (int k = 0; k < width; k++) {
          double[] values = new double[rows];
          for (int i = 0; i < rows; i++) {
            values[i] = outputs[i][k];
          }
          columns.add(DoubleColumn.create(name + "_" + cats.get(k), values));
        }
      }
      return columns;
    }
    int[] predicted = new int[rows];
    for (int i = 0; i < rows; i++) {
      predicted[i] = argMax(outputs[i]);
    }
    columns.add(IntColumn.create(name, predicted));
    for (int k = 0; k < width; k++) {
      double[] values = new double[rows];
      for (int i = 0; i < rows; i++) {
        values[i] = outputs[i][k];
      }
      columns.add(DoubleColumn.create(name + "_" + k, values));
    }
    return columns;
  }

  /** The declared categories of the single categorical label column of the last fit, if any. */
  private Optional<List<String>> categoricalLabel() {
    if (labels == null || labels.columns().size() != 1) {
      return Optional.empty();
    }
    ColumnSpec spec = labels.columns().get(0);
    return spec.isCategorical() ? Optional.of(spec.categories()) : Optional.empty();
  }

  private static int argMax(float[] values) {
    int best = 0;
    for (int k = 1; k < values.length; k++) {
      if (values[k] > values[best]) {
        best = k;
      }
    }
    return best;
  }

  /**
   * The mean loss and metrics over the loader's rows. NOT PRIVATE: the result is released as is;
   * evaluate on public or held-out data whose owner accepts the release.
   */
  public Map<String, Double> evaluate(PrivateDataLoader data) {
    requireCompiled();
    return model.evaluate(data.dataset());
  }

  /** The ε spent by the wrapped model's DP training so far, at {@code delta}. */
  public PrivacySpent privacySpent(double delta) {
    return ModelPrivacy.of(model).privacySpent(delta);
  }

  /**
   * Declares that the coming {@code fit}s train on data sharing no individual with the data the
   * wrapped model was trained on so far: that history is kept as a separate entry of its privacy
   * log ({@link io.dp4j.privacy.PrivacyLog#continueOnDisjointData()}), and ε covers the later steps
   * only. Without this call, earlier steps are composed with the later ones, which is right for the
   * same data and for any data sharing individuals with it.
   */
  public void continueOnDisjointData() {
    ModelPrivacy.of(model).privacyLog().continueOnDisjointData();
  }

  /** The ledger id of the run started by the last {@code fit} charged to a ledger, if any. */
  public OptionalLong lastLedgerRun() {
    return lastLedgerRun == null ? OptionalLong.empty() : OptionalLong.of(lastLedgerRun);
  }

  /** Closes the wrapped model (its graph and session). */
  @Override
  public void close() {
    model.close();
  }

  /** The wrapped model (its weights, summary, accountant, test seeds). */
  public Sequential model() {
    return model;
  }

  /** The clip norm C. */
  public double l2NormClip() {
    return settings.l2NormClip();
  }

  /** The noise multiplier σ. */
  public double noiseMultiplier() {
    return settings.noiseMultiplier();
  }

  private void requireCompiled() {
    if (!compiled) {
      throw new IllegalStateException("compile the PrivateKerasModel first");
    }
  }

  @Override
  public String toString() {
    return "PrivateKerasModel[C="
        + settings.l2NormClip()
        + ", sigma="
        + settings.noiseMultiplier()
        + "]";
  }
}
