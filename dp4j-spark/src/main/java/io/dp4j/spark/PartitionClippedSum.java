package io.dp4j.spark;

import io.dp4j.data.Dataset;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * One partition's part of a step: its Poisson sample ({@link RowSampler}) and the sum of the
 * sample's clipped per-example gradients, by the model's own DP step graph ({@link
 * ModelPrivacy#clippedSum}), in float64 for the aggregation. An empty sample sums to zero without
 * running the graph (the graph gives exactly zero for it too).
 */
final class PartitionClippedSum implements Function2<Integer, Iterator<Row>, Iterator<double[][]>> {
  private final ModelFactory factory;
  private final Broadcast<List<float[]>> weights;
  private final RowColumns columns;
  private final int width;
  private final long[] labelShape;
  private final long masterSeed;
  private final long step;
  private final double samplingRate;
  private final double expectedBatchSize;
  private final LongAccumulator computeNanos;

  PartitionClippedSum(
      ModelFactory factory,
      Broadcast<List<float[]>> weights,
      RowColumns columns,
      int width,
      long[] labelShape,
      long masterSeed,
      long step,
      double samplingRate,
      double expectedBatchSize,
      LongAccumulator computeNanos) {
    this.factory = factory;
    this.weights = weights;
    this.columns = columns;
    this.width = width;
    this.labelShape = labelShape.clone();
    this.masterSeed = masterSeed;
    this.step = step;
    this.samplingRate = samplingRate;
    this.expectedBatchSize = expectedBatchSize;
    this.computeNanos = computeNanos;
  }

  @Override
  public Iterator<double[][]> call(Integer partition, Iterator<Row> rows) {
    RowSampler sampler = new RowSampler(masterSeed, step, partition, samplingRate);
    float[] x = new float[16 * width];
    float[] y = new float[16];
    int b = 0;
    while (rows.hasNext()) {
      Row row = rows.next();
      if (sampler.nextJoins()) {
        if (b == y.length) {
          x = Arrays.copyOf(x, 2 * x.length);
          y = Arrays.copyOf(y, 2 * y.length);
        }
        y[b] = columns.read(row, x, b * width, width);
        b++;
      }
    }
    List<float[]> w = weights.value();
    double[][] sum = new double[w.size()][];
    if (b == 0) {
      for (int p = 0; p < sum.length; p++) {
        sum[p] = new double[w.get(p).length];
      }
      return List.<double[][]>of(sum).iterator();
    }
    Dataset batch =
        new Dataset(
            Arrays.copyOf(x, b * width), new long[] {width}, Arrays.copyOf(y, b), labelShape);
    long start = System.nanoTime();
    List<float[]> clipped =
        ExecutorModels.withModel(
            factory, w, model -> ModelPrivacy.of(model).clippedSum(batch, expectedBatchSize));
    computeNanos.add(System.nanoTime() - start);
    for (int p = 0; p < sum.length; p++) {
      float[] c = clipped.get(p);
      sum[p] = new double[c.length];
      for (int i = 0; i < c.length; i++) {
        sum[p][i] = c[i];
      }
    }
    return List.<double[][]>of(sum).iterator();
  }

  /** Adds {@code b} into {@code a} (either may be the empty zero value); Spark's merge. */
  static double[][] add(double[][] a, double[][] b) {
    if (a.length == 0) {
      return b;
    }
    for (int p = 0; p < b.length; p++) {
      for (int i = 0; i < b[p].length; i++) {
        a[p][i] += b[p][i];
      }
    }
    return a;
  }
}
