import io.dp4j.data.Dataset;
import io.dp4j.data.Mnist;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.DpStepInspection;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.tutorial.MnistTutorial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes what dp4j's DP step computes on 64 MNIST test images with the tutorial CNN: the model
 * (.keras), the inputs and labels (CSV), and the per-example squared gradient norms and the sum of
 * the clipped per-example gradients (JSON), with C between the smallest and largest norm so that
 * some examples are clipped and some are not. keras_dp_step_check.py recomputes them with Keras.
 */
public class KerasDpStepExport {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    Dataset test = Mnist.load().test();
    int[] first = new int[64];
    Arrays.setAll(first, i -> i);
    Dataset batch = test.gather(first);
    double[] squared;
    try (Sequential probe = new Sequential(MnistTutorial.cnn()).setSeed(3)) {
      probe.compile(new DPKerasSGDOptimizer(1e6, 1.3, 0, 0.25f), loss());
      squared = toDoubles(ModelPrivacy.of(probe).inspectDpStep(batch, 64).unitSquaredNorms());
    }
    double min = Math.sqrt(Arrays.stream(squared).min().orElseThrow());
    double max = Math.sqrt(Arrays.stream(squared).max().orElseThrow());
    double clip = Math.sqrt(min * max);
    try (Sequential model = new Sequential(MnistTutorial.cnn()).setSeed(3)) {
      model.compile(new DPKerasSGDOptimizer(clip, 1.3, 0, 0.25f), loss());
      DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(batch, 64);
      ModelIO.save(KerasModel.of(model, 28, 28, 1), dir.resolve("cnn.keras"));
      StringBuilder x = new StringBuilder();
      StringBuilder y = new StringBuilder();
      float[] features = batch.features();
      for (int i = 0; i < batch.size(); i++) {
        for (int j = 0; j < 784; j++) {
          x.append(j == 0 ? "" : ",").append(features[i * 784 + j]);
        }
        x.append('\n');
        y.append((int) batch.labels()[i]).append('\n');
      }
      Files.writeString(dir.resolve("x.csv"), x);
      Files.writeString(dir.resolve("y.csv"), y);
      StringBuilder json = new StringBuilder("{\"clip\": ").append(clip);
      json.append(", \"squared_norms\": ").append(Arrays.toString(step.unitSquaredNorms()));
      json.append(", \"clipped_sums\": [");
      List<float[]> sums = step.clippedSums();
      for (int p = 0; p < sums.size(); p++) {
        json.append(p == 0 ? "" : ", ").append(Arrays.toString(sums.get(p)));
      }
      Files.writeString(dir.resolve("dp4j.json"), json.append("]}"));
    }
  }

  private static SparseCategoricalCrossentropy loss() {
    return new SparseCategoricalCrossentropy(true, Reduction.NONE);
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
