package io.dp4j.cli;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The run train's checkpoint and continuation tests share: the 3-class softmax Keras fixture on 400
 * synthetic examples at expected batch size 40 (q = 0.1, 10 steps an epoch), delta 1e-4.
 */
final class SmallTrainRun {
  static final Path MODEL = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
  static final double Q = 0.1;
  static final int STEPS_PER_EPOCH = 10;
  static final double SIGMA = 1.3;
  static final double DELTA = 1e-4;

  private final SyntheticCsv data;

  /** Writes the examples into {@code dir}; skips the test where the fixture is missing. */
  SmallTrainRun(Path dir) throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    data = SyntheticCsv.write(dir, "train", 400, 5);
  }

  /** {@code train} on the examples at batch size 40 and {@link #DELTA}, with {@code more}. */
  CommandRun train(String... more) {
    List<String> args = new ArrayList<>(data.options());
    args.addAll(List.of("--batch-size", "40", "--delta", Double.toString(DELTA)));
    args.addAll(List.of(more));
    return KerasCommandsTest.run(new TrainModelCommand(), args.toArray(String[]::new));
  }

  /** The RDP epsilon at {@link #DELTA} of {@code steps} steps at q and sigma, computed here. */
  static double rdpEpsilon(long steps) {
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(new PoissonSampledDpEvent(Q, new GaussianDpEvent(SIGMA)), steps);
    return rdp.epsilon(DELTA);
  }
}
