package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DeltaDefault;
import io.dp4j.audit.CanaryAudit;
import io.dp4j.audit.CanaryAuditResult;
import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.tutorial.MnistTutorial;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j audit canaries}: the one-run canary audit ({@link CanaryAudit}) of a DP-SGD run with
 * the user's model, data and settings, read as {@code train} reads them.
 */
@Command(
    name = "canaries",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "A one-run privacy audit (Steinke, Nasr and Jagielski 2023): m canaries, each included with"
          + " probability 1/2, one DP-SGD run with your model and settings, a membership guess for"
          + " the k highest and the k lowest canary scores, and the epsilon lower bound the right"
          + " guesses prove at the given confidence, printed next to the accountant's epsilon.",
      "white-box: gradient canaries (each +-C on one Dense kernel entry), seen in every step's"
          + " weights: the strongest check of the engine. input-space: examples of the data with"
          + " a wrong label, scored by how much training lowered their loss: what an attacker"
          + " learns from the model as you train it.",
      "A lower bound above the claimed epsilon means the run leaked more than the accountant"
          + " says (an engine bug), wrong with probability at most 1 - confidence."
    })
final class CanaryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE|tutorial-cnn",
      description = "A Keras model file (.json, .h5, .keras), or tutorial-cnn, as for train.")
  String model;

  @Mixin DataOptions dataOptions;

  @Option(
      names = "--from-logits",
      description = "The model outputs logits (no softmax); implied by tutorial-cnn.")
  boolean fromLogits;

  @Option(
      names = "--learning-rate",
      paramLabel = "LR",
      description = "SGD's learning rate. Default: 0.25 for tutorial-cnn, else 0.1.")
  Float learningRate;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      description =
          "Expected (Poisson) batch size: q = B / n. Default: 250 for tutorial-cnn, else 256.")
  Integer batchSize;

  @Option(
      names = "--l2-norm-clip",
      paramLabel = "C",
      description = "Clipping norm. Default: 1.5 for tutorial-cnn, else 1.0.")
  Double l2NormClip;

  @Option(
      names = "--noise-multiplier",
      paramLabel = "SIGMA",
      description = "Noise multiplier. Default: 1.3 for tutorial-cnn, else 1.1.")
  Double noiseMultiplier;

  @ArgGroup(multiplicity = "1")
  StepsOption length;

  @Option(
      names = "--mode",
      defaultValue = "white-box",
      paramLabel = "white-box|input-space",
      description = "The canaries. Default: ${DEFAULT-VALUE}.")
  String mode;

  @Option(
      names = "--canaries",
      defaultValue = "1000",
      paramLabel = "M",
      description =
          "m, the canaries: at most the Dense kernel entries (white-box), fewer than the examples"
              + " (input-space). Default: ${DEFAULT-VALUE}.")
  int canaries;

  @Option(
      names = "--guesses",
      paramLabel = "K",
      description =
          "k: guess \"in\" for the k highest scores and \"out\" for the k lowest (2k guesses), in"
              + " [1, m/2]. Default: m/20.")
  Integer guesses;

  @Option(
      names = "--score",
      defaultValue = "residual",
      paramLabel = "residual|sum|variation",
      description =
          "The white-box score of a canary from its coordinate's update per step: their sum with"
              + " the data's expected part of each update taken out (residual), their sum (the"
              + " paper's), or their variation about the mean. Default: ${DEFAULT-VALUE}.")
  String score;

  @Option(
      names = "--confidence",
      defaultValue = "0.95",
      description = "The confidence of the lower bound, in (0, 1). Default: ${DEFAULT-VALUE}.")
  double confidence;

  @Option(
      names = "--delta",
      description =
          "The delta of both epsilons; default as train's, 1/(10 N) rounded down to a power of"
              + " ten.")
  Double delta;

  @Option(
      names = "--seed",
      converter = NumberOptions.AnyLong.class,
      description =
          "FOR TESTS ONLY: draw the canaries, the sampling and the noise from this seed. The run"
              + " is then predictable (no privacy), which the output says.")
  Long seed;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    boolean whiteBox = whiteBox();
    CanaryAudit.Score scoreChoice = scoreChoice();
    validate();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter log = json ? spec.commandLine().getErr() : out;
    boolean builtinModel = TrainModelCommand.TUTORIAL_CNN.equals(model);
    KerasModel keras = null;
    Sequential s = null;
    try {
      long[] inputShape;
      if (builtinModel) {
        s = new Sequential(MnistTutorial.cnn()).setSeed(seed != null ? seed : 1);
        inputShape = new long[] {28, 28, 1};
      } else {
        keras = ModelIO.load(Path.of(model));
        s = keras.sequential();
        inputShape = keras.inputShape();
      }
      // the canaries take part in this run only: a trained model's earlier steps do not see them
      ModelPrivacy.of(s).privacyLog().continueOnDisjointData();
      Dataset train = dataOptions.read(inputShape, new long[0], log).train();
      int n = train.size();
      int b = batchSize != null ? batchSize : builtinModel ? MnistTutorial.BATCH_SIZE : 256;
      if (b > n) {
        throw new IllegalArgumentException(
            "--batch-size must be in [1, " + n + "] (the examples), got " + b);
      }
      if (!whiteBox && canaries >= n) {
        throw new IllegalArgumentException(
            "--canaries "
                + canaries
                + ": input-space canaries are examples of the data and must be fewer than its "
                + n);
      }
      long steps = length.steps(n, b);
      if (steps < 1 || steps > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "--steps/--epochs must give 1 to " + Integer.MAX_VALUE + " steps, got " + steps);
      }
      double q = (double) b / n;
      double c = l2NormClip != null ? l2NormClip : builtinModel ? MnistTutorial.L2_NORM_CLIP : 1.0;
      double sigma =
          noiseMultiplier != null
              ? noiseMultiplier
              : builtinModel ? MnistTutorial.NOISE_MULTIPLIER : 1.1;
      float lr =
          learningRate != null ? learningRate : builtinModel ? MnistTutorial.LEARNING_RATE : 0.1f;
      double d = delta != null ? delta : DeltaDefault.forExamples(n);
      boolean logits = fromLogits || builtinModel;
      // SGD only: a white-box canary's score reads its gradient off the plain SGD update
      DPKerasSGDOptimizer optimizer = new DPKerasSGDOptimizer(c, sigma, 0, lr);
      SparseCategoricalCrossentropy loss =
          new SparseCategoricalCrossentropy(logits, Reduction.NONE);
      // a label the model cannot take is bad input, named by file and line before the run
      s.compile(optimizer, loss);
      DataLines.checkLabels(s, train, dataOptions.labelFile(), dataOptions.isCsv());
      CanaryAudit.Builder builder =
          CanaryAudit.builder()
              .setCanaries(canaries)
              .optConfidence(confidence)
              .optDelta(d)
              .optScore(scoreChoice);
      if (guesses != null) {
        builder.optGuessesPerSide(guesses);
      }
      if (seed != null) {
        builder.optSeed(seed);
      }
      CanaryAudit audit = builder.build();
      if (!json) {
        log.printf(
            Locale.ROOT,
            "Training %s on %d examples with %d %s canaries: DP-SGD C=%s sigma=%s lr=%s q=%.5f"
                + " (batch %d), %d steps%n",
            model,
            n,
            canaries,
            mode,
            c,
            sigma,
            lr,
            q,
            b,
            steps);
        log.flush();
      }
      CanaryAuditResult r =
          whiteBox
              ? audit.whiteBox(s, optimizer, loss, train, q, (int) steps)
              : audit.inputSpace(s, optimizer, loss, logits, train, q, (int) steps);
      if (json) {
        out.println(Json.write(toJson(r, steps, q, sigma, c)));
      } else {
        out.print(table(r, steps, q, sigma, c));
      }
      out.flush();
      return 0;
    } finally {
      if (keras != null) {
        keras.close();
      } else if (s != null) {
        s.close();
      }
    }
  }

  private boolean whiteBox() {
    return switch (mode) {
      case "white-box" -> true;
      case "input-space" -> false;
      default ->
          throw new IllegalArgumentException(
              "--mode must be white-box or input-space, got \"" + mode + "\"");
    };
  }

  private CanaryAudit.Score scoreChoice() {
    return switch (score) {
      case "residual" -> CanaryAudit.Score.RESIDUAL;
      case "sum" -> CanaryAudit.Score.SUM;
      case "variation" -> CanaryAudit.Score.VARIATION;
      default ->
          throw new IllegalArgumentException(
              "--score must be residual, sum or variation, got \"" + score + "\"");
    };
  }

  private void validate() {
    if (canaries < 2) {
      throw new IllegalArgumentException("--canaries must be >= 2, got " + canaries);
    }
    if (guesses != null && 2L * guesses > canaries) {
      throw new IllegalArgumentException(
          "--guesses must be in [1, " + canaries / 2 + "] (half the canaries), got " + guesses);
    }
    if (!(confidence < 1)) {
      throw new IllegalArgumentException("--confidence must be in (0, 1), got " + confidence);
    }
    if (delta != null && !(delta < 1)) {
      throw new IllegalArgumentException("--delta must be in (0, 1), got " + delta);
    }
    dataOptions.validate();
  }

  private ObjectNode toJson(CanaryAuditResult r, long steps, double q, double sigma, double c) {
    ObjectNode node = Json.object();
    node.put("epsilon_lower_bound", r.epsilonLowerBound());
    EpsilonFormat.putJson(node, "epsilon_claimed", r.epsilonClaimed());
    node.put("confidence", r.confidence());
    node.put("canaries", r.canaries());
    node.put("guesses", r.guesses());
    node.put("correct", r.correct());
    node.put("mode", r.mode());
    node.put("score", r.score());
    node.put("delta", r.delta());
    node.put("steps", steps);
    node.put("q", q);
    node.put("sigma", sigma);
    node.put("l2_norm_clip", c);
    node.put("refutes_claim", r.refutesClaim());
    node.put("predictable", seed != null);
    return node;
  }

  private String table(CanaryAuditResult r, long steps, double q, double sigma, double c) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%n%-12s %8s %7s %7s %10s %15s %12s %9s%n",
            "mode",
            "canaries",
            "guesses",
            "correct",
            "confidence",
            "eps lower bound",
            "eps claimed",
            "delta"));
    b.append(
        String.format(
            Locale.ROOT,
            "%-12s %8d %7d %7d %10s %15.3f %12s %9s%n%n",
            r.mode(),
            r.canaries(),
            r.guesses(),
            r.correct(),
            r.confidence(),
            r.epsilonLowerBound(),
            EpsilonFormat.text(r.epsilonClaimed(), 3),
            r.delta()));
    if (r.refutesClaim()) {
      b.append(
          String.format(
              Locale.ROOT,
              "REFUTED: the lower bound %.3f exceeds the claimed epsilon %s: this run (C=%s,"
                  + " sigma=%s, q=%.5f, %d steps) leaked more than the accountant says, so the"
                  + " engine or its settings do not keep their promise (a false alarm has"
                  + " probability at most %s).%n",
              r.epsilonLowerBound(),
              EpsilonFormat.text(r.epsilonClaimed(), 3),
              c,
              sigma,
              q,
              steps,
              1 - r.confidence()));
    } else {
      b.append(
          String.format(
              Locale.ROOT,
              "Consistent: the lower bound %.3f is at most the claimed epsilon %s. The audit found"
                  + " no leak beyond the claim; it proves only that epsilon is at least %.3f, not"
                  + " that the claim is tight.%n",
              r.epsilonLowerBound(),
              EpsilonFormat.text(r.epsilonClaimed(), 3),
              r.epsilonLowerBound()));
    }
    if (seed != null) {
      b.append(
          "Warning: --seed made the canaries, the sampling and the noise predictable: for tests"
              + " only, this run had no privacy.\n");
    }
    return b.toString();
  }
}
