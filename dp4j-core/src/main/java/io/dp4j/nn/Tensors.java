package io.dp4j.nn;

import io.dp4j.data.Dataset;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/** Copies between Java arrays and tensors. */
final class Tensors {
  private Tensors() {}

  static TFloat32 of(float[] values, long batch, long[] exampleShape) {
    return TFloat32.tensorOf(batchShape(batch, exampleShape), DataBuffers.of(values, true, false));
  }

  /** {@code batch}'s features as a {@code [size, exampleShape...]} tensor, copied straight in. */
  static TFloat32 features(Dataset batch) {
    return TFloat32.tensorOf(
        batchShape(batch.size(), batch.exampleShape()),
        t -> {
          FloatDataBuffer to = t.asRawTensor().data().asFloats();
          batch.copyFeatures(
              (from, offset, length, at) -> to.offset(at).write(from, offset, length));
        });
  }

  /** {@code [batch, exampleShape...]}; a batch of -1 is any size. */
  static Shape batchShape(long batch, long[] exampleShape) {
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = batch;
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    return Shape.of(shape);
  }

  static TFloat32 of(float[] values, long[] shape) {
    return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  static float[] read(Tensor tensor) {
    TFloat32 t = (TFloat32) tensor;
    float[] out = new float[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  static float scalar(Tensor tensor) {
    return ((TFloat32) tensor).getFloat();
  }
}
