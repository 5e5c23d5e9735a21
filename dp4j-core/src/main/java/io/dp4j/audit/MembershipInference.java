package io.dp4j.audit;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership-inference attacks on a trained classifier, the black-box attacks of TensorFlow
 * Privacy's {@code privacy_tests.membership_inference_attack}: given the model's outputs on
 * examples it was trained on (members) and on examples it never saw (non-members), how well can an
 * attacker tell them apart?
 *
 * <ul>
 *   <li>{@link Attack#LOSS_THRESHOLD}: guess "member" when the example's loss is below a threshold
 *       (Yeom et al. 2018, "Privacy Risk in Machine Learning: Analyzing the Connection to
 *       Overfitting"); the ROC curve sweeps every threshold.
 *   <li>{@link Attack#LOGISTIC_REGRESSION_ON_LOSS} and {@link
 *       Attack#LOGISTIC_REGRESSION_ON_OUTPUTS}: a logistic regression trained to predict membership
 *       from the loss, or from the model's output vector (logits or probabilities). As in TF
 *       Privacy, members and non-members are split into two stratified folds; each fold is scored
 *       by the attacker fitted on the other, with classes weighted to balance, so every score is
 *       out of sample.
 * </ul>
 *
 * <p>Each attack runs on slices of the data: all examples, each true class, and the correctly and
 * the incorrectly classified examples. A slice runs when it holds at least {@value #MIN_PER_SIDE}
 * members and {@value #MIN_PER_SIDE} non-members. Per slice and attack the result gives the ROC
 * curve, its AUC, the attacker advantage max(TPR − FPR) and the TPR at FPR 1% and 0.1% (Carlini et
 * al. 2022, "Membership Inference Attacks From First Principles", argue for the low-FPR figures).
 *
 * <p>An attack's success shows that the model leaks membership; its failure shows only that these
 * attacks do not find it. Under (ε, δ)-DP any attack has TPR ≤ e^ε·FPR + δ.
 */
public final class MembershipInference {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipInference.class);

  /** The fewest members and non-members a slice needs (two folds with one of each). */
  public static final int MIN_PER_SIDE = 2;

  /** The attacks. */
  public enum Attack {
    LOSS_THRESHOLD("loss threshold"),
    LOGISTIC_REGRESSION_ON_LOSS("logistic regression on loss"),
    LOGISTIC_REGRESSION_ON_OUTPUTS("logistic regression on outputs");

    private final String description;

    Attack(String description) {
      this.description = description;
    }

    /** A short human-readable name. */
    public String description() {
      return description;
    }
  }

  /**
   * One attack on one slice.
   *
   * @param slice "all", "class 3", "correctly classified" or "misclassified"
   * @param attack the attack
   * @param members members in the slice
   * @param nonMembers non-members in the slice
   * @param roc the attack's ROC curve (members positive)
   */
  public record Result(String slice, Attack attack, int members, int nonMembers, RocCurve roc) {
    public double auc() {
      return roc.auc();
    }

    public double advantage() {
      return roc.advantage();
    }

    /** TPR at FPR at most 1%. */
    public double tprAtFpr1Percent() {
      return roc.tprAtFpr(0.01);
    }

    /** TPR at FPR at most 0.1%. */
    public double tprAtFpr01Percent() {
      return roc.tprAtFpr(0.001);
    }
  }

  /**
   * All results, slices in the order all, classes ascending, correctly classified, misclassified,
   * and within a slice the attacks in their declared order.
   */
  public record Report(List<Result> results) {
    public Report {
      results = List.copyOf(results);
    }

    /** The results on all examples, one per attack. */
    public List<Result> entireData() {
      return results.stream().filter(r -> r.slice().equals(ALL)).toList();
    }

    /** The result with the largest AUC over every slice and attack. */
    public Result highestAuc() {
      return results.stream().max(Comparator.comparingDouble(Result::auc)).orElseThrow();
    }

    /** The result with the largest advantage over every slice and attack. */
    public Result highestAdvantage() {
      return results.stream().max(Comparator.comparingDouble(Result::advantage)).orElseThrow();
    }
  }

  static final String ALL = "all";

  private final long seed;

  /**
   * Attacks whose fold assignment comes from this seed (the loss-threshold attack uses none), so a
   * report can be reproduced.
   */
  public MembershipInference(long seed) {
    this.seed = seed;
  }

  /**
   * Runs every attack on every slice of a model's members and non-members.
   *
   * @param model a trained classifier
   * @param members examples it was trained on, with their labels
   * @param nonMembers examples from the same distribution it never saw
   * @param fromLogits whether the model outputs logits (else probabilities)
   */
  public Report attack(Sequential model, Dataset members, Dataset nonMembers, boolean fromLogits) {
    return attack(
        ModelOutputs.predict(model, members, fromLogits),
        ModelOutputs.predict(model, nonMembers, fromLogits));
  }

  /**
   * Runs every attack on every slice.
   *
   * @throws IllegalArgumentException if either side has fewer than {@value #MIN_PER_SIDE} examples,
   *     or the two disagree on the number of outputs or on logits
   */
  public Report attack(ModelOutputs members, ModelOutputs nonMembers) {
    if (members.size() < MIN_PER_SIDE || nonMembers.size() < MIN_PER_SIDE) {
      throw new IllegalArgumentException(
          "membership inference needs at least "
              + MIN_PER_SIDE
              + " members and "
              + MIN_PER_SIDE
              + " non-members, got "
              + members.size()
              + " and "
              + nonMembers.size());
    }
    if (members.outputs()[0].length != nonMembers.outputs()[0].length
        || members.fromLogits() != nonMembers.fromLogits()) {
      throw new IllegalArgumentException(
          "members and non-members must be outputs of the same model, got "
              + members.outputs()[0].length
              + " and "
              + nonMembers.outputs()[0].length
              + " outputs");
    }
    Side m = new Side(members);
    Side n = new Side(nonMembers);
    List<Result> results = new ArrayList<>();
    addSlice(results, ALL, m, n, i -> true, i -> true);
    TreeSet<Integer> classes = new TreeSet<>();
    for (int c : members.labels()) {
      classes.add(c);
    }
    for (int c : nonMembers.labels()) {
      classes.add(c);
    }
    for (int c : classes) {
      addSlice(results, "class " + c, m, n, i -> m.labels[i] == c, i -> n.labels[i] == c);
    }
    addSlice(results, "correctly classified", m, n, m::correct, n::correct);
    addSlice(results, "misclassified", m, n, i -> !m.correct(i), i -> !n.correct(i));
    return new Report(results);
  }

  /** One side's outputs and what the attacks derive from them. */
  private static final class Side {
    final ModelOutputs outputs;
    final int[] labels;
    final int[] predicted;
    final double[] losses;

    Side(ModelOutputs outputs) {
      this.outputs = outputs;
      this.labels = outputs.labels();
      this.predicted = outputs.predictedClasses();
      this.losses = outputs.losses();
    }

    boolean correct(int i) {
      return predicted[i] == labels[i];
    }

    int[] where(IntPredicate p) {
      return java.util.stream.IntStream.range(0, labels.length).filter(p).toArray();
    }
  }

  private void addSlice(
      List<Result> results,
      String name,
      Side m,
      Side n,
      IntPredicate inMembers,
      IntPredicate inNonMembers) {
    int[] mi = m.where(inMembers);
    int[] ni = n.where(inNonMembers);
    if (mi.length < MIN_PER_SIDE || ni.length < MIN_PER_SIDE) {
      LOG.debug(
          "slice {} skipped: {} members and {} non-members (needs {} each)",
          name,
          mi.length,
          ni.length,
          MIN_PER_SIDE);
      return;
    }
    double[] ml = pick(m.losses, mi);
    double[] nl = pick(n.losses, ni);
    // lower loss, more likely a member
    results.add(
        new Result(
            name, Attack.LOSS_THRESHOLD, mi.length, ni.length, RocCurve.of(neg(ml), neg(nl))));
    results.add(
        new Result(
            name,
            Attack.LOGISTIC_REGRESSION_ON_LOSS,
            mi.length,
            ni.length,
            trained(column(ml), column(nl))));
    results.add(
        new Result(
            name,
            Attack.LOGISTIC_REGRESSION_ON_OUTPUTS,
            mi.length,
            ni.length,
            trained(rows(m.outputs, mi), rows(n.outputs, ni))));
  }

  /**
   * Two stratified folds: each is scored by a logistic regression fitted on the other, with members
   * and non-members weighted to equal total weight.
   */
  private RocCurve trained(double[][] memberFeatures, double[][] nonMemberFeatures) {
    Random random = new Random(seed);
    int[] memberFold = folds(memberFeatures.length, random);
    int[] nonMemberFold = folds(nonMemberFeatures.length, random);
    double[] memberScores = new double[memberFeatures.length];
    double[] nonMemberScores = new double[nonMemberFeatures.length];
    for (int fold = 0; fold < 2; fold++) {
      List<double[]> x = new ArrayList<>();
      List<Boolean> y = new ArrayList<>();
      int trainMembers = 0;
      for (int i = 0; i < memberFeatures.length; i++) {
        if (memberFold[i] != fold) {
          x.add(memberFeatures[i]);
          y.add(true);
          trainMembers++;
        }
      }
      int trainNonMembers = 0;
      for (int i = 0; i < nonMemberFeatures.length; i++) {
        if (nonMemberFold[i] != fold) {
          x.add(nonMemberFeatures[i]);
          y.add(false);
          trainNonMembers++;
        }
      }
      boolean[] labels = new boolean[y.size()];
      double[] weights = new double[y.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = y.get(i);
        weights[i] = labels.length / (2.0 * (labels[i] ? trainMembers : trainNonMembers));
      }
      LogisticRegression attacker =
          LogisticRegression.fit(x.toArray(new double[0][]), labels, weights);
      for (int i = 0; i < memberFeatures.length; i++) {
        if (memberFold[i] == fold) {
          memberScores[i] = attacker.logOdds(memberFeatures[i]);
        }
      }
      for (int i = 0; i < nonMemberFeatures.length; i++) {
        if (nonMemberFold[i] == fold) {
          nonMemberScores[i] = attacker.logOdds(nonMemberFeatures[i]);
        }
      }
    }
    return RocCurve.of(memberScores, nonMemberScores);
  }

  /** Fold 0 or 1 for each of n examples, half each, in random order. */
  private static int[] folds(int n, Random random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] fold = new int[n];
    for (int k = 0; k < n; k++) {
      fold[order[k]] = k % 2;
    }
    return fold;
  }

  private static double[] pick(double[] values, int[] indices) {
    double[] out = new double[indices.length];
    for (int i = 0; i < indices.length; i++) {
      out[i] = values[indices[i]];
    }
    return out;
  }

  private static double[] neg(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = -values[i];
    }
    return out;
  }

  private static double[][] column(double[] values) {
    double[][] out = new double[values.length][];
    for (int i = 0; i < values.length; i++) {
      out[i] = new double[] {values[i]};
    }
    return out;
  }

  private static double[][] rows(ModelOutputs outputs, int[] indices) {
    double[][] out = new double[indices.length][];
    for (int i = 0; i < indices.length; i++) {
      float[] o = outputs.outputs()[indices[i]];
      out[i] = new double[o.length];
      for (int j = 0; j < o.length; j++) {
        out[i][j] = o[j];
      }
    }
    return out;
  }
}
