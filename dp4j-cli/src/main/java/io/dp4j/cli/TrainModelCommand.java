package io.dp4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.DeltaDefault;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.PrivacyStatement;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelCheckpoint;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.BinaryCrossentropy;
import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adagrad;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.optimizers.RMSprop;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.FrozenFrontEnd;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.NonFiniteWeightsException;
import io.dp4j.nn.train.ParameterAveraging;
import io.dp4j.privacy.AugmentationMultiplicity;
import io.dp4j.privacy.DPKerasAdagradOptimizer;
import io.dp4j.privacy.DPKerasAdamOptimizer;
import io.dp4j.privacy.DPKerasRMSpropOptimizer;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import io.dp4j.privacy.TargetEpsilonException;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.privacy.clipping.ClippingRegistry;
import io.dp4j.privacy.cluster.ClusterTable;
import io.dp4j.privacy.release.ChannelWhitening;
import io.dp4j.tutorial.MnistTutorial;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import java.util.function.LongToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j train}: DP-SGD training of a Keras model file (JSON, .h5 or .keras) or of the
 * built-in tutorial CNN, on CSV/IDX files or a built-in data set (MNIST, Fashion-MNIST), with a
 * fixed noise multiplier or one calibrated to a target ε; saves .keras with its privacy record and
 * optionally a report folder.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Train a model with DP-SGD (Poisson sampling, per-example clipping, Gaussian noise).",
      "Model: a Keras file (.json, .h5, .keras) or the built-in tutorial-cnn (TF Privacy's MNIST"
          + " CNN). Data: --data mnist|fashion-mnist, --data FILE.csv --label COLUMN [--validation"
          + " FILE.csv], or --features/--labels files.",
      "With --target-epsilon the noise multiplier is calibrated first so that epsilon <= the"
          + " target; given together with --noise-multiplier, a run whose epsilon would exceed"
          + " the target is refused before training (exit 1).",
      "--checkpoint FILE saves the run after every epoch (weights, optimizer state, privacy"
          + " ledger); --resume FILE continues it, counting the steps already spent.",
      "A --model saved by dp4j train (or a checkpoint) keeps its privacy history: this run's"
          + " steps are composed with it, as training on the same data, unless --disjoint-data"
          + " declares that the data shares no individual with it.",
      "--master local[N]|spark://HOST:PORT trains on Apache Spark (docs/spark.md): --data"
          + " FILE.csv|FILE.parquet is read by Spark, each step's clipped sums are computed on its"
          + " partitions, and the noise and the update are added once, here.",
      "Exit codes: 0 done, 1 run failed or refused, 2 bad usage."
    })
final class TrainModelCommand implements Callable<Integer> {
  /** The built-in model name. */
  static final String TUTORIAL_CNN = "tutorial-cnn";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin LedgerOptions ledgerOptions;

  enum LossChoice {
    sparse_categorical_crossentropy,
    categorical_crossentropy,
    binary_crossentropy,
    mse
  }

  enum OptimizerChoice {
    sgd,
    adam,
    adagrad,
    rmsprop
  }

  enum DataChoice {
    mnist,
    fashion_mnist;

    static DataChoice parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "mnist" -> mnist;
        case "fashion-mnist", "fashion_mnist" -> fashion_mnist;
        default ->
            throw new IllegalArgumentException(
                "--data must be mnist or fashion-mnist, got \"" + s + "\"");
      };
    }

    String label() {
      return this == mnist ? "mnist" : "fashion-mnist";
    }
  }

  @Option(
      names = "--recipe",
      paramLabel = "mnist|fashion-mnist",
      description =
          "Run the best setting found for this built-in data set (docs/recipes.md): ScatterNet"
              + " features + GroupNorm + a linear model, with its batch size, learning rate,"
              + " momentum, epochs, clipping norm and parameter averaging; --target-epsilon"
              + " defaults to 3. Options given beside it override its settings.")
  String recipe;

  @Option(
      names = "--whitening-ridge",
      paramLabel = "R",
      converter = NumberOptions.PositiveDouble.class,
      description =
          "With --recipe: the channel whitening's ridge, relative to the mean eigenvalue of the"
              + " released channel moments (default: the recipe's, 0.3).")
  Double whiteningRidge;

  @Option(
      names = "--whitening-noise-multiplier",
      paramLabel = "S",
      converter = NumberOptions.PositiveDouble.class,
      description =
          "With --recipe: the noise multiplier of the channel moments' release (default: the"
              + " recipe's, 24 / the target epsilon, or 8 without a target); its cost is"
              + " composed into epsilon.")
  Double whiteningNoise;

  @Option(
      names = "--validation-split",
      paramLabel = "F",
      description =
          "Hold out the last round(F N) of the N training examples (as Keras' validation_split,"
              + " F in (0, 1)): train on the others and report accuracy on them instead of the"
              + " test set, for choosing hyperparameters without looking at the test set.")
  Double validationSplit;

  @Option(
      names = "--model",
      paramLabel = "FILE|tutorial-cnn",
      description =
          "A Keras model file (.json, .h5, .keras), or tutorial-cnn. Required unless --resume.")
  String model;

  @Option(
      names = "--checkpoint",
      paramLabel = "FILE",
      description =
          "Write a training checkpoint here after every epoch: the model, its optimizer state and"
              + " its privacy ledger, for --resume.")
  Path checkpoint;

  @Option(
      names = "--resume",
      paramLabel = "FILE",
      description =
          "Continue the run checkpointed in FILE for --epochs more epochs: its model, weights,"
              + " optimizer state and privacy ledger, so epsilon counts the steps before the"
              + " checkpoint. --model, --optimizer, --learning-rate, --noise-multiplier,"
              + " --l2-norm-clip and --microbatches default to the checkpoint's; contradicting it"
              + " is refused.")
  Path resume;

  @Option(
      names = "--disjoint-data",
      description =
          "The training data shares no individual with the data the --model was trained on"
              + " before. Its privacy history is then kept as a separate entry of the saved"
              + " record (never dropped) and epsilon covers this data only. Without it, the"
              + " history is composed with this run's steps, as training on the same data.")
  boolean disjointData;

  @Mixin DataOptions dataOptions;

  @Option(
      names = "--master",
      paramLabel = "local[N]|spark://HOST:PORT",
      description =
          "Train on Apache Spark at this master on --data FILE.csv|FILE.parquet, read by Spark"
              + " (numeric feature columns, integer class labels): the same DP-SGD steps, epsilon"
              + " and ledger charge as in one JVM. Needs the Spark jars (docs/spark.md).")
  String master;

  @Option(
      names = "--validation",
      paramLabel = "FILE.csv",
      description = "Held-out CSV laid out as the --data CSV, to report accuracy on.")
  Path validation;

  @Option(
      names = "--test-features",
      paramLabel = "FILE",
      description = "Held-out examples to report accuracy on (with --test-labels).")
  Path testFeatures;

  @Option(names = "--test-labels", paramLabel = "FILE", description = "Held-out labels.")
  Path testLabels;

  @Option(names = "--out", paramLabel = "FILE", description = "The .keras to write.")
  Path out;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description = "Write report.md and PNG plots (loss, accuracy, epsilon per epoch) here.")
  Path report;

  @Option(
      names = "--loss",
      description = "One of: ${COMPLETION-CANDIDATES} (default: sparse_categorical_crossentropy).")
  LossChoice loss;

  @Option(
      names = "--from-logits",
      description = "The model outputs logits (no softmax/sigmoid); implied by tutorial-cnn.")
  boolean fromLogits;

  @Option(names = "--optimizer", description = "${COMPLETION-CANDIDATES} (default: sgd).")
  OptimizerChoice optimizer;

  @Option(
      names = "--learning-rate",
      paramLabel = "LR",
      description = "Default: 0.25 for tutorial-cnn, else 0.1.")
  Float learningRate;

  @Option(names = "--epochs", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      description = "Expected (Poisson) batch size. Default: 250 for tutorial-cnn, else 256.")
  Integer batchSize;

  @Option(
      names = "--l2-norm-clip",
      paramLabel = "C",
      description = "Clipping norm. Default: 1.5 for tutorial-cnn, else 1.0.")
  Double l2NormClip;

  @Option(
      names = "--noise-multiplier",
      paramLabel = "SIGMA",
      description =
          "Noise multiplier. Default without --target-epsilon: 1.3 for tutorial-cnn, else 1.1.")
  Double noiseMultiplier;

  @Option(
      names = "--target-epsilon",
      paramLabel = "E",
      description = "Calibrate the noise multiplier so that epsilon <= E (by --accountant).")
  Double targetEpsilon;

  @Option(
      names = "--microbatches",
      paramLabel = "M",
      converter = NumberOptions.NonNegativeInt.class,
      description =
          "TF Privacy's num_microbatches; 0 (default) clips per example. Microbatches of more"
              + " than one example are accounted with sigma/2.")
  Integer microbatches;

  @Option(
      names = "--delta",
      description =
          "Target delta; default 1/(10 N) rounded down to a power of ten (1e-4 for 1,000"
              + " examples). A delta of 1/N or more is warned about.")
  Double delta;

  @Option(
      names = "--accountant",
      defaultValue = "rdp",
      description =
          "rdp or pld: the accountant of the calibration, the target check and the saved privacy"
              + " record (default: ${DEFAULT-VALUE}); both are reported.")
  AccountantChoice accountant;

  @Option(
      names = "--seed",
      defaultValue = "1",
      converter = NumberOptions.AnyLong.class,
      description =
          "Seed of the weight initialization of tutorial-cnn (default: ${DEFAULT-VALUE});"
              + " sampling and noise always come from SecureRandom.")
  long seed;

  @Option(
      names = "--metrics",
      split = ",",
      paramLabel = "M",
      converter = MetricConverter.class,
      description =
          "Metrics per epoch and on the test set, comma-separated: accuracy, binary_accuracy,"
              + " auc (two-class models only). Default: accuracy with a categorical loss, else"
              + " none.")
  List<Metric> metrics;

  @Option(names = "--json", description = "End with one JSON object of the results.")
  boolean json;

  @Option(
      names = "--ema",
      paramLabel = "DECAY",
      description =
          "Average the weights over training, an exponential moving average with this decay in"
              + " (0, 1), e.g. 0.999: the test figures and --out use the averaged weights"
              + " (post-processing of the DP-SGD steps, at no privacy cost). A --resume of a run"
              + " trained with --ema needs it again.")
  Double ema;

  @Option(
      names = "--ema-warmup",
      description =
          "With --ema: warm the average up as De et al. 2022, decay min(DECAY, (1+t)/(10+t)) at"
              + " update t.")
  boolean emaWarmup;

  @Mixin NoiseSource noise;

  @Mixin OptimizerScheduleOptions sgdOptions;

  @Mixin AugmentationOptions augmentationOptions;

  /** The --recipe once its settings are filled in (null before, or without one). */
  private Recipe applied;

  /** The target ε of the current --recipe run (null: σ given), which sets its release's noise. */
  private Double recipeTarget;

  /** A --recipe model's fixed front end, applied to the data as preprocessing. */
  private FrozenFrontEnd recipeFront;

  /**
   * The results of one training run.
   *
   * @param events the DP events of every step the model took (its privacy log), so that a caller
   *     composing several runs on the same data (a sweep) composes what really ran; with {@link
   *     #planOnly}, the planned run's event
   * @param validationAccuracy the accuracy on the {@link #holdout} split (exact: a private figure
   *     the private sweep noises before using), NaN without one
   * @param validationExamples the examples of that split, 0 without one
   */
  record Result(
      int exitCode,
      int examples,
      double noiseMultiplier,
      double testAccuracy,
      double epsilonRdp,
      double epsilonPld,
      double delta,
      long steps,
      List<DpEvent> events,
      double validationAccuracy,
      int validationExamples) {
    Result {
      events = List.copyOf(events);
    }
  }

  /**
   * Set by the private sweep, not an option: the fraction of the training data (its last examples,
   * after --limit) held out as a validation split, or null.
   */
  Double holdout;

  /** Set by the private sweep, not an option: stop after the plan and return its event. */
  boolean planOnly;

  @Override
  public Integer call() throws IOException {
    return run().exitCode();
  }

  /** Trains with the --target-epsilon given, if any (a --recipe's default without one). */
  Result run() throws IOException {
    Recipe chosen = recipe == null ? null : Recipe.parse(recipe);
    return run(
        chosen != null && targetEpsilon == null && noiseMultiplier == null
            ? Double.valueOf(Recipe.DEFAULT_TARGET_EPSILON)
            : targetEpsilon);
  }

  /**
   * Maps the options to a {@link TrainingPlan} with {@code target} as its target ε (null: none),
   * runs it and prints the results; the sweep calls it once per target. The exit code is in the
   * result (1 when refused: no other field is then set).
   */
  Result run(Double target) throws IOException {
    Recipe chosen = recipe == null ? null : applyRecipe(Recipe.parse(recipe), target);
    validate(target);
    TrainingCheckpoint.Settings resumed =
        resume == null ? null : TrainingCheckpoint.settings(resume);
    resolveOptions(resumed);
    sgdOptions.validate(optimizer.name());
    AugmentationMultiplicity augmentation = augmentationOptions.resolve();
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter log = json ? spec.commandLine().getErr() : o;
    PrintWriter err = spec.commandLine().getErr();
    boolean builtinModel = TUTORIAL_CNN.equals(model);
    String modelName =
        chosen != null ? chosen.modelName() : model != null ? model : "the model of " + resume;
    if (chosen != null) {
      log.println(
          "Recipe "
              + chosen.label
              + ": "
              + modelName
              + ", "
              + recipeOptions(target)
              + " (options given beside --recipe override its own)");
    }
    KerasModel keras = null;
    ClusterTable cluster = null;
    try {
      Sequential s;
      long[] inputShape;
      if (resume != null) {
        keras = TrainingCheckpoint.load(resume);
        if (model != null) {
          requireSameModel(keras);
        }
        s = keras.sequential();
        inputShape = keras.inputShape();
      } else if (builtinModel) {
        s = new Sequential(MnistTutorial.cnn()).setSeed(seed);
        inputShape = new long[] {28, 28, 1};
      } else if (chosen != null) {
        // the fixed front end is the data's preprocessing (its features cached on disk); the
        // model trained is what follows it, as Sequential.fit would train on its cached output
        List<Layer> layers = chosen.layers();
        recipeFront = FrozenFrontEnd.of(layers, Recipe.IMAGE_SHAPE).orElseThrow();
        s =
            new Sequential(layers.subList(recipeFront.size(), layers.size()).toArray(Layer[]::new))
                .setSeed(seed);
        inputShape = recipeFront.outputShape();
        s.setInputShape(inputShape);
      } else {
        keras = ModelIO.load(Path.of(model));
        s = keras.sequential();
        inputShape = keras.inputShape();
      }
      LossChoice lossChoice = lossChoiceOrDefault();
      Dataset train;
      Dataset test;
      // the private sweep's held-out split of the training data (null without it)
      Dataset heldOut = null;
      int n;
      if (master != null) {
        cluster =
            ClusterData.engine(master).open(master, Path.of(dataOptions.data), dataOptions.label);
        if (cluster.rows() > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              dataOptions.data
                  + " has "
                  + cluster.rows()
                  + " rows; at most "
                  + Integer.MAX_VALUE
                  + " are supported");
        }
        n = (int) cluster.rows();
        train = null;
        test =
            validation == null
                ? null
                : LabelledCsv.read(validation, dataOptions.label, inputShape, dataOptions.scale);
      } else {
        Dataset[] trainAndTest = readData(s, inputShape, lossChoice, log);
        train = trainAndTest[0];
        test = trainAndTest[1];
        heldOut = trainAndTest[2];
        n = train.size();
      }
      int b = batchSize != null ? batchSize : builtinModel ? MnistTutorial.BATCH_SIZE : 256;
      requireBatchSize(b, n);
      double c = l2NormClip != null ? l2NormClip : builtinModel ? MnistTutorial.L2_NORM_CLIP : 1.0;
      float lr =
          learningRate != null ? learningRate : builtinModel ? MnistTutorial.LEARNING_RATE : 0.1f;
      // the δ is needed before the plan: a continued model's history is reported at it
      double d = delta != null ? delta : DeltaDefault.forExamples(n);
      DeltaDefault.warning(d, n).ifPresent(w -> err.println("dp4j: warning: " + w));
      AccountantKind kind = accountant.kind();
      String accountantName = accountant.name().toUpperCase(Locale.ROOT);
      PrivacyLog history = ModelPrivacy.of(s).privacyLog();
      if (resume == null && keras != null) {
        continueHistory(history, d, kind, accountantName, log);
      }
      // the steps this run's epsilon composes with: the checkpoint's, or a --model's history
      PrivacyLog.Snapshot earlier = history.snapshot();
      TrainingPlan plan;
      try {
        plan = plan(n, b, d, target, earlier, builtinModel);
      } catch (TargetEpsilonException e) {
        refusal(e, accountantName, err);
        return refused();
      }
      double sigma = plan.noiseMultiplier();
      long steps = plan.steps();
      if (planOnly) {
        // a --recipe's only earlier step is its own release, which each trial makes anew
        if ((earlier.steps() > 0 && recipe == null) || sigma == 0) {
          throw new IllegalArgumentException(
              "the private search needs fresh noisy runs: "
                  + (sigma == 0 ? "sigma is 0" : "the model carries earlier steps"));
        }
        return new Result(
            0,
            n,
            sigma,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            d,
            steps,
            trialEvents(earlier, plan),
            Double.NaN,
            heldOut == null ? 0 : heldOut.size());
      }
      boolean doubled = plan.runShape().sensitivityDoubled();
      String calibration =
          plan.calibration()
              .map(
                  cal ->
                      String.format(
                          Locale.ROOT,
                          "Calibrated the noise multiplier to the target: sigma = %.4f gives"
                              + " epsilon %.4f <= %s (%s, delta=%s, q=%.6g, %d steps%s)",
                          sigma,
                          cal.epsilon(),
                          target,
                          accountantName,
                          d,
                          plan.samplingRate(),
                          steps,
                          (doubled
                                  ? "; microbatches of more than one example: accounted with"
                                      + " sigma/2"
                                  : "")
                              + (earlier.steps() > 0
                                  ? "; composed after the model's "
                                      + earlier.steps()
                                      + " earlier step(s)"
                                  : "")))
              .orElse(null);
      if (calibration != null) {
        log.println(calibration);
      }
      long stepsBefore = earlier.steps();
      long modelStepsBefore = s.steps();
      if (resume != null) {
        log.printf(
            Locale.ROOT,
            "Resuming %s: %d steps taken before the checkpoint, epsilon %.4f (%s) at delta=%s%n",
            resume,
            stepsBefore,
            history.privacySpent(d, kind::newAccountant).epsilon(),
            accountantName,
            d);
      }
      log.printf(
          Locale.ROOT,
          "DP-SGD: %s on %d examples, C=%s sigma=%.4f microbatches=%d%s %s lr=%s batch=%d"
              + " (Poisson sampling, q=%.5f), %s = %d steps%s, delta=%s%n",
          modelName,
          n,
          c,
          sigma,
          microbatches,
          augmentation.isNone()
              ? ""
              : " augmentation " + augmentation + " (mean of the copies clipped: same epsilon)",
          optimizer,
          sgdOptions.given() ? sgdDescription(lr, plan, s.steps()) : lr,
          b,
          plan.samplingRate(),
          EpochLines.epochs(epochs),
          steps,
          stepsBefore == 0 ? "" : " (" + (stepsBefore + steps) + " in all)",
          d);
      log.flush();

      // the accountant the saved privacy record names and each epoch's epsilon uses
      ModelPrivacy.of(s).setAccountant(kind::newAccountant);
      List<Metric> chosenMetrics = metrics != null ? metrics : defaultMetrics(lossChoice);
      noise.apply(s);
      s.setParameterAveraging(parameterAveraging());
      s.compile(
          dpOptimizer(c, sigma, lr, augmentation, plan, modelStepsBefore),
          lossFunction(lossChoice, fromLogits || builtinModel || chosen != null),
          chosenMetrics.toArray(Metric[]::new));
      if (resume != null) {
        TrainingCheckpoint.restoreOptimizerState(s, resume);
      }
      // before the ledger admits the run: a label the model cannot take is bad input, not a run
      if (cluster != null) {
        ClusterData.check(cluster, s, inputShape, dataOptions.data);
      } else {
        DataLines.checkLabels(s, train, dataOptions.labelFile(), dataOptions.isCsv());
      }
      if (keras == null) {
        keras = KerasModel.of(s, inputShape);
      }
      if (checkpoint != null && cluster == null) {
        s.addTrainingListener(new ModelCheckpoint(keras, checkpoint));
      }
      if (ProgressBars.wanted(json)) {
        // resumed, the steps before the checkpoint may have had another q: ask the model's log
        LongToDoubleFunction epsilonSoFar =
            stepsBefore == 0
                ? k -> plan.epsilonAfter(AccountantKind.RDP, k)
                : k -> history.privacySpent(d, AccountantKind.RDP::newAccountant).epsilon();
        s.addTrainingListener(
            new ProgressBars(System.err, epochs, plan.stepsPerEpoch(), epsilonSoFar));
      }
      s.addTrainingListener(new EpochLines(log, epochs, plan.stepsPerEpoch(), modelStepsBefore));
      long start = System.nanoTime();
      TrainingResult result;
      try {
        result =
            cluster == null
                ? ledgerOptions.run(plan, s, train, "train " + modelName, log)
                : ledgerOptions.run(
                    plan,
                    s,
                    cluster.engine(
                        ClusterData.KerasJsonFactory.of(
                            keras, c, sigma, lossChoice, fromLogits || builtinModel),
                        afterClusterEpoch(keras, cluster, log)),
                    "train " + modelName,
                    log);
      } catch (NonFiniteWeightsException e) {
        log.flush();
        err.println(
            "dp4j: "
                + e.getMessage()
                + (out == null ? "" : "; " + out + " was not written")
                + (checkpoint == null
                    ? ""
                    : "; the checkpoint "
                        + checkpoint
                        + ", if written, holds the last finished epoch, whose weights were"
                        + " finite"));
        err.flush();
        return refused();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Double> evaluation = test == null ? Map.of() : s.evaluate(test);
      double validationAccuracy =
          heldOut == null
              ? Double.NaN
              : s.evaluate(heldOut).getOrDefault(Metric.ACCURACY.key(), Double.NaN);
      int validationExamples = heldOut == null ? 0 : heldOut.size();
      PrivacyRecord record = PrivacyRecord.of(s, d);
      if (out != null) {
        ModelIO.save(keras.withPrivacyRecord(record), out);
      }
      Finished run =
          new Finished(
              plan,
              result,
              modelName,
              c,
              lr,
              test,
              evaluation,
              chosenMetrics,
              seconds,
              s.steps() - modelStepsBefore,
              ModelPrivacy.of(s).secureNoise(),
              calibration,
              cluster == null ? null : cluster.engine(),
              cluster == null ? 0 : cluster.partitions());
      SummaryTable.print(log, summary(run));
      if (checkpoint != null) {
        log.println("Checkpoint " + checkpoint + " (continue with --resume " + checkpoint + ")");
      }
      if (out != null) {
        log.println("Saved " + out);
      }
      if (!result.withinTarget()) {
        err.printf(
            Locale.ROOT,
            "dp4j: the run spent epsilon %s (%s), above the target %s%n",
            EpsilonFormat.text(result.spent().epsilon(), 4),
            accountantName,
            target);
        err.flush();
        return new Result(
            1,
            n,
            sigma,
            run.testAccuracy(),
            result.rdp().epsilon(),
            result.pld().epsilon(),
            d,
            steps,
            List.copyOf(result.events()),
            validationAccuracy,
            validationExamples);
      }
      if (report != null) {
        log.println("Report: " + writeReport(run));
      }
      log.flush();
      if (json) {
        o.println(Json.write(json(run, record)));
      }
      o.flush();
      return new Result(
          0,
          n,
          sigma,
          run.testAccuracy(),
          result.rdp().epsilon(),
          result.pld().epsilon(),
          d,
          result.rdp().steps(),
          List.copyOf(result.events()),
          validationAccuracy,
          validationExamples);
    } finally {
      if (keras != null) {
        keras.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /**
   * After each epoch on a cluster: the epoch's line and, with --checkpoint, the checkpoint (the
   * single-JVM run's listeners do both there).
   */
  private IntConsumer afterClusterEpoch(KerasModel keras, ClusterTable cluster, PrintWriter log) {
    int partitions = cluster.partitions();
    return done -> {
      log.printf(
          Locale.ROOT,
          "epoch %d/%d: %d steps on %s (%s, %d partitions)%n",
          done,
          epochs,
          keras.sequential().steps(),
          cluster.engine(),
          master,
          partitions);
      log.flush();
      if (checkpoint != null) {
        try {
          TrainingCheckpoint.save(keras, checkpoint);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write checkpoint " + checkpoint, e);
        }
      }
    };
  }

  /**
   * The options as a plan: its σ given (or the model's default), or calibrated to {@code target}.
   */
  private TrainingPlan plan(
      int n, int b, double d, Double target, PrivacyLog.Snapshot earlier, boolean builtinModel) {
    TrainingPlan.Builder plan =
        TrainingPlan.builder()
            .setExamples(n)
            .setExpectedBatchSize(b)
            .optEpochs(epochs)
            .optMicrobatches(microbatches)
            .optDelta(d)
            .optAccountant(accountant.kind())
            .optHistory(earlier);
    if (target != null) {
      plan.optTargetEpsilon(target);
    }
    if (noiseMultiplier != null) {
      plan.optNoiseMultiplier(noiseMultiplier);
    } else if (target == null) {
      plan.optNoiseMultiplier(builtinModel ? MnistTutorial.NOISE_MULTIPLIER : 1.1);
    }
    return plan.build();
  }

  /** Says why the plan cannot meet its target. */
  private static void refusal(TargetEpsilonException e, String accountantName, PrintWriter err) {
    if (e.plan().isEmpty()) {
      err.println("dp4j: refused: " + e.getMessage());
    } else {
      TrainingPlan plan = e.plan().get();
      err.printf(
          Locale.ROOT,
          "dp4j: refused: noise multiplier %s over %d steps (q=%.6g) gives epsilon %s"
              + " (%s, delta=%s), above the target %s; raise --noise-multiplier, or drop it"
              + " to calibrate%n",
          plan.noiseMultiplier(),
          plan.steps(),
          plan.samplingRate(),
          EpsilonFormat.text(e.epsilon(), 4),
          accountantName,
          plan.delta(),
          plan.targetEpsilon().getAsDouble());
    }
    err.flush();
  }

  /**
   * The training, test and validation data (test null when none; validation null without {@link
   * #holdout}), as the options name them.
   */
  private Dataset[] readData(
      Sequential s, long[] inputShape, LossChoice lossChoice, PrintWriter log) throws IOException {
    long[] labelShape =
        lossChoice == LossChoice.sparse_categorical_crossentropy ? new long[0] : s.outputShape();
    DataOptions.Split read =
        dataOptions.read(
            recipeFront != null ? recipeFront.inputShape() : inputShape, labelShape, log);
    Dataset train = read.train();
    Dataset test = read.test();
    if (validation != null) {
      test = LabelledCsv.read(validation, dataOptions.label, inputShape, dataOptions.scale);
    } else if (testFeatures != null) {
      test =
          DataOptions.readFiles(
              testFeatures, testLabels, inputShape, labelShape, dataOptions.scale);
    }
    if (recipeFront != null) {
      // the recipe's batch size against the examples it will train on, before the features take
      // their time (a --limit smaller than the batch is refused at once)
      requireBatchSize(
          batchSize,
          validationSplit != null
              ? holdOut(train, validationSplit, "--validation-split")[0].size()
              : train.size());
      // after --limit (a quick run computes few features), before the split: the features of
      // the whole training set are cached once for every validation split
      FeatureCache cache =
          dataOptions.dataDir == null
              ? FeatureCache.beside()
              : new FeatureCache(dataOptions.dataDir.resolve("features"));
      train = cache.features(recipeFront, train, log);
      test = validationSplit != null ? null : cache.features(recipeFront, test, log);
    }
    Dataset heldOut = null;
    if (validationSplit != null) {
      Dataset[] split = holdOut(train, validationSplit, "--validation-split");
      train = split[0];
      test = split[1];
      log.printf(
          Locale.ROOT,
          "Validation split: training on the first %d training examples, accuracy reported on the"
              + " last %d (the test set is not used)%n",
          train.size(),
          test.size());
    } else if (holdout != null) {
      Dataset[] split = holdOut(train, holdout, "--validation-fraction");
      train = split[0];
      heldOut = split[1];
    }
    if (recipeFront != null && planOnly) {
      // a private search's plan: each trial will make its own release, composed in its bound
      ModelPrivacy.of(s).privacyLog().recordFullDataRelease(whiteningNoiseMultiplier());
    } else if (recipeFront != null) {
      double releaseNoise = whiteningNoiseMultiplier();
      // charged before the statistic is computed: a release over the budget touches no data
      ledgerOptions.chargeRelease(
          ChannelWhitening.event(releaseNoise),
          "train --recipe " + recipe + ": channel whitening release",
          log);
      ChannelWhitening whitening = Recipe.whitening(train, whiteningRidge(), releaseNoise);
      // the release is a DP event of the run: in the model's log before the plan composes it
      ModelPrivacy.of(s).privacyLog().recordFullDataRelease(whitening.noiseMultiplier());
      if (ledgerOptions.ledger != null) {
        ModelPrivacy.of(s).privacyLog().markReleasesCharged(); // charged above, before computing
      }
      log.printf(
          Locale.ROOT,
          "Channel whitening: the %d training features' %d x %d channel moments released with the"
              + " Gaussian mechanism (each example's clipped to Frobenius norm %s, noise sigma %s);"
              + " epsilon composes it as one step that samples every example (q = 1)%n",
          train.size(),
          Recipe.CHANNELS,
          Recipe.CHANNELS,
          Recipe.WHITENING_CLIP_NORM,
          whitening.noiseMultiplier());
      train = whitening.apply(train);
      test = test == null ? null : whitening.apply(test);
      heldOut = heldOut == null ? null : whitening.apply(heldOut);
    }
    return new Dataset[] {train, test, heldOut};
  }

  /** The first and the last {@code fraction} of {@code train}, each at least one example. */
  /**
   * @throws IllegalArgumentException unless the expected batch size {@code b} is in [1, n], n the
   *     training examples
   */
  private static void requireBatchSize(int b, int n) {
    if (b < 1 || b > n) {
      throw new IllegalArgumentException(
          "--batch-size must be in [1, " + n + "] (the training examples), got " + b);
    }
  }

  private static Dataset[] holdOut(Dataset train, double fraction, String option) {
    int held = (int) Math.round(fraction * train.size());
    if (held < 1 || held >= train.size()) {
      throw new IllegalArgumentException(
          option
              + " "
              + fraction
              + " holds out "
              + held
              + " of the "
              + train.size()
              + " training examples: it must leave at least one on each side");
    }
    int at = train.size() - held;
    return new Dataset[] {train.slice(0, at), train.slice(at, train.size())};
  }

  /**
   * A finished run and what the printing needs of it.
   *
   * @param test the held-out data, or null
   * @param trainedSteps the steps this run took
   * @param calibration the calibration line, or null when σ was given
   * @param engine the cluster engine that trained, or null for this JVM
   * @param partitions the cluster's partitions (0 in this JVM)
   */
  private record Finished(
      TrainingPlan plan,
      TrainingResult result,
      String modelName,
      double c,
      float lr,
      Dataset test,
      Map<String, Double> evaluation,
      List<Metric> metrics,
      double seconds,
      long trainedSteps,
      boolean secureNoise,
      String calibration,
      String engine,
      int partitions) {
    double testAccuracy() {
      return evaluation.getOrDefault(Metric.ACCURACY.key(), Double.NaN);
    }

    double testLoss() {
      return evaluation.getOrDefault("loss", Double.NaN);
    }

    /** The last epoch's training loss; NaN from a cluster, which does not compute it. */
    double lastLoss() {
      List<Double> losses = result.history().asMap().getOrDefault("loss", List.of());
      return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
    }
  }

  private Map<String, String> summary(Finished run) {
    TrainingPlan plan = run.plan();
    TrainingResult result = run.result();
    Map<String, String> summary = new LinkedHashMap<>();
    if (run.test() != null) {
      if (!Double.isNaN(run.testAccuracy())) {
        summary.put(
            evaluatedSplit() + " accuracy",
            String.format(
                Locale.ROOT,
                "%.4f (%d held-out %s examples)",
                run.testAccuracy(),
                run.test().size(),
                evaluatedSplit()));
      }
      for (Metric metric : run.metrics()) {
        if (metric != Metric.ACCURACY) {
          summary.put(
              evaluatedSplit() + " " + metric.key(),
              String.format(Locale.ROOT, "%.4f", run.evaluation().get(metric.key())));
        }
      }
      summary.put(evaluatedSplit() + " loss", String.format(Locale.ROOT, "%.4f", run.testLoss()));
    }
    summary.put(
        "training loss",
        run.engine() != null
            ? "not computed on " + run.engine() + " (its partitions sum clipped gradients only)"
            : InspectCommand.number(run.lastLoss())
                + " (last epoch; private training data, not covered by DP)");
    summary.put(
        "epsilon",
        String.format(
            Locale.ROOT,
            "%s (RDP) / %s (PLD) at delta = %s%s",
            EpsilonFormat.text(result.rdp().epsilon(), 3),
            EpsilonFormat.text(result.pld().epsilon(), 3),
            plan.delta(),
            plan.targetEpsilon().isEmpty()
                ? ""
                : ", target " + plan.targetEpsilon().getAsDouble()));
    long stepsBefore = result.stepsBefore();
    summary.put(
        "steps",
        String.format(
            Locale.ROOT,
            "%d (%s%s on %d examples, q = %.5g, sigma = %.4f, C = %s)",
            result.rdp().steps(),
            stepsBefore == 0
                ? ""
                : stepsBefore
                    + (resume != null
                        ? " before the checkpoint + "
                        : recipe != null
                            ? " (q = 1, sigma = "
                                + whiteningNoiseMultiplier()
                                + ": the channel moments' release) + "
                            : " earlier, same data assumed + "),
            EpochLines.epochs(epochs),
            plan.examples(),
            plan.samplingRate(),
            plan.noiseMultiplier(),
            run.c()));
    if (run.engine() != null) {
      summary.put(
          "engine", run.engine() + " at " + master + ", " + run.partitions() + " partitions");
    }
    summary.put(
        "time",
        String.format(
            Locale.ROOT,
            "%.0f s (%.0f ms/step)",
            run.seconds(),
            1000 * run.seconds() / run.trainedSteps()));
    return summary;
  }

  private Path writeReport(Finished run) throws IOException {
    TrainingPlan plan = run.plan();
    TrainingResult result = run.result();
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("model", run.modelName());
    settings.put("data", dataOptions.describe());
    settings.put("training examples", Integer.toString(plan.examples()));
    settings.put("epochs", Integer.toString(epochs));
    settings.put("expected batch size", Integer.toString(plan.expectedBatchSize()));
    settings.put("sampling", String.format(Locale.ROOT, "Poisson, q = %.6g", plan.samplingRate()));
    settings.put("steps", Long.toString(plan.steps()));
    settings.put("l2 norm clip C", Double.toString(run.c()));
    settings.put(
        "noise multiplier sigma", String.format(Locale.ROOT, "%.4f", plan.noiseMultiplier()));
    if (run.calibration() != null) {
      settings.put("calibration", run.calibration());
    }
    settings.put("microbatches", microbatches == 0 ? "0 (per example)" : "" + microbatches);
    settings.put("optimizer", optimizer + ", learning rate " + run.lr());
    if (sgdOptions.given()) {
      settings.put(
          "momentum and schedule (post-processing: epsilon unchanged)",
          sgd(run.lr(), plan, 0).toString());
    }
    AugmentationMultiplicity augmentation = augmentationOptions.resolve();
    if (!augmentation.isNone()) {
      settings.put("augmentation multiplicity", augmentation.toString());
    }
    settings.put("delta", Double.toString(plan.delta()));
    settings.put("noise source", NoiseSource.describe(run.secureNoise()));
    if (ema != null) {
      settings.put(
          "parameter averaging",
          "EMA, decay "
              + ema
              + (emaWarmup ? " with warm-up" : "")
              + ": test figures and the saved model use the averaged weights; post-processing,"
              + " no privacy cost");
    }
    Map<String, String> results = new LinkedHashMap<>();
    results.put("final training loss (not covered by DP)", ReportWriter.fmt(run.lastLoss(), 4));
    if (!Double.isNaN(run.testAccuracy())) {
      results.put("test accuracy (held-out test data)", ReportWriter.fmt(run.testAccuracy(), 4));
    }
    if (run.test() != null) {
      results.put("test loss (held-out test data)", ReportWriter.fmt(run.testLoss(), 4));
    }
    results.put("epsilon (RDP)", EpsilonFormat.text(result.rdp().epsilon(), 4));
    results.put("epsilon (PLD)", EpsilonFormat.text(result.pld().epsilon(), 4));
    results.put("training time", String.format(Locale.ROOT, "%.0f s", run.seconds()));
    return ReportWriter.write(
        report,
        new RunReport(
            "dp4j train: " + run.modelName(),
            settings,
            PrivacyStatement.of(
                plan.examples(),
                plan.expectedBatchSize(),
                epochs,
                plan.noiseMultiplier(),
                plan.delta(),
                plan.runShape().sensitivityDoubled(),
                true,
                augmentationOptions.resolve().k()),
            results,
            result.history().get("loss"),
            run.metrics().contains(Metric.ACCURACY)
                ? result.history().get(Metric.ACCURACY.key())
                : List.of(),
            plan.epsilonPerEpoch(AccountantKind.RDP),
            plan.epsilonPerEpoch(AccountantKind.PLD)));
  }

  private ObjectNode json(Finished run, PrivacyRecord record) {
    TrainingPlan plan = run.plan();
    TrainingResult result = run.result();
    ObjectNode node = Json.object();
    if (recipe != null) {
      node.put("recipe", Recipe.parse(recipe).label);
      node.put("model", run.modelName());
    }
    String prefix = evaluatedSplit() + "_";
    Json.putNumber(node, prefix + "accuracy", run.testAccuracy());
    Json.putNumber(node, prefix + "loss", run.testLoss());
    for (Metric metric : run.metrics()) {
      if (metric != Metric.ACCURACY) {
        Json.putNumber(
            node, prefix + metric.key(), run.evaluation().getOrDefault(metric.key(), Double.NaN));
      }
    }
    if (validationSplit != null) {
      node.put("validation_split", validationSplit);
      node.put("validation_examples", run.test().size());
    }
    EpsilonFormat.putJson(node, "epsilon_rdp", result.rdp().epsilon());
    EpsilonFormat.putJson(node, "epsilon_pld", result.pld().epsilon());
    node.put("delta", plan.delta());
    node.put("noise_multiplier", plan.noiseMultiplier());
    node.put("secure_noise", run.secureNoise());
    node.put("steps", result.rdp().steps());
    if (resume != null) {
      node.put("resumed_from", resume.toString());
      node.put("steps_before_resume", result.stepsBefore());
    } else if (recipe != null) {
      ObjectNode release = node.putObject("channel_whitening");
      release.put("released", "channel second moments of the training features");
      release.put("channels", Recipe.CHANNELS);
      release.put("clip_norm", Recipe.WHITENING_CLIP_NORM);
      release.put("noise_multiplier", whiteningNoiseMultiplier());
      release.put("ridge", whiteningRidge());
      release.put("accounted_as", "one step at q = 1, composed into epsilon");
    } else if (result.stepsBefore() > 0) {
      node.put("continued_from_steps", result.stepsBefore());
    }
    node.put("disjoint_data", disjointData);
    if (checkpoint != null) {
      node.put("checkpoint", checkpoint.toString());
    }
    plan.targetEpsilon().ifPresent(t -> node.put("target_epsilon", t));
    node.put("calibrated", plan.calibration().isPresent());
    node.put("sampling_rate", plan.samplingRate());
    node.put("l2_norm_clip", run.c());
    node.put("microbatches", microbatches);
    AugmentationMultiplicity augmentation = augmentationOptions.resolve();
    node.put("augmentation_multiplicity", augmentation.k());
    node.put("augmentation", augmentation.augmentation().toString());
    node.put("optimizer", optimizer.name());
    node.put("learning_rate", run.lr());
    node.put("momentum", sgdOptions.momentum == null ? 0 : sgdOptions.momentum);
    node.put("nesterov", sgdOptions.nesterov);
    node.put("lr_schedule", sgdOptions.schedule == null ? "constant" : sgdOptions.schedule);
    node.put("warmup_steps", sgdOptions.warmupSteps == null ? 0 : sgdOptions.warmupSteps);
    if (ema != null) {
      node.putObject("parameter_averaging").put("ema", ema).put("warmup", emaWarmup);
    }
    node.put("epochs", epochs);
    node.put("seconds", run.seconds());
    if (out != null) {
      node.put("out", out.toString());
    }
    if (report != null) {
      node.put("report", report.resolve(ReportWriter.REPORT).toString());
    }
    node.put("examples", plan.examples());
    if (run.engine() != null) {
      node.put("engine", run.engine());
      node.put("partitions", run.partitions());
    }
    Json.putNumber(node, "loss", run.lastLoss());
    DpCoverage.put(
        node, List.of("loss"), run.test() == null ? List.of() : testKeys(run.metrics(), prefix));
    node.set("privacy", record.toJson());
    return node;
  }

  /** The averaging --ema asks for, or null. */
  private ParameterAveraging parameterAveraging() {
    if (ema == null) {
      return null;
    }
    ParameterAveraging averaging = ParameterAveraging.ema(ema);
    return emaWarmup ? averaging.withWarmup() : averaging;
  }

  /** The JSON keys of the held-out figures {@code --json} prints, {@code prefix} first. */
  private static List<String> testKeys(List<Metric> chosen, String prefix) {
    List<String> keys = new ArrayList<>(List.of(prefix + "accuracy", prefix + "loss"));
    for (Metric metric : chosen) {
      if (metric != Metric.ACCURACY) {
        keys.add(prefix + metric.key());
      }
    }
    return keys;
  }

  /** What the held-out figures are measured on: "validation" with --validation-split, "test". */
  private String evaluatedSplit() {
    return validationSplit != null ? "validation" : "test";
  }

  /**
   * Fills the options left unset from {@code chosen} and refuses those a recipe cannot take: it
   * brings its own model and data, and Keras cannot hold its scattering layer (no --out, no
   * checkpoint).
   */
  private Recipe applyRecipe(Recipe chosen, Double target) {
    recipeTarget = target;
    if (applied != null) {
      return applied; // a sweep runs the same command once per target
    }
    if (model != null
        || resume != null
        || dataOptions.data != null
        || dataOptions.features != null) {
      throw new IllegalArgumentException(
          "--recipe brings its own model and data: drop --model, --resume, --data and --features");
    }
    if (out != null || checkpoint != null) {
      throw new IllegalArgumentException(
          "--recipe's model starts with a scattering transform, which Keras files cannot hold:"
              + " drop --out and --checkpoint");
    }
    dataOptions.data = chosen.data.label();
    batchSize = batchSize != null ? batchSize : chosen.batchSize;
    learningRate = learningRate != null ? learningRate : chosen.learningRate;
    l2NormClip = l2NormClip != null ? l2NormClip : chosen.l2NormClip;
    if (!spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
      epochs = chosen.epochs;
    }
    if (sgdOptions.momentum == null && (optimizer == null || optimizer == OptimizerChoice.sgd)) {
      sgdOptions.momentum = chosen.momentum;
    }
    if (ema == null) {
      ema = chosen.ema;
      emaWarmup |= chosen.emaWarmup;
    }
    delta = delta != null ? delta : Recipe.DELTA;
    if (!spec.commandLine().getParseResult().hasMatchedOption("--accountant")) {
      accountant = chosen.accountant;
    }
    applied = chosen;
    return chosen;
  }

  /** A planned trial's DP events: its model's earlier ones (a recipe's release), then the run. */
  private static List<DpEvent> trialEvents(PrivacyLog.Snapshot earlier, TrainingPlan plan) {
    List<DpEvent> events = new ArrayList<>(earlier.events());
    events.add(plan.runShape().event());
    return events;
  }

  private double whiteningRidge() {
    return whiteningRidge != null ? whiteningRidge : Recipe.WHITENING_RIDGE;
  }

  private double whiteningNoiseMultiplier() {
    return whiteningNoise != null ? whiteningNoise : Recipe.whiteningNoiseMultiplier(recipeTarget);
  }

  /** The settings a --recipe run has, as train options. */
  private String recipeOptions(Double target) {
    return String.format(
        Locale.ROOT,
        "--data %s --batch-size %d --learning-rate %s%s --epochs %d --l2-norm-clip %s%s"
            + " --accountant %s --delta %s%s",
        dataOptions.data,
        batchSize,
        learningRate,
        sgdOptions.momentum == null ? "" : " --momentum " + sgdOptions.momentum,
        epochs,
        l2NormClip,
        ema == null ? "" : " --ema " + ema + (emaWarmup ? " --ema-warmup" : ""),
        accountant,
        delta,
        target == null ? "" : " --target-epsilon " + target);
  }

  /**
   * A --model with a privacy history: composed with this run's steps (said so), or, with
   * --disjoint-data, set aside as a separate entry.
   *
   * @throws IllegalArgumentException if --disjoint-data is given for a model without history, a
   *     --report is asked for a continued run, or the history has steps without noise
   */
  private void continueHistory(
      PrivacyLog history, double d, AccountantKind kind, String accountantName, PrintWriter log) {
    long earlier = history.steps();
    if (disjointData) {
      if (earlier == 0) {
        throw new IllegalArgumentException(
            "--disjoint-data: "
                + model
                + " carries no privacy history to keep apart (it was not trained with DP-SGD, or"
                + " its new history is empty); drop --disjoint-data");
      }
      log.printf(
          Locale.ROOT,
          "%s carries a privacy history of %d DP steps (epsilon %s, %s, at delta=%s): with"
              + " --disjoint-data it is kept as a separate entry of the saved record, and this"
              + " run's epsilon covers its own data only%n",
          model,
          earlier,
          EpsilonFormat.text(history.privacySpent(d, kind::newAccountant).epsilon(), 3),
          accountantName,
          d);
      history.continueOnDisjointData();
      return;
    }
    if (earlier == 0) {
      return;
    }
    if (history.noiselessSteps() > 0) {
      throw new IllegalArgumentException(
          model
              + " carries "
              + history.noiselessSteps()
              + " steps that ran without noise (epsilon infinite): training it further on the same"
              + " data cannot have a DP guarantee; give --disjoint-data if this data shares no"
              + " individual with its data");
    }
    if (report != null) {
      throw new IllegalArgumentException(
          "--report cannot be combined with a --model that carries a privacy history yet: its"
              + " privacy statement describes a run from its first step (give --disjoint-data if"
              + " the data shares no individual with the earlier data)");
    }
    log.printf(
        Locale.ROOT,
        "%s carries a privacy history of %d DP steps (epsilon %s, %s, at delta=%s): this run's"
            + " steps are composed with them, as training on the same data (give --disjoint-data"
            + " if this data shares no individual with the earlier data)%n",
        model,
        earlier,
        EpsilonFormat.text(history.privacySpent(d, kind::newAccountant).epsilon(), 3),
        accountantName,
        d);
    if (ledgerOptions.ledger != null) {
      log.printf(
          Locale.ROOT,
          "ledger: '%s' is charged this run's steps only; the %d earlier steps count in its"
              + " budget only if they were charged to it when they ran%n",
          ledgerOptions.ledger,
          earlier);
    }
  }

  private static Result refused() {
    return new Result(
        1,
        0,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        0,
        List.of(),
        Double.NaN,
        0);
  }

  private void validate(Double target) {
    if (accountant == AccountantChoice.all) {
      throw new IllegalArgumentException("--accountant must be rdp or pld for training");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
    }
    if (ema != null && !(ema > 0 && ema < 1)) {
      throw new IllegalArgumentException("--ema must be in (0, 1), e.g. 0.999, got " + ema);
    }
    if (emaWarmup && ema == null) {
      throw new IllegalArgumentException("--ema-warmup needs --ema DECAY");
    }
    if (recipe == null && (whiteningRidge != null || whiteningNoise != null)) {
      throw new IllegalArgumentException(
          "--whitening-ridge and --whitening-noise-multiplier set the channel whitening of"
              + " --recipe runs: give --recipe mnist|fashion-mnist, or drop them");
    }
    if (microbatches != null && microbatches < 0) {
      throw new IllegalArgumentException("--microbatches must be >= 0, got " + microbatches);
    }
    if (model == null && resume == null && recipe == null) {
      throw new IllegalArgumentException(
          "give the model: --model FILE|tutorial-cnn, --recipe mnist|fashion-mnist, or --resume"
              + " FILE to continue a checkpoint");
    }
    if (validationSplit != null && !(validationSplit > 0 && validationSplit < 1)) {
      throw new IllegalArgumentException(
          "--validation-split must be in (0, 1), e.g. 0.16667 (the last 10,000 of 60,000), got "
              + validationSplit);
    }
    if (validationSplit != null && (validation != null || testFeatures != null)) {
      throw new IllegalArgumentException(
          "--validation-split holds out part of the training data in place of a test set: drop"
              + " --validation or --test-features/--test-labels, or --validation-split");
    }
    if (resume != null) {
      if (disjointData) {
        throw new IllegalArgumentException(
            "--disjoint-data cannot be combined with --resume: a resumed run trains on its own data"
                + " (to train a checkpoint on other data, give it as --model)");
      }
      if (target != null) {
        throw new IllegalArgumentException(
            "--target-epsilon cannot be combined with --resume: the checkpoint fixes sigma");
      }
      if (report != null) {
        throw new IllegalArgumentException(
            "--report cannot be combined with --resume yet: its privacy statement describes a run"
                + " from its first step");
      }
      if (spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
        throw new IllegalArgumentException(
            "--seed cannot be combined with --resume: the weights come from the checkpoint");
      }
    }
    if (master != null) {
      validateCluster();
    }
    dataOptions.validate(
        master != null,
        List.of(new DataOptions.Partner("--validation", validation != null)),
        List.of(
            new DataOptions.Partner("--test-features", testFeatures != null),
            new DataOptions.Partner("--test-labels", testLabels != null)));
    if ((dataOptions.isCsv() || master != null)
        && lossChoiceOrDefault() != LossChoice.sparse_categorical_crossentropy) {
      throw new IllegalArgumentException(
          "a --data CSV holds class indices: use --loss sparse_categorical_crossentropy");
    }
    if ((testFeatures == null) != (testLabels == null)) {
      throw new IllegalArgumentException("--test-features and --test-labels go together");
    }
    if (target != null && !(target > 0 && Double.isFinite(target))) {
      throw new IllegalArgumentException("--target-epsilon must be finite and > 0, got " + target);
    }
    if (noiseMultiplier != null && !(noiseMultiplier > 0 && Double.isFinite(noiseMultiplier))) {
      throw new IllegalArgumentException(
          "--noise-multiplier must be finite and > 0, got " + noiseMultiplier);
    }
  }

  /**
   * Refuses what a run on a cluster does not do (yet), naming the option: data other than a table
   * file the cluster reads, and the options of the single-JVM step only.
   */
  private void validateCluster() {
    String data = dataOptions.data;
    if (!ClusterData.isTableFile(data)) {
      throw new IllegalArgumentException(
          "--master trains on --data FILE.csv|FILE.parquet (read by Spark), got "
              + (data == null ? "no --data" : "--data " + data));
    }
    // before any model or data is loaded: the Spark jars are on the class path, or this says how
    ClusterData.engine(master);
    notOnCluster(resume != null, "--resume", "resume the run in one JVM");
    notOnCluster(
        report != null, "--report", "its plots need the training loss, which Spark does not sum");
    notOnCluster(dataOptions.limit != null, "--limit", "give a smaller table");
    notOnCluster(dataOptions.scale != 1, "--scale", "scale the table's features beforehand");
    notOnCluster(ema != null, "--ema", "parameter averaging runs in the single-JVM step only");
    notOnCluster(
        noise.secure, "--secure-noise", "the secure noise mode runs in the single-JVM step only");
    notOnCluster(
        !augmentationOptions.resolve().isNone(),
        "--augment/--augment-multiplicity",
        "the partitions do not make augmented copies");
    notOnCluster(
        microbatches != null && microbatches != 0,
        "--microbatches",
        "the partitions clip per example (--microbatches 0)");
  }

  private static void notOnCluster(boolean given, String option, String why) {
    if (given) {
      throw new IllegalArgumentException(
          option + " is not supported with --master (training on Spark): " + why);
    }
  }

  /**
   * Fills the options left unset: from the checkpoint with --resume, refusing any given option that
   * contradicts it; else the defaults.
   */
  private void resolveOptions(TrainingCheckpoint.Settings resumed) {
    if (resumed == null) {
      optimizer = optimizer != null ? optimizer : OptimizerChoice.sgd;
      microbatches = microbatches != null ? microbatches : 0;
      return;
    }
    if (resumed.noiseMultiplier().isEmpty()) {
      throw new IllegalArgumentException(
          "--resume " + resume + ": the checkpoint was not trained with DP-SGD");
    }
    String savedClass = resumed.optimizerClass().orElse("(none recorded)");
    OptimizerChoice saved = null;
    for (OptimizerChoice choice : OptimizerChoice.values()) {
      if (dpOptimizerClass(choice).getName().equals(savedClass)) {
        saved = choice;
      }
    }
    if (saved == null) {
      throw new IllegalArgumentException(
          "--resume "
              + resume
              + ": the checkpoint's optimizer "
              + savedClass
              + " is not one train builds (sgd, adam, adagrad, rmsprop)");
    }
    optimizer = agree("--optimizer", optimizer, saved);
    noiseMultiplier =
        agree("--noise-multiplier", noiseMultiplier, resumed.noiseMultiplier().getAsDouble());
    l2NormClip = agree("--l2-norm-clip", l2NormClip, resumed.l2NormClip().getAsDouble());
    microbatches = agree("--microbatches", microbatches, resumed.numMicrobatches().getAsInt());
    if (learningRate == null && resumed.learningRate().isPresent()) {
      learningRate = (float) resumed.learningRate().getAsDouble();
    }
  }

  /** {@code given} if it equals the checkpoint's {@code saved}, or {@code saved} if not given. */
  private <T> T agree(String option, T given, T saved) {
    if (given != null && !given.equals(saved)) {
      throw new IllegalArgumentException(
          option
              + " "
              + given
              + " contradicts the checkpoint "
              + resume
              + " ("
              + saved
              + "): --resume continues its run; drop "
              + option
              + " or give "
              + saved);
    }
    return saved;
  }

  /** Refuses a --model that is not the checkpointed one (layer names aside). */
  private void requireSameModel(KerasModel checkpointed) throws IOException {
    String given;
    if (TUTORIAL_CNN.equals(model)) {
      try (Sequential cnn = new Sequential(MnistTutorial.cnn())) {
        cnn.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        given = architecture(KerasModel.of(cnn, 28, 28, 1));
      }
    } else {
      try (KerasModel other = ModelIO.load(Path.of(model))) {
        given = architecture(other);
      }
    }
    if (!given.equals(architecture(checkpointed))) {
      throw new IllegalArgumentException(
          "--model "
              + model
              + " is not the model of the checkpoint "
              + resume
              + " (layers, shapes or settings differ): --resume continues the checkpointed model;"
              + " drop --model");
    }
  }

  /** The Keras config without names, which Keras numbers per model. */
  private static String architecture(KerasModel model) throws IOException {
    JsonNode config = MAPPER.readTree(ModelIO.toJson(model));
    dropNames(config);
    return config.toString();
  }

  private static void dropNames(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove("name");
    }
    node.forEach(TrainModelCommand::dropNames);
  }

  private LossChoice lossChoiceOrDefault() {
    return loss == null ? LossChoice.sparse_categorical_crossentropy : loss;
  }

  private static Class<? extends Optimizer> dpOptimizerClass(OptimizerChoice choice) {
    return switch (choice) {
      case sgd -> DPKerasSGDOptimizer.class;
      case adam -> DPKerasAdamOptimizer.class;
      case adagrad -> DPKerasAdagradOptimizer.class;
      case rmsprop -> DPKerasRMSpropOptimizer.class;
    };
  }

  /**
   * TF Privacy's DP optimizer for --optimizer, with the augmentation multiplicity and, for SGD, the
   * momentum and schedule; a schedule spans the plan's steps and, resumed, the steps before the
   * checkpoint (its position is the optimizer state the checkpoint restores).
   */
  private Optimizer dpOptimizer(
      double c,
      double sigma,
      float lr,
      AugmentationMultiplicity augmentation,
      TrainingPlan plan,
      long modelStepsBefore) {
    DpSettings settings =
        new DpSettings(
            c,
            sigma,
            microbatches,
            DpSettings.Normalization.MICROBATCHES_OR_BATCH_SIZE,
            ClippingRegistry.defaults(),
            augmentation);
    return switch (optimizer) {
      case sgd -> new DPKerasSGDOptimizer(settings, sgd(lr, plan, modelStepsBefore));
      case adam -> new DPKerasAdamOptimizer(settings, new Adam(lr));
      case adagrad -> new DPKerasAdagradOptimizer(settings, new Adagrad(lr));
      case rmsprop -> new DPKerasRMSpropOptimizer(settings, new RMSprop(lr));
    };
  }

  private SGD sgd(float lr, TrainingPlan plan, long modelStepsBefore) {
    return sgdOptions.sgd(
        lr, plan.stepsPerEpoch(), plan.steps() + (resume != null ? modelStepsBefore : 0));
  }

  /** E.g. {@code SGD(learningRate=cosine(...), momentum=0.9, nesterov)}. */
  private String sgdDescription(float lr, TrainingPlan plan, long modelStepsBefore) {
    return sgd(lr, plan, modelStepsBefore).toString();
  }

  /** Keras' usual metric for the loss: accuracy for a categorical cross-entropy, else none. */
  private static List<Metric> defaultMetrics(LossChoice loss) {
    return loss == LossChoice.sparse_categorical_crossentropy
            || loss == LossChoice.categorical_crossentropy
        ? List.of(Metric.ACCURACY)
        : List.of();
  }

  static Loss lossFunction(LossChoice loss, boolean fromLogits) {
    return switch (loss) {
      case sparse_categorical_crossentropy ->
          new SparseCategoricalCrossentropy(fromLogits, Reduction.NONE);
      case categorical_crossentropy -> new CategoricalCrossentropy(fromLogits, Reduction.NONE);
      case binary_crossentropy -> new BinaryCrossentropy(fromLogits, Reduction.NONE);
      case mse -> new MeanSquaredError(Reduction.NONE);
    };
  }
}
