package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.GradientTransform;
import io.dp4j.nn.train.StepFeed;
import io.dp4j.nn.train.StepFeeder;
import io.dp4j.nn.train.StepGraph;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The training step's extension point, as {@code ModelGraph} builds it and the model feeds it. */
class GradientTransformTest {
  private static Sequential mlp() {
    Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(4)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(2)
                .build(),
            new Dense(2));
    model.setSeed(9);
    return model;
  }

  /**
   * Gradients of the summed per-example losses, by backpropagation from the step graph, times a fed
   * scale: with scale 1/2 the update is exactly SGD at half the learning rate on the summed loss
   * (halving is exact in float32, so the two updates agree bit for bit).
   */
  static final class HalvedSumGradients implements GradientTransform {
    final List<Long> stepsFed = new ArrayList<>();
    final List<String> layersSeen = new ArrayList<>();

    @Override
    public Built build(StepGraph step) {
      var tf = step.tf();
      Placeholder<TFloat32> scale =
          tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      List<Output<?>> parameters = new ArrayList<>();
      for (StepGraph.TrainableLayer layer : step.trainableLayers()) {
        layersSeen.add(
            layer.name() + " " + layer.inputShape()[0] + " " + layer.preActivation().shape());
        layer.parameters().forEach(p -> parameters.add(p.asOutput()));
      }
      Operand<TFloat32> sum = tf.sum(step.perExampleLosses(), tf.constant(0));
      Output<?>[] grads =
          step.graph()
              .addGradients(
                  "sum_grads",
                  new Output<?>[] {sum.asOutput()},
                  parameters.toArray(Output<?>[]::new),
                  null);
      List<Operand<TFloat32>> scaled = new ArrayList<>();
      for (Output<?> g : grads) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> gf = (Operand<TFloat32>) g;
        scaled.add(tf.math.mul(gf, scale));
      }
      StepFeeder feeder =
          (Dataset batch, BatchSampler sampler, long modelStep) -> {
            stepsFed.add(modelStep);
            return new StepFeed(batch, null).feed(scale, TFloat32.scalarOf(0.5f));
          };
      return new Built(scaled, feeder);
    }
  }

  @Test
  void theTransformsGradientsAreWhatTheOptimizerApplies() {
    Dataset data = TestData.blobs(24, 3);
    HalvedSumGradients transform = new HalvedSumGradients();
    List<float[]> transformed;
    List<float[]> reference;
    try (Sequential model = mlp()) {
      model.compile(new SGD(0.1f), transform, new SparseCategoricalCrossentropy(true));
      model.fit(data, ShuffledSampler.seeded(24, 8, true, 2), 1, null);
      transformed = model.getWeights();
      assertThat(model.gradientTransform()).contains(transform);
      assertThat(model.isDifferentiallyPrivate()).isFalse();
    }
    try (Sequential model = mlp()) {
      model.compile(new SGD(0.05f), new SparseCategoricalCrossentropy(true, Reduction.SUM));
      model.fit(data, ShuffledSampler.seeded(24, 8, true, 2), 1, null);
      reference = model.getWeights();
    }
    assertThat(transform.stepsFed).containsExactly(0L, 1L, 2L);
    assertThat(transform.layersSeen).containsExactly("dense_1 2 [-1, 4]", "dense_2 4 [-1, 2]");
    assertThat(transformed).hasSameSizeAs(reference);
    for (int i = 0; i < reference.size(); i++) {
      assertThat(transformed.get(i)).containsExactly(reference.get(i));
    }
  }

  @Test
  void aTransformRefusesTheModelBeforeAnyGraphIsBuilt() {
    List<String> built = new ArrayList<>();
    GradientTransform refusing =
        new GradientTransform() {
          @Override
          public void validate(List<ModelLayer> layers, Loss loss) {
            throw new IllegalArgumentException("refused " + layers.get(1).name());
          }

          @Override
          public Built build(StepGraph step) {
            built.add("built");
            throw new AssertionError("not reached");
          }
        };
    try (Sequential model = mlp()) {
      assertThatThrownBy(
              () -> model.compile(new SGD(), refusing, new SparseCategoricalCrossentropy(true)))
          .hasMessage("refused dense_2");
      assertThat(built).isEmpty();
      assertThat(model.isCompiled()).isFalse();
    }
  }

  @Test
  void aTransformNeedsParametersToTransform() {
    try (Sequential model = new Sequential(new Flatten())) {
      model.setInputShape(2, 2);
      assertThatThrownBy(
              () ->
                  model.compile(
                      new SGD(), new HalvedSumGradients(), new SparseCategoricalCrossentropy(true)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("nothing to train");
    }
  }
}
