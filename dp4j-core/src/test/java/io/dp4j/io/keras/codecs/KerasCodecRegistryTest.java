package io.dp4j.io.keras.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasFormatException;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class KerasCodecRegistryTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void importIsKeyedByKerasClassNameAndExportByLayerClass() {
    KerasCodecRegistry codecs = KerasCodecRegistry.defaults();
    assertThat(codecs.forClassName("Dense")).containsInstanceOf(DenseCodec.class);
    assertThat(codecs.forLayer(Dense.builder().setUnits(1).build()))
        .containsInstanceOf(DenseCodec.class);
    assertThat(codecs.forClassName("LSTM")).isEmpty();
  }

  @Test
  void aLayerWithoutCodecKeepsItsJavaNameAndHasNoCodec() {
    Layer identity = new Identity();
    KerasCodecRegistry codecs = KerasCodecRegistry.defaults();
    assertThat(codecs.forLayer(identity)).isEmpty();
    assertThat(codecs.kerasClassName(identity)).isEqualTo("Identity");
  }

  @Test
  void aRegisteredCodecReadsAndWritesItsLayer() throws Exception {
    KerasCodecRegistry codecs =
        KerasCodecRegistry.defaults().register(Identity.class, new IdentityCodec());
    assertThat(codecs.kerasClassName(new Identity())).isEqualTo("Identity");
    assertThat(codecs.classNames()).endsWith("Identity");
    LayerConfig config = new LayerConfig("Identity", "id", MAPPER.readTree("{\"name\": \"id\"}"));
    ImportedLayers layers = new ImportedLayers(new long[] {3});
    codecs.forClassName("Identity").orElseThrow().read(config, layers);
    assertThat(layers.layers()).singleElement().isInstanceOf(Identity.class);
    assertThat(layers.names()).containsExactly("id");
  }

  @Test
  void replacingACodecReplacesItForBothDirections() {
    KerasLayerCodec<Flatten> mine = new FlattenCodec();
    KerasCodecRegistry codecs = KerasCodecRegistry.defaults().register(Flatten.class, mine);
    assertThat(codecs.forClassName("Flatten")).containsSame(mine);
    assertThat(codecs.forLayer(new Flatten())).containsSame(mine);
  }

  @Test
  void batchNormalizationIsRefusedWithTheReason() {
    assertThat(KerasCodecRegistry.defaults().refusal("BatchNormalization"))
        .contains(Layer.MIXES_EXAMPLES);
    assertThat(KerasCodecRegistry.defaults().forClassName("BatchNormalization")).isEmpty();
  }

  @Test
  void anOptionTheCodecDidNotReadIsRefusedUnlessOff() throws Exception {
    KerasLayerCodec<?> conv1d = KerasCodecRegistry.defaults().forClassName("Conv1D").orElseThrow();
    ObjectNode json =
        (ObjectNode)
            MAPPER.readTree(
                "{\"name\": \"c\", \"filters\": 2, \"kernel_size\": 3, \"use_bias\": false}");
    LayerConfig config = new LayerConfig("Conv1D", "c", json);
    conv1d.read(config, new ImportedLayers(new long[] {8, 1}));
    assertThatThrownBy(() -> config.finish(conv1d.offValues()))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("layer c (Conv1D): option use_bias=false is not supported")
        .hasMessageContaining("it accepts only [true]");
  }

  /** A layer dp4j ships no codec for. */
  static final class Identity extends Layer {
    Identity() {
      super(null, null);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
      return inputShape.clone();
    }

    @Override
    public Operand<TFloat32> call(
        Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params, boolean t, long seed) {
      return input;
    }
  }

  /** Its codec: no options. */
  static final class IdentityCodec implements KerasLayerCodec<Identity> {
    @Override
    public String kerasClassName() {
      return "Identity";
    }

    @Override
    public int read(LayerConfig config, ImportedLayers layers) {
      layers.add(config.name(), new Identity());
      return NO_WEIGHTS;
    }

    @Override
    public void write(Identity layer, ObjectNode config) {}
  }
}
