package io.dp4j.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** The content of one IDX file: its element type, its dimensions and the raw big-endian data. */
public final class IdxArray {
  private final Path source;
  private final IdxType type;
  private final int[] dims;
  private final byte[] data;
  private final ByteBuffer buffer;

  IdxArray(Path source, IdxType type, int[] dims, byte[] data) {
    this.source = source;
    this.type = type;
    this.dims = dims.clone();
    this.data = data;
    this.buffer = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
  }

  /** The file it was read from. */
  public Path source() {
    return source;
  }

  public IdxType type() {
    return type;
  }

  /** The dimensions, outermost first (e.g. {@code [60000, 28, 28]}). */
  public int[] dims() {
    return dims.clone();
  }

  /** Number of elements: the product of the dimensions. */
  public int elements() {
    return data.length / type.bytes();
  }

  /** The raw data as stored (big-endian), not a copy. */
  public byte[] rawData() {
    return data;
  }

  /** Element {@code i} (flat, row-major) as a double; unsigned bytes read as 0..255. */
  public double get(int i) {
    ByteBuffer b = buffer;
    return switch (type) {
      case UNSIGNED_BYTE -> data[i] & 0xFF;
      case SIGNED_BYTE -> data[i];
      case SHORT -> b.getShort(i * 2);
      case INT -> b.getInt(i * 4);
      case FLOAT -> b.getFloat(i * 4);
      case DOUBLE -> b.getDouble(i * 8);
    };
  }

  /** All elements as floats multiplied by {@code scale} (e.g. {@code 1/255f} for pixels). */
  public float[] toFloats(float scale) {
    int n = elements();
    float[] out = new float[n];
    if (type == IdxType.UNSIGNED_BYTE) {
      float[] table = new float[256];
      for (int v = 0; v < 256; v++) {
        table[v] = v * scale;
      }
      for (int i = 0; i < n; i++) {
        out[i] = table[data[i] & 0xFF];
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = (float) (get(i) * scale);
        if (!Float.isFinite(out[i])) {
          // a non-finite input would make a DP step's update NaN; the value itself is not shown
          throw new IllegalArgumentException(
              source
                  + ": element "
                  + i
                  + " (example "
                  + (dims.length < 2 ? i : i / (n / dims[0]))
                  + ") is not a finite float32 number (NaN, an infinity, or beyond float32 after"
                  + " scaling)");
        }
      }
    }
    return out;
  }

  /** All elements as floats. */
  public float[] toFloats() {
    return toFloats(1f);
  }
}
