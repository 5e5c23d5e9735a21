package io.dp4j.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.audit.MembershipInference.Attack;
import io.dp4j.audit.MembershipInference.Report;
import io.dp4j.audit.MembershipInference.Result;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The attacks on hand-made model outputs (no model): what each one must find. */
class MembershipInferenceTest {

  /** n examples of 3 classes; the true class's logit is {@code margin} above the others. */
  private static ModelOutputs outputs(int n, double margin, double noise, long seed) {
    Random r = new Random(seed);
    float[][] o = new float[n][3];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (int j = 0; j < 3; j++) {
        o[i][j] = (float) (noise * r.nextGaussian() + (j == labels[i] ? margin : 0));
      }
    }
    return new ModelOutputs(o, labels, true);
  }

  @Test
  void lossesAreTheCrossEntropy() {
    ModelOutputs logits = new ModelOutputs(new float[][] {{2, 0, -1}}, new int[] {1}, true);
    double z = Math.exp(2) + 1 + Math.exp(-1);
    assertThat(logits.losses()[0]).isCloseTo(Math.log(z), within(1e-12));
    ModelOutputs probs = new ModelOutputs(new float[][] {{0.25f, 0.75f}}, new int[] {0}, false);
    assertThat(probs.losses()[0]).isCloseTo(-Math.log(0.25), within(1e-12));
    ModelOutputs binary = new ModelOutputs(new float[][] {{1.5f}, {1.5f}}, new int[] {1, 0}, true);
    assertThat(binary.losses()[0]).isCloseTo(Math.log1p(Math.exp(-1.5)), within(1e-12));
    assertThat(binary.losses()[1]).isCloseTo(Math.log1p(Math.exp(1.5)), within(1e-12));
    assertThat(binary.predictedClasses()).containsExactly(1, 1);
  }

  @Test
  void membersWithLowerLossAreFound() {
    // members: confident and right; non-members: unsure
    Report report =
        new MembershipInference(1).attack(outputs(60, 8, 0.3, 1), outputs(60, 1, 0.3, 2));
    for (Result r : report.entireData()) {
      assertThat(r.auc()).as(r.attack().description()).isGreaterThan(0.99);
      assertThat(r.advantage()).isGreaterThan(0.95);
      assertThat(r.tprAtFpr1Percent()).isGreaterThan(0.9);
    }
    assertThat(report.entireData())
        .extracting(Result::attack)
        .containsExactly(
            Attack.LOSS_THRESHOLD,
            Attack.LOGISTIC_REGRESSION_ON_LOSS,
            Attack.LOGISTIC_REGRESSION_ON_OUTPUTS);
    assertThat(report.results())
        .extracting(Result::slice)
        .containsSubsequence("all", "class 0", "class 1", "class 2", "correctly classified");
    Result class1 =
        report.results().stream().filter(r -> r.slice().equals("class 1")).findFirst().get();
    assertThat(class1.members()).isEqualTo(20);
    assertThat(class1.nonMembers()).isEqualTo(20);
  }

  /**
   * Members and non-members drawn alike: under this null hypothesis the AUC of out-of-sample scores
   * is a Mann-Whitney statistic with mean 1/2 and standard deviation √((m + n + 1)/(12mn)) = 0.026
   * for m = n = 250; 4.5 of them (three attacks) is 0.12.
   */
  @Test
  void sameDistributionGivesChance() {
    Report report = new MembershipInference(3).attack(outputs(250, 2, 1, 5), outputs(250, 2, 1, 6));
    double sd = Math.sqrt(501.0 / (12.0 * 250 * 250));
    for (Result r : report.entireData()) {
      assertThat(r.auc()).as(r.attack().description()).isCloseTo(0.5, within(4.5 * sd));
    }
  }

  @Test
  void theLogisticRegressionUsesTheWholeOutputVector() {
    // Same losses on both sides, but members' second-largest logit is always class (label+1):
    // only the attack on outputs can see it.
    int n = 120;
    float[][] mo = new float[n][3];
    float[][] no = new float[n][3];
    int[] labels = new int[n];
    Random r = new Random(8);
    for (int i = 0; i < n; i++) {
      labels[i] = 0;
      float wrong = (float) r.nextGaussian();
      mo[i] = new float[] {3, wrong + 2, -(wrong + 2)};
      no[i] = new float[] {3, -(wrong + 2), wrong + 2};
    }
    Report report =
        new MembershipInference(1)
            .attack(new ModelOutputs(mo, labels, true), new ModelOutputs(no, labels, true));
    Result threshold = report.entireData().get(0);
    Result onOutputs = report.entireData().get(2);
    assertThat(threshold.auc()).isCloseTo(0.5, within(0.1));
    assertThat(onOutputs.auc()).isGreaterThan(0.95);
  }

  @Test
  void refusesTooFewExamplesAndMismatchedModels() {
    assertThatThrownBy(
            () -> new MembershipInference(1).attack(outputs(1, 1, 1, 1), outputs(5, 1, 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2 members");
    ModelOutputs two = new ModelOutputs(new float[][] {{1, 0}, {0, 1}}, new int[] {0, 1}, true);
    assertThatThrownBy(() -> new MembershipInference(1).attack(outputs(5, 1, 1, 1), two))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same model");
    assertThatThrownBy(() -> new ModelOutputs(new float[][] {{1, 0}}, new int[] {2}, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("class in 0..1");
  }
}
