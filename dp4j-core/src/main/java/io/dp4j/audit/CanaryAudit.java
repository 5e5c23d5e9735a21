package io.dp4j.audit;

import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.Trainer;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.GradientCanaries;
import io.dp4j.privacy.ModelPrivacy;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A one-run privacy audit (Steinke, Nasr and Jagielski 2023): m canaries, each included in the
 * training run independently with probability 1/2, one run of the real DP-SGD engine with the
 * user's model and settings, a score per canary, a membership guess for the k highest ("in") and
 * the k lowest ("out") scores, and the ε lower bound the number of right guesses proves ({@link
 * OneRunBound}). A lower bound above the accountant's ε shows the run was not as private as claimed
 * (wrong with probability at most 1 - confidence).
 *
 * <ul>
 *   <li>{@link #whiteBox}: gradient canaries ({@link GradientCanaries}: each ±C on one kernel
 *       entry, Dirac canaries after Nasr et al. 2023), observed in every step's weights: the
 *       strongest check of the engine.
 *   <li>{@link #inputSpace}: mislabeled examples, scored by how much their loss fell during
 *       training: what an attacker learns from a model as users train it.
 * </ul>
 */
public final class CanaryAudit {
  private static final Logger LOG = LoggerFactory.getLogger(CanaryAudit.class);

  /** How white-box canaries are scored from the per-step updates u_t of their coordinate. */
  public enum Score {
    /**
     * Σ_t u_t, the canary's coordinate moved along its gradient over the run (the paper's score;
     * with SGD, the sum of the noisy updates' inner products with the canary's direction).
     */
    SUM,
    /**
     * Σ_t (u_t - mean u)², how much the coordinate's update varies from step to step: noise that
     * repeats across steps cancels out of it, the canary's sampling does not.
     */
    VARIATION,
    /**
     * Σ_t (u_t - d_t), the {@link #SUM} with the real data's expected part of each update taken
     * out: d_t is the update that q times the clipped gradient sum of the data, at the weights the
     * step started from, would make along the canary (estimated each step from a Poisson sample of
     * the data at rate min(1, 4q), scaled by q over that rate). On data a model learns, the
     * examples' gradients on a coordinate keep one sign for many steps and add a drift of random
     * sign to every canary's sum that swamps its ±C; what is left after taking the drift out is the
     * noise and the batch's sampling spread. The auditor may use it: the data is not randomized
     * (only the canaries are) and the weights are the run's output. Needs plain SGD (no momentum,
     * no schedule), whose update is -lr·(noisy sum)/(q·n).
     */
    RESIDUAL
  }

  /** The reference sample of {@link Score#RESIDUAL} is drawn at this many times the step's rate. */
  private static final double REFERENCE_RATE_FACTOR = 4;

  private final int canaries;
  private final int guessesPerSide;
  private final double confidence;
  private final double delta;
  private final Long seed;
  private final Score score;

  private CanaryAudit(Builder b) {
    this.canaries = b.canaries;
    this.guessesPerSide = b.guessesPerSide;
    this.confidence = b.confidence;
    this.delta = b.delta;
    this.seed = b.seed;
    this.score = b.score;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * White-box audit: trains {@code model} (not compiled yet) for {@code steps} Poisson-sampled
   * steps of rate {@code samplingRate} on {@code data} with {@code dpOptimizer} (a DP optimizer
   * clipping per example) and {@code loss}, with the gradient canaries in every step, and scores
   * each canary from the weights after every step.
   */
  public CanaryAuditResult whiteBox(
      Sequential model,
      Optimizer dpOptimizer,
      Loss loss,
      Dataset data,
      double samplingRate,
      int steps) {
    checkRun(model, data, samplingRate, steps);
    float learningRate = score == Score.RESIDUAL ? plainSgdLearningRate(dpOptimizer) : 0;
    RandomGenerator random = random();
    // compiled once to learn the kernels' shapes, again (weights kept) with the canaries in
    ModelPrivacy.of(model).insertGradientCanariesForAudit(null);
    model.compile(dpOptimizer, loss);
    List<int[]> kernelEntries = kernelEntries(model);
    int total = kernelEntries.stream().mapToInt(e -> e[1]).sum();
    if (canaries > total) {
      throw new IllegalArgumentException(
          "canaries "
              + canaries
              + " exceeds the "
              + total
              + " kernel entries of the model's Dense layers (one entry per white-box canary)");
    }
    int[] weight = new int[canaries];
    int[] coordinate = new int[canaries];
    boolean[] positive = new boolean[canaries];
    boolean[] included = new boolean[canaries];
    int[] chosen = distinct(total, canaries, random);
    for (int i = 0; i < canaries; i++) {
      int flat = chosen[i];
      for (int[] e : kernelEntries) {
        if (flat < e[1]) {
          weight[i] = e[0];
          coordinate[i] = flat;
          break;
        }
        flat -= e[1];
      }
      positive[i] = random.nextBoolean();
      included[i] = random.nextBoolean();
    }
    ModelPrivacy.of(model)
        .insertGradientCanariesForAudit(
            GradientCanaries.dirac(weight, coordinate, positive, included, random.nextLong()));
    model.compile(dpOptimizer, loss);
    float[][] trace = new float[steps + 1][];
    // RESIDUAL: the data's expected update along each canary, from the weights of each step's start
    double[][] expected = new double[steps][];
    ReferenceSums reference =
        score == Score.RESIDUAL
            ? new ReferenceSums(model, data, samplingRate, learningRate, referenceRandom())
            : null;
    trace[0] = canaryWeights(model, weight, coordinate);
    if (reference != null) {
      expected[0] = reference.expectedUpdate(weight, coordinate);
    }
    train(
        model,
        data,
        samplingRate,
        steps,
        random,
        s -> {
          trace[s] = canaryWeights(model, weight, coordinate);
          if (reference != null && s < steps) {
            expected[s] = reference.expectedUpdate(weight, coordinate);
          }
        });
    ModelPrivacy.of(model).insertGradientCanariesForAudit(null);
    double[] scores = new double[canaries];
    for (int i = 0; i < canaries; i++) {
      double[] u = new double[steps];
      for (int t = 0; t < steps; t++) {
        // a gradient +C lowers the weight under SGD: the update along the canary is -Δw·sign
        double update = trace[t][i] - (double) trace[t + 1][i];
        if (reference != null) {
          update -= expected[t][i];
        }
        u[t] = update * (positive[i] ? 1 : -1);
      }
      scores[i] = score == Score.VARIATION ? variation(u) : Arrays.stream(u).sum();
    }
    return result(model, scores, included, "white-box", score.name().toLowerCase());
  }

  /**
   * Input-space audit: m examples of {@code data} (class labels) become canaries with a wrong label
   * drawn at random; the included ones join the rest of the data, which {@code model} (not compiled
   * yet) trains on as a user would ({@code steps} Poisson steps of rate {@code samplingRate}); each
   * canary's score is its loss (on the wrong label) before training minus after.
   */
  public CanaryAuditResult inputSpace(
      Sequential model,
      Optimizer dpOptimizer,
      Loss loss,
      boolean fromLogits,
      Dataset data,
      double samplingRate,
      int steps) {
    checkRun(model, data, samplingRate, steps);
    if (canaries >= data.size()) {
      throw new IllegalArgumentException(
          "canaries " + canaries + " must be fewer than the " + data.size() + " examples");
    }
    RandomGenerator random = random();
    model.compile(dpOptimizer, loss);
    long[] out = model.outputShape();
    int classes = Math.toIntExact(out[out.length - 1]);
    if (classes < 2) {
      throw new IllegalArgumentException("input-space canaries need a classifier of 2+ classes");
    }
    int[] order = distinct(data.size(), data.size(), random);
    int[] canaryIndex = Arrays.copyOf(order, canaries);
    Dataset canarySet = relabel(data.gather(canaryIndex), classes, random);
    boolean[] included = new boolean[canaries];
    List<Integer> train = new ArrayList<>();
    for (int i = canaries; i < order.length; i++) {
      train.add(order[i]);
    }
    int[] rest = train.stream().mapToInt(Integer::intValue).toArray();
    List<Integer> in = new ArrayList<>();
    for (int i = 0; i < canaries; i++) {
      included[i] = random.nextBoolean();
      if (included[i]) {
        in.add(i);
      }
    }
    Dataset trainingSet =
        concat(
            data.gather(rest), canarySet.gather(in.stream().mapToInt(Integer::intValue).toArray()));
    double[] before = ModelOutputs.predict(model, canarySet, fromLogits).losses();
    train(model, trainingSet, samplingRate, steps, random, s -> {});
    double[] after = ModelOutputs.predict(model, canarySet, fromLogits).losses();
    double[] scores = new double[canaries];
    for (int i = 0; i < canaries; i++) {
      scores[i] = before[i] - after[i];
    }
    return result(model, scores, included, "input-space", "loss-difference");
  }

  private CanaryAuditResult result(
      Sequential model, double[] scores, boolean[] included, String mode, String scoreName) {
    Integer[] byScore = IntStream.range(0, canaries).boxed().toArray(Integer[]::new);
    Arrays.sort(
        byScore, Comparator.comparingDouble((Integer i) -> scores[i]).thenComparing(i -> i));
    int correct = 0;
    for (int g = 0; g < guessesPerSide; g++) {
      correct += included[byScore[canaries - 1 - g]] ? 1 : 0;
      correct += included[byScore[g]] ? 0 : 1;
    }
    int guesses = 2 * guessesPerSide;
    double lower = OneRunBound.epsilonLowerBound(canaries, guesses, correct, delta, confidence);
    ModelPrivacy privacy = ModelPrivacy.of(model);
    double rdp = privacy.setAccountant(RdpAccountant::new).privacySpent(delta).epsilon();
    double pld = privacy.setAccountant(PldAccountant::new).privacySpent(delta).epsilon();
    privacy.setAccountant(RdpAccountant::new);
    LOG.info(
        "{} canary audit ({} score): {} of {} guesses right on {} canaries, epsilon lower bound"
            + " {} at {} confidence; claimed {} (RDP {}, PLD {}) at delta {}",
        mode,
        scoreName,
        correct,
        guesses,
        canaries,
        lower,
        confidence,
        Math.min(rdp, pld),
        rdp,
        pld,
        delta);
    return new CanaryAuditResult(
        lower, Math.min(rdp, pld), delta, confidence, canaries, guesses, correct, mode, scoreName);
  }

  /** Trains {@code steps} steps, calling {@code afterStep} with 1, 2, ... after each. */
  private void train(
      Sequential model,
      Dataset data,
      double samplingRate,
      int steps,
      RandomGenerator random,
      java.util.function.IntConsumer afterStep) {
    PoissonSampler sampler;
    if (seed != null) {
      ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(random.nextLong());
      sampler = PoissonSampler.seeded(data.size(), samplingRate, random.nextLong());
    } else {
      sampler = new PoissonSampler(data.size(), samplingRate);
    }
    int[] done = {0};
    Trainer trainer =
        new Trainer(model)
            .afterEachStep(
                context -> {
                  afterStep.accept(++done[0]);
                  if (done[0] == steps) {
                    model.stopTraining();
                  }
                });
    int epochs = (steps + sampler.stepsPerEpoch() - 1) / sampler.stepsPerEpoch();
    trainer.fit(data, sampler, epochs, null);
  }

  /**
   * The learning rate of {@code dpOptimizer} if it is plain DP-SGD ({@link DPKerasSGDOptimizer} on
   * an SGD without momentum or schedule), whose update is the noisy sum times a constant.
   */
  private static float plainSgdLearningRate(Optimizer dpOptimizer) {
    if (dpOptimizer instanceof DPKerasSGDOptimizer dp
        && dp.delegate() instanceof SGD sgd
        && sgd.momentum() == 0
        && sgd.schedule().isEmpty()) {
      return sgd.learningRate();
    }
    throw new IllegalArgumentException(
        "the residual score needs plain DP-SGD (DPKerasSGDOptimizer on SGD without momentum or"
            + " learning-rate schedule), got "
            + dpOptimizer);
  }

  /**
   * The update the real data is expected to make on given coordinates at the model's current
   * weights: -lr·q·G/(q·n) with G the data's clipped gradient sum, estimated as (q/r)·(the clipped
   * sum of a fresh Poisson sample at rate r = min(1, 4q)), computed in chunks of the step's
   * expected batch size so that it needs no more memory than a step.
   */
  private static final class ReferenceSums {
    private final Sequential model;
    private final Dataset data;
    private final double q;
    private final double rate;
    private final double scale;
    private final int chunk;
    private final RandomGenerator random;

    ReferenceSums(
        Sequential model, Dataset data, double q, float learningRate, RandomGenerator random) {
      this.model = model;
      this.data = data;
      this.q = q;
      this.rate = Math.min(1, REFERENCE_RATE_FACTOR * q);
      double expectedBatch = q * data.size();
      // -lr·(q/r)·sum/(q·n): the estimate of the data's part of -lr·(noisy sum)/(q·n)
      this.scale = learningRate * (q / rate) / expectedBatch;
      this.chunk = Math.max(1, (int) Math.ceil(expectedBatch));
      this.random = random;
    }

    /** Per coordinate, the data's expected move of the weight (w_t - w_t+1), in weight units. */
    double[] expectedUpdate(int[] weight, int[] coordinate) {
      int[] sample =
          rate >= 1
              ? IntStream.range(0, data.size()).toArray()
              : IntStream.range(0, data.size()).filter(i -> random.nextDouble() < rate).toArray();
      double[] sums = new double[weight.length];
      ModelPrivacy privacy = ModelPrivacy.of(model);
      for (int from = 0; from < sample.length; from += chunk) {
        int[] part = Arrays.copyOfRange(sample, from, Math.min(sample.length, from + chunk));
        List<float[]> sum = privacy.clippedSum(data.gather(part), q * data.size());
        for (int i = 0; i < weight.length; i++) {
          sums[i] += sum.get(weight[i])[coordinate[i]];
        }
      }
      for (int i = 0; i < sums.length; i++) {
        sums[i] *= scale;
      }
      return sums;
    }
  }

  /** Weight index and size of every Dense-like kernel ([in, out]), in {@code getWeights} order. */
  private static List<int[]> kernelEntries(Sequential model) {
    List<int[]> entries = new ArrayList<>();
    int index = 0;
    for (Map.Entry<String, long[]> w : model.weightShapes().entrySet()) {
      long[] shape = w.getValue();
      if (w.getKey().endsWith("_kernel") && shape.length == 2) {
        entries.add(new int[] {index, Math.toIntExact(shape[0] * shape[1])});
      }
      index++;
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(
          "white-box canaries need a Dense layer (a kernel [in, out]); the model has none");
    }
    return entries;
  }

  private static float[] canaryWeights(Sequential model, int[] weight, int[] coordinate) {
    List<float[]> weights = model.getWeights();
    float[] values = new float[weight.length];
    for (int i = 0; i < weight.length; i++) {
      values[i] = weights.get(weight[i])[coordinate[i]];
    }
    return values;
  }

  private static double variation(double[] u) {
    double mean = Arrays.stream(u).average().orElse(0);
    double sum = 0;
    for (double x : u) {
      sum += (x - mean) * (x - mean);
    }
    return sum;
  }

  /** {@code k} distinct integers of [0, n), in random order (a partial Fisher-Yates shuffle). */
  private static int[] distinct(int n, int k, RandomGenerator random) {
    int[] all = IntStream.range(0, n).toArray();
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return Arrays.copyOf(all, k);
  }

  /** {@code data} with every label replaced by a different class drawn uniformly. */
  private static Dataset relabel(Dataset data, int classes, RandomGenerator random) {
    int[] y = ModelOutputs.classes(data);
    long per = 1;
    for (long d : data.labelShape()) {
      per *= d;
    }
    float[] labels = new float[data.labels().length];
    for (int i = 0; i < y.length; i++) {
      int wrong = (y[i] + 1 + random.nextInt(classes - 1)) % classes;
      if (per == 1) {
        labels[i] = wrong;
      } else {
        labels[(int) (i * per + wrong)] = 1;
      }
    }
    return new Dataset(data.features(), data.exampleShape(), labels, data.labelShape());
  }

  private static Dataset concat(Dataset a, Dataset b) {
    float[] x = Arrays.copyOf(a.features(), a.features().length + b.features().length);
    System.arraycopy(b.features(), 0, x, a.features().length, b.features().length);
    float[] y = Arrays.copyOf(a.labels(), a.labels().length + b.labels().length);
    System.arraycopy(b.labels(), 0, y, a.labels().length, b.labels().length);
    return new Dataset(x, a.exampleShape(), y, a.labelShape());
  }

  private RandomGenerator random() {
    return seed != null ? new SplittableRandom(seed) : new SecureRandom();
  }

  /**
   * The reference samples' randomness, apart from the run's so that a seeded run trains the same
   * with any score.
   */
  private RandomGenerator referenceRandom() {
    return seed != null ? new SplittableRandom(~seed) : new SecureRandom();
  }

  private static void checkRun(Sequential model, Dataset data, double samplingRate, int steps) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("samplingRate must be in (0, 1], got " + samplingRate);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
  }

  /** Builder: {@code setCanaries} is required; the rest is optional. */
  public static final class Builder {
    private int canaries;
    private int guessesPerSide = -1;
    private double confidence = 0.95;
    private double delta = 1e-5;
    private Long seed;
    private Score score = Score.RESIDUAL;

    /** m, the number of canaries (each included with probability 1/2). */
    public Builder setCanaries(int canaries) {
      this.canaries = canaries;
      return this;
    }

    /** k: guess "in" for the k highest scores and "out" for the k lowest; default m/20. */
    public Builder optGuessesPerSide(int k) {
      this.guessesPerSide = k;
      return this;
    }

    public Builder optConfidence(double confidence) {
      this.confidence = confidence;
      return this;
    }

    /** The δ of the claimed ε and of the lower bound; default 1e-5. */
    public Builder optDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /**
     * FOR TESTS: derive the canaries, their inclusion, the sampling and the DP noise from {@code
     * seed} (the run then has no privacy, which an audit of the engine does not need).
     */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The white-box score; default {@link Score#RESIDUAL}. */
    public Builder optScore(Score score) {
      this.score = Objects.requireNonNull(score, "score");
      return this;
    }

    public CanaryAudit build() {
      if (canaries < 2) {
        throw new IllegalArgumentException("canaries must be >= 2, got " + canaries);
      }
      if (guessesPerSide < 0) {
        guessesPerSide = Math.max(1, canaries / 20);
      }
      if (guessesPerSide < 1 || 2 * guessesPerSide > canaries) {
        throw new IllegalArgumentException(
            "guesses per side must be in [1, canaries / 2] = [1, "
                + canaries / 2
                + "], got "
                + guessesPerSide);
      }
      if (!(confidence > 0 && confidence < 1)) {
        throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
      }
      if (!(delta > 0 && delta < 1)) {
        throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
      }
      return new CanaryAudit(this);
    }
  }
}
