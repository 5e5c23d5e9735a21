package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DeltaDefault;
import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.data.table.ColumnSpec;
import io.dp4j.data.table.Csv;
import io.dp4j.data.table.PrivateDataLoader;
import io.dp4j.data.table.TableSchema;
import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.keras.LedgerCharge;
import io.dp4j.privacy.keras.PrivateKerasModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tech.tablesaw.api.Table;

/**
 * {@code dp4j private-train}: trains a tabular classifier with DP-SGD through {@link
 * PrivateKerasModel} and {@link PrivateDataLoader}, optionally charged to a ledger dataset, and
 * predicts to a labelled CSV.
 */
@Command(
    name = "private-train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a private tabular classifier (PrivateKerasModel over a CSV with Poisson batches),"
          + " print epsilon before and during training, charge the run to a ledger dataset, and"
          + " write predictions to a CSV.",
      "Encodings are declared (--schema, --label-categories), never derived from the data."
    },
    sortOptions = false)
public final class PrivateTrainCommand implements Callable<Integer> {
  /** Exit code of a run the ledger refused (over budget): the run failed, as dp4j reports runs. */
  static final int REFUSED = 1;

  @Spec CommandSpec spec;

  @Option(names = "--csv", required = true, paramLabel = "FILE", description = "Training data.")
  Path csv;

  @Option(
      names = "--schema",
      paramLabel = "FILE",
      description =
          "JSON schema declaring each feature's encoding and the label (see"
              + " examples/breast-cancer/schema.json). Without it every column but the label is"
              + " read as a number, as is.")
  Path schema;

  @Option(names = "--label", paramLabel = "COL", description = "The label column.")
  String label;

  @Option(
      names = "--label-categories",
      split = ",",
      paramLabel = "CAT",
      description = "The label's classes, declared (not read from the data), e.g. no,yes.")
  List<String> labelCategories;

  @Option(
      names = "--hidden",
      paramLabel = "UNITS",
      description = "Units of a hidden ReLU layer; repeat for more layers (default: 16).")
  List<Integer> hidden;

  @Option(names = "--epochs", defaultValue = "20", description = "Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      description =
          "Expected (Poisson) batch size; q = batch-size / rows. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--noise-multiplier",
      defaultValue = "1.0",
      description = "Noise multiplier sigma. Default: ${DEFAULT-VALUE}.")
  double noiseMultiplier;

  @Option(
      names = "--l2-norm-clip",
      defaultValue = "1.0",
      description = "Per-example gradient clip norm C. Default: ${DEFAULT-VALUE}.")
  double l2NormClip;

  @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default adam).")
  String optimizer;

  @Option(
      names = "--learning-rate",
      defaultValue = "0.01",
      description = "Default: ${DEFAULT-VALUE}.")
  float learningRate;

  @Option(
      names = "--delta",
      description =
          "Target delta of the reported epsilon. Default: the --ledger dataset's delta, else 1/(10"
              + " n) rounded down to a power of ten, n the training rows; a delta of 1/n or more"
              + " is warned about.")
  Double delta;

  @Option(
      names = "--holdout",
      defaultValue = "0.2",
      converter = NumberOptions.Fraction.class,
      description =
          "Fraction of rows held out for the accuracy report, and the AUC of class 1 for two"
              + " classes (not trained on; both are released without DP). 0 for none. Default:"
              + " ${DEFAULT-VALUE}.")
  double holdout;

  @Option(
      names = "--split-seed",
      defaultValue = "0",
      converter = NumberOptions.AnyLong.class,
      description = "Seed of the (data-independent) hold-out split. Default: ${DEFAULT-VALUE}.")
  long splitSeed;

  @Option(
      names = "--seed",
      converter = NumberOptions.AnyLong.class,
      description = "Weight initialization seed (default: random).")
  Long seed;

  @Mixin LedgerOptions ledgerOptions;

  @Option(
      names = "--predict-out",
      paramLabel = "FILE",
      description =
          "Write the hold-out rows (all rows with --holdout 0) with predicted label and class"
              + " probabilities to this CSV.")
  Path predictOut;

  @Option(names = "--dry-run", description = "Print the privacy budget and stop.")
  boolean dryRun;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    TableSchema features;
    ColumnSpec labelSpec;
    Table table = Csv.read(csv);
    if (schema != null) {
      TableSchemaFile file = TableSchemaFile.read(schema);
      features = file.features();
      labelSpec = labelSpec(file.label());
    } else {
      labelSpec = labelSpec(null);
      features = TableSchema.numericColumnsOf(table, labelSpec.name());
    }
    int classes = labelSpec.categories().size();
    if (!(holdout >= 0 && holdout < 1)) {
      throw new IllegalArgumentException("--holdout must be in [0, 1), got " + holdout);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < table.rowCount(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(splitSeed));
    int testRows = (int) Math.round(holdout * table.rowCount());
    // Tablesaw's rows() refuses an empty selection (a message-less exception): --holdout 0
    Table test =
        testRows == 0
            ? table.emptyCopy()
            : table.rows(order.subList(0, testRows).stream().mapToInt(i -> i).toArray());
    Table train =
        table.rows(order.subList(testRows, order.size()).stream().mapToInt(i -> i).toArray());
    TableSchema labels = TableSchema.of(labelSpec);
    PrivateDataLoader loader = new PrivateDataLoader(train, features, labels, batchSize);
    if (delta == null) {
      delta =
          ledgerOptions.ledger != null ? ledgerDelta() : DeltaDefault.forExamples(loader.size());
    }
    DeltaDefault.warning(delta, loader.size())
        .ifPresent(w -> spec.commandLine().getErr().println("dp4j: warning: " + w));
    DpSgdBudget budget =
        PrivateKerasModel.getPrivacyBudget(
            loader.size(), batchSize, epochs, noiseMultiplier, delta);

    ObjectNode report = Json.object();
    report.put("csv", csv.toString());
    report.put("rows", table.rowCount());
    report.put("train_rows", train.rowCount());
    report.put("test_rows", test.rowCount());
    report.put("features", features.width());
    report.put("classes", classes);
    report.put("batch_size", batchSize);
    report.put("sampling_rate", budget.samplingRate());
    report.put("noise_multiplier", noiseMultiplier);
    report.put("l2_norm_clip", l2NormClip);
    report.put("epochs", epochs);
    report.put("steps", budget.steps());
    report.put("delta", delta);
    Json.putNumber(report, "planned_epsilon_rdp", budget.epsilonRdp());
    Json.putNumber(report, "planned_epsilon_pld", budget.epsilonPld());
    if (!json) {
      out.printf(
          Locale.ROOT,
          "data: %s, %d rows: %d for training, %d held out; %d inputs, %d classes %s%n",
          csv,
          table.rowCount(),
          train.rowCount(),
          test.rowCount(),
          features.width(),
          classes,
          labelSpec.categories());
      out.printf(
          Locale.ROOT,
          "privacy before training: q=%.4g sigma=%s C=%s, %d epochs = %d steps, delta=%s:"
              + " epsilon %.4f (RDP), %.4f (PLD)%n",
          budget.samplingRate(),
          noiseMultiplier,
          l2NormClip,
          epochs,
          budget.steps(),
          delta,
          budget.epsilonRdp(),
          budget.epsilonPld());
      out.flush();
    }
    if (dryRun) {
      if (json) {
        out.println(Json.write(report));
      }
      out.flush();
      return 0;
    }

    Sequential model = new Sequential();
    long[] inputShape = {features.width()};
    List<Integer> units = hidden == null || hidden.isEmpty() ? List.of(16) : hidden;
    for (int u : units) {
      // u >= 1: NumberOptions refuses --hidden 0 when parsing, before --dry-run
      model.add(Dense.builder().setUnits(u).optActivation(ActivationFunction.RELU).build());
    }
    model.add(Dense.builder().setUnits(classes).optActivation(ActivationFunction.SOFTMAX).build());
    model.setInputShape(inputShape);
    if (seed != null) {
      model.setSeed(seed);
    }
    try (model) {
      PrivateKerasModel privateModel = new PrivateKerasModel(model, l2NormClip, noiseMultiplier);
      boolean binary = classes == 2;
      if (binary) {
        privateModel.compile(
            optimizer(), new SparseCategoricalCrossentropy(), Metric.ACCURACY, Metric.AUC);
      } else {
        privateModel.compile(optimizer(), new SparseCategoricalCrossentropy(), Metric.ACCURACY);
      }
      if (!json) {
        model.addTrainingListener(
            new TrainingListener() {
              @Override
              public void onEpoch(EpochEvent e) {
                if (e.epoch() == 0) {
                  out.println(EpochLines.NOT_DP_NOTE);
                }
                out.printf(
                    Locale.ROOT,
                    "epoch %3d/%d  loss %.4f  accuracy %.4f%s %s  epsilon %.4f%n",
                    e.epoch() + 1,
                    epochs,
                    e.metrics().get("loss"),
                    e.metrics().get("accuracy"),
                    binary ? String.format(Locale.ROOT, "  auc %.4f", e.metrics().get("auc")) : "",
                    EpochLines.NOT_DP,
                    e.epsilon().orElse(Double.NaN));
                out.flush();
              }
            });
      }
      History history;
      if (ledgerOptions.ledger != null) {
        try (PrivacyLedger l = PrivacyLedger.open(ledgerOptions.location())) {
          String runner = ledgerOptions.runner();
          String what = "private-train " + csv.getFileName() + " " + units + " " + optimizer;
          try {
            history =
                privateModel.fit(
                    loader, epochs, delta, new LedgerCharge(l, ledgerOptions.ledger, runner, what));
          } catch (BudgetExceededException e) {
            spec.commandLine().getErr().println("dp4j: refused by the ledger: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return REFUSED;
          }
          DatasetStatus status = l.dataset(ledgerOptions.ledger);
          long runId = privateModel.lastLedgerRun().orElseThrow();
          RunRecord run =
              status.runs().stream().filter(x -> x.id() == runId).findFirst().orElseThrow();
          ObjectNode node = report.putObject("ledger");
          node.put("dataset", ledgerOptions.ledger);
          node.put("run", run.id());
          node.put("steps_charged", run.steps());
          node.put("epsilon_budget", status.epsilonBudget());
          node.put("delta", status.delta());
          node.put("epsilon_spent", status.epsilonSpent());
          node.put("epsilon_remaining", status.epsilonRemaining());
          if (!json) {
            out.printf(
                Locale.ROOT,
                "ledger: run %d charged %d steps to '%s': epsilon spent %.4f of %.4g (delta %s),"
                    + " %.4f remaining%n",
                run.id(),
                run.steps(),
                ledgerOptions.ledger,
                status.epsilonSpent(),
                status.epsilonBudget(),
                status.delta(),
                status.epsilonRemaining());
          }
        }
      } else {
        history = privateModel.fit(loader, epochs, delta);
      }
      double epsilon = history.get("epsilon").get(history.epochs() - 1);
      report.put("epsilon", epsilon);
      ObjectNode h = report.putObject("history");
      for (Map.Entry<String, List<Double>> e : history.asMap().entrySet()) {
        ArrayNode values = h.putArray(e.getKey());
        e.getValue().forEach(values::add);
      }
      if (test.rowCount() > 0) {
        Map<String, Double> metrics =
            privateModel.evaluate(new PrivateDataLoader(test, features, labels, 1));
        report.put("test_accuracy", metrics.get("accuracy"));
        if (binary) {
          Json.putNumber(report, "test_auc", metrics.get("auc"));
        }
        report.put("test_loss", metrics.get("loss"));
        if (!json) {
          out.printf(
              Locale.ROOT,
              "held-out accuracy %.4f%s, loss %.4f on %d rows of the private file [not covered by"
                  + " DP]%n",
              metrics.get("accuracy"),
              binary ? String.format(Locale.ROOT, ", auc %.4f", metrics.get("auc")) : "",
              metrics.get("loss"),
              test.rowCount());
        }
      }
      if (predictOut != null) {
        Table rows = test.rowCount() > 0 ? test : table;
        Table predicted = privateModel.predict(rows, "predicted_" + labelSpec.name());
        Csv.write(predicted, predictOut);
        report.put("predictions", predictOut.toString());
        if (!json) {
          out.printf(
              Locale.ROOT,
              "predictions of %d rows written to %s (columns %s)%n",
              rows.rowCount(),
              predictOut,
              predicted.columnNames().subList(rows.columnCount(), predicted.columnCount()));
        }
      }
      DpCoverage.put(
          report,
          List.of(
              "history.loss",
              "history.accuracy",
              "history.auc",
              "test_accuracy",
              "test_auc",
              "test_loss"),
          List.of());
      if (json) {
        out.println(Json.write(report));
      } else {
        out.printf(Locale.ROOT, "trained with epsilon %.4f at delta %s (RDP)%n", epsilon, delta);
      }
      out.flush();
      return 0;
    }
  }

  /** The δ of the ledger dataset the run is charged to: its ε is reported at that δ. */
  private double ledgerDelta() {
    try (PrivacyLedger l = PrivacyLedger.open(ledgerOptions.location())) {
      return l.dataset(ledgerOptions.ledger).delta();
    }
  }

  private ColumnSpec labelSpec(ColumnSpec fromSchema) {
    if (labelCategories != null) {
      String name = label != null ? label : fromSchema != null ? fromSchema.name() : null;
      if (name == null) {
        throw new IllegalArgumentException("name the label column with --label");
      }
      return ColumnSpec.index(name, labelCategories);
    }
    if (fromSchema != null && (label == null || label.equals(fromSchema.name()))) {
      if (!fromSchema.isCategorical()) {
        throw new IllegalArgumentException(
            "the label \"" + fromSchema.name() + "\" must be declared with categories (index)");
      }
      return ColumnSpec.index(fromSchema.name(), fromSchema.categories());
    }
    throw new IllegalArgumentException(
        "declare the label's classes: --label COL --label-categories A,B,... (or a \"label\" in"
            + " --schema); they are not read from the private data");
  }

  private Optimizer optimizer() {
    return switch (optimizer.toLowerCase(Locale.ROOT)) {
      case "adam" -> new Adam(learningRate);
      case "sgd" -> new SGD(learningRate);
      default ->
          throw new IllegalArgumentException(
              "--optimizer must be adam or sgd, got \"" + optimizer + "\"");
    };
  }
}
