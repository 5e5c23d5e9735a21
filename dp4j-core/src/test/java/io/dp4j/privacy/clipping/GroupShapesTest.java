package io.dp4j.privacy.clipping;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class GroupShapesTest {

  /**
   * A unit whose output gradient holds a NaN or an infinity (the backward pass overflowed on a
   * finite forward pass) gets clip factor 0, and its scaled gradient must be exactly zero: 0 times
   * ∞ would otherwise put a NaN into the clipped sum and the update. Other units are scaled exactly
   * (a product by a power of two).
   */
  @Test
  void unitOfFactorZeroScalesToZeroWhateverItsValues() {
    float[] g = {
      1f,
      -2f,
      3f,
      4f, // unit 0
      Float.NaN,
      Float.POSITIVE_INFINITY,
      5f,
      Float.NEGATIVE_INFINITY, // unit 1
      0.5f,
      7f,
      -8f,
      9f // unit 2
    };
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var x = tf.constant(Shape.of(3, 1, 2, 2), DataBuffers.of(g));
      var factors = tf.constant(new float[] {0.5f, 0f, 0f});
      try (TFloat32 scaled =
          (TFloat32) session.runner().fetch(GroupShapes.scaleUnits(tf, x, factors)).run().get(0)) {
        float[] out = new float[12];
        scaled.copyTo(DataBuffers.of(out, false, false));
        assertThat(out).containsExactly(0.5f, -1f, 1.5f, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
      }
    }
  }
}
