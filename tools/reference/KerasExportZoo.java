

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.io.keras.*;
import io.dp4j.nn.layers.*;
import io.dp4j.nn.losses.*;
import io.dp4j.nn.optimizers.SGD;
import java.nio.file.*;
import java.util.*;

/** Writes .keras exports of three models covering every dp4j layer type, their inputs (CSV) and dp4j predictions (JSON). */
public class KerasExportZoo {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    Map<String, Layer[]> zoo = new LinkedHashMap<>();
    zoo.put("image", new Layer[] {
      Conv2D.builder().setFilters(8).setKernelSize(3).optDilationRate(2).optPadding(Padding.SAME).optActivation(ActivationFunction.RELU).optInputShape(12, 12, 3).build(),
      new MaxPool2D(2, 1, Padding.SAME),
      new GroupNormalization(4),
      GroupNormalization.builder().setGroups(GroupNormalization.PER_CHANNEL).optCenter(false).build(),
      Conv2D.builder().setFilters(6).setKernelSize(3, 2).optStrides(2).optActivation(ActivationFunction.ELU).build(),
      new AveragePooling2D(2),
      new LayerNormalization(),
      new GlobalAveragePooling2D(),
      Dense.builder().setUnits(5).optActivation(ActivationFunction.GELU).build(),
      new Dropout(0.3),
      new Dense(4),
      new Activation(ActivationFunction.SOFTMAX)});
    zoo.put("sequence", new Layer[] {
      new Embedding(50, 6, new long[] {10}),
      new Conv1D(null, 7, 3, 1, Padding.SAME, ActivationFunction.TANH),
      new Flatten(),
      new Dense(8),
      new LeakyReLU(0.2f),
      Dense.builder().setUnits(1).optActivation(ActivationFunction.SIGMOID).build()});
    zoo.put("reshape", new Layer[] {
      new Flatten(20),
      new Reshape(4, 5),
      new Flatten(),
      Dense.builder().setUnits(6).optActivation(ActivationFunction.LEAKY_RELU).build(),
      new Activation(ActivationFunction.TANH),
      new Dense(3)});
    Map<String, long[]> shapes = Map.of("image", new long[] {12, 12, 3}, "sequence", new long[] {10}, "reshape", new long[] {20});
    SplittableRandom r = new SplittableRandom(5);
    for (var e : zoo.entrySet()) {
      long[] shape = shapes.get(e.getKey());
      int size = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
      int n = 64;
      float[] x = new float[n * size];
      for (int i = 0; i < x.length; i++) x[i] = e.getKey().equals("sequence") ? r.nextInt(50) : (float) r.nextGaussian();
      try (Sequential s = new Sequential(e.getValue()).setSeed(3)) {
        s.compile(new SGD(0.1f), new MeanSquaredError());
        List<float[]> w = s.getWeights();
        List<float[]> noisy = new ArrayList<>();
        for (float[] a : w) { float[] b = a.clone(); for (int i = 0; i < b.length; i++) b[i] += 0.3f * (float) r.nextGaussian(); noisy.add(b); }
        s.setWeights(noisy);
        ModelIO.save(KerasModel.of(s, shape), dir.resolve(e.getKey() + ".keras"));
        float[][] p = s.predict(new Dataset(x, shape, new float[n], new long[] {}));
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < size; j++) csv.append(j == 0 ? "" : ",").append(x[i * size + j]);
          csv.append('\n');
        }
        Files.writeString(dir.resolve(e.getKey() + ".csv"), csv);
        StringBuilder js = new StringBuilder("{\"predictions\": [");
        for (int i = 0; i < n; i++) {
          js.append(i == 0 ? "[" : ",[");
          for (int j = 0; j < p[i].length; j++) js.append(j == 0 ? "" : ",").append(p[i][j]);
          js.append(']');
        }
        Files.writeString(dir.resolve(e.getKey() + ".json"), js.append("]}"));
      }
    }
  }

}
