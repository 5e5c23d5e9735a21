package io.dp4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static Sequential model() {
    Sequential model = new Sequential(new Dense(2));
    model.setInputShape(2).setSeed(5);
    model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
    return model;
  }

  @Test
  void hooksRunAroundEveryStepInOrderAndCountStepsAcrossEpochs() {
    Dataset data = TestData.blobs(30, 1);
    List<String> events = new ArrayList<>();
    try (Sequential model = model()) {
      model.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onTrainingBatch(BatchEvent event) {
              events.add("listener " + event.epoch() + "/" + event.step());
            }
          });
      new Trainer(model)
          .beforeEachStep(
              s ->
                  events.add(
                      "before "
                          + s.stepOfFit()
                          + " e"
                          + s.epoch()
                          + "s"
                          + s.stepInEpoch()
                          + " model "
                          + s.modelStep()
                          + "="
                          + model.steps()
                          + " b"
                          + s.batchSize()))
          .afterEachStep(s -> events.add("after " + s.stepOfFit() + " model " + model.steps()))
          .fit(data, ShuffledSampler.seeded(30, 10, true, 1), 2, null);
      assertThat(events)
          .containsExactly(
              "before 0 e0s0 model 0=0 b10",
              "after 0 model 1",
              "listener 0/0",
              "before 1 e0s1 model 1=1 b10",
              "after 1 model 2",
              "listener 0/1",
              "before 2 e0s2 model 2=2 b10",
              "after 2 model 3",
              "listener 0/2",
              "before 3 e1s0 model 3=3 b10",
              "after 3 model 4",
              "listener 1/0",
              "before 4 e1s1 model 4=4 b10",
              "after 4 model 5",
              "listener 1/1",
              "before 5 e1s2 model 5=5 b10",
              "after 5 model 6",
              "listener 1/2");
    }
  }

  @Test
  void aBeforeStepHookThatThrowsStopsTheFitBeforeTheStepRuns() {
    Dataset data = TestData.blobs(30, 1);
    try (Sequential model = model()) {
      List<float[]> afterTwo = new ArrayList<>();
      List<Long> afterSteps = new ArrayList<>();
      Trainer trainer =
          new Trainer(model)
              .beforeEachStep(
                  s -> {
                    if (s.stepOfFit() == 2) {
                      throw new IllegalStateException("refused step " + s.stepOfFit());
                    }
                  })
              .afterEachStep(
                  s -> {
                    afterSteps.add(s.stepOfFit());
                    if (s.stepOfFit() == 1) {
                      afterTwo.addAll(model.getWeights());
                    }
                  });
      assertThatThrownBy(() -> trainer.fit(data, ShuffledSampler.seeded(30, 10, true, 1), 1, null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("refused step 2");
      assertThat(model.steps()).isEqualTo(2);
      assertThat(afterSteps).containsExactly(0L, 1L);
      List<float[]> now = model.getWeights();
      for (int i = 0; i < now.size(); i++) {
        assertThat(now.get(i)).containsExactly(afterTwo.get(i));
      }
    }
  }
}
