package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.SamplingMode;
import org.junit.jupiter.api.Test;

/** The DP events of training steps, without a model. */
class PrivacyLogTest {
  private static final double Q = 0.02;
  private static final double SIGMA = 1.3;
  private static final double DELTA = 1e-5;

  @Test
  void identicalConsecutiveStepsFoldIntoOneRun() {
    PrivacyLog log = new PrivacyLog();
    for (int i = 0; i < 3; i++) {
      log.recordStep(Q, SIGMA, SamplingMode.POISSON);
    }
    log.recordStep(Q / 2, SIGMA, SamplingMode.POISSON);
    PoissonSampledDpEvent step = new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA));
    assertThat(log.events())
        .containsExactly(
            new SelfComposedDpEvent(step, 3),
            new SelfComposedDpEvent(
                new PoissonSampledDpEvent(Q / 2, new GaussianDpEvent(SIGMA)), 1));
    assertThat(log.steps()).isEqualTo(4);
    assertThat(log.latestSamplingRate()).isEqualTo(Q / 2);
    assertThat(log.samplingAssumed()).isFalse();
    RdpAccountant direct = new RdpAccountant();
    direct.compose(step, 3);
    direct.compose(new PoissonSampledDpEvent(Q / 2, new GaussianDpEvent(SIGMA)), 1);
    PrivacySpent spent = log.privacySpent(DELTA, RdpAccountant::new);
    assertThat(spent.epsilon()).isEqualTo(direct.epsilon(DELTA));
    assertThat(spent.method()).isEqualTo("rdp");
    assertThat(spent.kind()).hasValue(AccountantKind.RDP);
  }

  @Test
  void microbatchesOfSeveralExamplesAreRecordedThroughRunShape() {
    PrivacyLog log = new PrivacyLog();
    log.recordStep(Q, SIGMA, SamplingMode.POISSON, 4);
    log.recordStep(Q, SIGMA, SamplingMode.POISSON, 4);
    assertThat(log.events())
        .containsExactly(new SelfComposedDpEvent(RunShape.step(Q, SIGMA, 4).stepEvent(), 2));
    assertThat(
            ((GaussianDpEvent) ((PoissonSampledDpEvent) log.events().get(0).event()).event())
                .noiseMultiplier())
        .isEqualTo(SIGMA / 2);
    assertThat(log.sensitivityDoubled()).isTrue();
    assertThat(log.eventMicrobatchSizes()).containsExactly(4.0);
    PrivacySpent spent = log.privacySpent(DELTA, RdpAccountant::new);
    assertThat(spent.noiseMultiplier()).isEqualTo(SIGMA);
    assertThat(spent.effectiveNoiseMultiplier()).isEqualTo(SIGMA / 2);
    assertThat(spent.sensitivityNote()).isPresent();
  }

  @Test
  void noiselessStepsMakeEpsilonInfiniteWithoutAnAccountant() {
    PrivacyLog log = new PrivacyLog();
    log.recordStep(Q, SIGMA, SamplingMode.POISSON);
    log.recordStep(Q, 0, SamplingMode.SHUFFLED);
    assertThat(log.noiselessSteps()).isEqualTo(1);
    assertThat(log.events()).hasSize(1);
    assertThat(log.samplingAssumed()).isTrue();
    PrivacySpent spent = log.privacySpent(DELTA, RdpAccountant::new);
    assertThat(spent.epsilon()).isInfinite();
    assertThat(spent.kind()).hasValue(AccountantKind.NONE);
    assertThat(spent.steps()).isEqualTo(2);
  }

  @Test
  void anEmptyLogHasSpentNothing() {
    PrivacySpent spent = new PrivacyLog().privacySpent(DELTA, RdpAccountant::new);
    assertThat(spent.epsilon()).isZero();
    assertThat(spent.method()).isEqualTo("none");
  }

  @Test
  void aRestoredSnapshotContinuesAsIfItsStepsHadRunThere() {
    PrivacyLog original = new PrivacyLog();
    original.recordStep(Q, SIGMA, SamplingMode.POISSON, 3);
    original.recordStep(Q, SIGMA, SamplingMode.POISSON, 3);
    original.recordStep(Q, SIGMA, SamplingMode.POISSON);
    original.recordStep(Q, 0, SamplingMode.POISSON);
    original.markPredictable();
    PrivacyLog.Snapshot saved = original.snapshot();

    PrivacyLog restored = new PrivacyLog();
    restored.restore(saved);
    assertThat(restored.snapshot()).isEqualTo(saved);
    assertThat(restored.steps()).isEqualTo(4);
    assertThat(restored.restoredSteps()).isEqualTo(4);
    assertThat(restored.predictable()).isTrue();
    assertThat(restored.sensitivityDoubled()).isTrue();

    // the same later steps in both give the same ε, and the same σ as configured
    PrivacyLog noisy = new PrivacyLog();
    noisy.recordStep(Q, SIGMA, SamplingMode.POISSON, 3);
    PrivacyLog back = new PrivacyLog();
    back.restore(noisy.snapshot());
    back.recordStep(Q, SIGMA, SamplingMode.POISSON, 3);
    noisy.recordStep(Q, SIGMA, SamplingMode.POISSON, 3);
    assertThat(back.events()).isEqualTo(noisy.events());
    assertThat(back.privacySpent(DELTA, RdpAccountant::new))
        .isEqualTo(noisy.privacySpent(DELTA, RdpAccountant::new));
    PrivacyLog onlyRestored = new PrivacyLog();
    onlyRestored.restore(noisy.snapshot());
    assertThat(onlyRestored.privacySpent(DELTA, RdpAccountant::new).noiseMultiplier())
        .isEqualTo(SIGMA);
  }

  @Test
  void restoreOnlyIntoAFreshLog() {
    PrivacyLog log = new PrivacyLog();
    log.recordStep(Q, SIGMA, SamplingMode.POISSON);
    assertThatThrownBy(() -> log.restore(PrivacyLog.Snapshot.EMPTY))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("restore only into a fresh log");
  }

  @Test
  void badStepsAreRefusedNamingTheParameter() {
    PrivacyLog log = new PrivacyLog();
    assertThatThrownBy(() -> log.recordStep(Q, -1, SamplingMode.POISSON))
        .hasMessageContaining("noiseMultiplier must be finite and >= 0, got -1.0");
    assertThatThrownBy(() -> log.recordStep(Q, SIGMA, SamplingMode.POISSON, 0.5))
        .hasMessageContaining("microbatchSize must be finite and >= 1, got 0.5");
    assertThat(log.steps()).isZero();
  }

  @Test
  void aReleaseIsAStepThatSamplesEveryExampleComposedWithTheSteps() {
    PrivacyLog log = new PrivacyLog();
    log.recordFullDataRelease(8);
    for (int i = 0; i < 5; i++) {
      log.recordStep(0.1, 1.2, SamplingMode.POISSON);
    }
    PoissonSampledDpEvent release = new PoissonSampledDpEvent(1.0, new GaussianDpEvent(8));
    PoissonSampledDpEvent step = new PoissonSampledDpEvent(0.1, new GaussianDpEvent(1.2));
    assertThat(log.events())
        .containsExactly(new SelfComposedDpEvent(release, 1), new SelfComposedDpEvent(step, 5));
    RdpAccountant expected = new RdpAccountant();
    expected.compose(release).compose(step, 5);
    assertThat(log.privacySpent(1e-5, RdpAccountant::new).epsilon())
        .isEqualTo(expected.epsilon(1e-5));
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> log.recordFullDataRelease(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("noiseMultiplier of a release must be finite and > 0");
    }
  }
}
