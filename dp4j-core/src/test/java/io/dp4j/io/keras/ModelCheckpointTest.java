package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.EarlyStopping;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ModelCheckpoint writes loadable files, every epoch or only the best. */
class ModelCheckpointTest {
  @TempDir Path dir;

  private static Dataset line(float slope) {
    float[] x = new float[9];
    float[] y = new float[9];
    for (int i = 0; i < 9; i++) {
      x[i] = -2f + 0.5f * i;
      y[i] = slope * x[i];
    }
    return new Dataset(x, new long[] {1}, y, new long[] {1});
  }

  @Test
  void savesEveryEpochAndOnlyTheBest() throws IOException {
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build())) {
      m.compile(new SGD(0.05f), new MeanSquaredError());
      m.setWeights(List.of(new float[] {0f}));
      KerasModel k = KerasModel.of(m);
      List<float[]> weights = new ArrayList<>();
      m.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onEpoch(EpochEvent event) {
              weights.add(m.getWeights().get(0));
            }
          });
      m.addTrainingListener(new ModelCheckpoint(k, dir.resolve("every-{epoch}.keras")));
      // training towards y = 2x: the loss on y = -x rises, so only epoch 1 is the best
      ModelCheckpoint best =
          new ModelCheckpoint(
              k, dir.resolve("best.keras"), "val_loss", true, EarlyStopping.Mode.AUTO);
      m.addTrainingListener(best);
      m.fit(line(2f), 9, 3, line(-1f));
      for (int e = 1; e <= 3; e++) {
        assertThat(dir.resolve("every-" + e + ".keras")).exists();
      }
      try (KerasModel third = ModelIO.load(dir.resolve("every-3.keras"))) {
        assertThat(third.sequential().getWeights().get(0)).containsExactly(weights.get(2));
      }
      try (KerasModel saved = TrainingCheckpoint.load(dir.resolve("best.keras"))) {
        assertThat(saved.sequential().getWeights().get(0)).containsExactly(weights.get(0));
      }
      assertThat(best.lastSaved()).contains(dir.resolve("best.keras"));
      assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith("best")))
          .hasSize(1);
    }
  }

  /** Under DP, "the best epoch" by a training figure would pick weights by unnoised statistics. */
  @Test
  void underDpSaveBestOnlyRefusesATrainingMetricBeforeAnyStep() {
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build())) {
      m.compile(new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.05f), new MeanSquaredError(Reduction.NONE));
      KerasModel k = KerasModel.of(m);
      m.addTrainingListener(
          new ModelCheckpoint(k, dir.resolve("best.keras"), "loss", true, EarlyStopping.Mode.AUTO));
      assertThatThrownBy(() -> m.fit(line(2f), 9, 3, line(-1f).declaredNotPrivate()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ModelCheckpoint(saveBestOnly) monitor \"loss\"");
      assertThat(m.steps()).isZero();
      assertThat(dir.resolve("best.keras")).doesNotExist();
    }
  }
}
