package io.dp4j.testing;

import io.dp4j.nn.layers.Layer;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Runs a parameter-free layer on its own graph, for tests of its forward pass. */
public final class LayerRunner {
  private LayerRunner() {}

  /**
   * The layer's inference output for {@code n} examples of {@code exampleShape}, row-major.
   *
   * @param x the examples, row-major
   */
  public static float[] apply(Layer layer, float[] x, int n, long... exampleShape) {
    long[] batch = new long[exampleShape.length + 1];
    batch[0] = -1;
    System.arraycopy(exampleShape, 0, batch, 1, exampleShape.length);
    try (Graph g = new Graph();
        Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch)));
      Operand<TFloat32> out = layer.call(tf, in, List.of(), false, 0);
      batch[0] = n;
      try (TFloat32 t = TFloat32.tensorOf(Shape.of(batch), DataBuffers.of(x, true, false));
          Result r = session.runner().feed(in, t).fetch(out).run()) {
        TFloat32 result = (TFloat32) r.get(0);
        float[] values = new float[Math.toIntExact(result.size())];
        result.copyTo(DataBuffers.of(values, false, false));
        return values;
      }
    }
  }
}
