package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.nn.train.FrozenFrontEnd;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {
  @TempDir Path tmp;

  private static final long[] IMAGE = {9, 9, 1};

  private static FrozenFrontEnd front(int angles) {
    List<Layer> layers =
        List.of(
            Scattering2D.builder().setJ(1).optL(angles).optInputShape(IMAGE).build(),
            new Flatten(),
            new Dense(3));
    return FrozenFrontEnd.of(layers, IMAGE).orElseThrow();
  }

  private static Dataset images(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * 81];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = random.nextInt(3);
    }
    return new Dataset(x, IMAGE, y, new long[0]);
  }

  private static long files(Path dir) throws Exception {
    try (Stream<Path> listed = Files.list(dir)) {
      return listed.count();
    }
  }

  @Test
  void aSecondRunReadsTheSameFeaturesAndOtherDataOrAnotherFrontEndComputesItsOwn()
      throws Exception {
    FeatureCache cache = new FeatureCache(tmp.resolve("features"));
    StringWriter log = new StringWriter();
    PrintWriter out = new PrintWriter(log);
    Dataset data = images(7, 1);
    Dataset computed = cache.features(front(4), data, out);
    // the front end's own transform, computed independently of the cache
    assertThat(computed.features()).containsExactly(front(4).transform(data, 3).features());
    assertThat(log.toString())
        .contains("Front end [Scattering2D(J=1, L=4, maxOrder=2), Flatten]: features of 7")
        .contains("computed in");

    Dataset read = cache.features(front(4), data, out);
    assertThat(log.toString()).contains("read from");
    assertThat(read.features()).containsExactly(computed.features());
    assertThat(read.labels()).isSameAs(data.labels());
    assertThat(read.exampleShape()).containsExactly(front(4).outputShape());
    assertThat(files(tmp.resolve("features"))).isEqualTo(1);

    // one changed pixel, or other wavelet angles: another key, another file
    Dataset changed = images(7, 1);
    changed.features()[40] += 1e-3f;
    assertThat(FeatureCache.key(front(4), changed)).isNotEqualTo(FeatureCache.key(front(4), data));
    assertThat(FeatureCache.key(front(2), data)).isNotEqualTo(FeatureCache.key(front(4), data));
    cache.features(front(2), data, out);
    assertThat(files(tmp.resolve("features"))).isEqualTo(2);
  }
}
