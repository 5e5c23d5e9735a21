package io.dp4j.docs;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import java.io.IOException;
import java.nio.file.Path;

/** The code of docs/keras-interchange.md. */
public final class KerasSamples {
  private KerasSamples() {}

  static void exportAndImport(Path file) throws IOException {
    // [START export-import]
    Dataset train = GetStartedSamples.blobs(1000, 5);
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            Dense.builder().setUnits(2).optActivation(ActivationFunction.SOFTMAX).build())) {
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.5f),
          new SparseCategoricalCrossentropy(false, Reduction.NONE));
      ModelPrivacy.of(model).setTargetDelta(1e-5); // epsilon at this delta after every epoch
      model.fit(train, PoissonSampler.withExpectedBatchSize(train.size(), 50), 1);
      // a Keras 3 .keras zip; the privacy record travels in its metadata
      KerasModel keras = KerasModel.of(model).withPrivacyRecord(PrivacyRecord.of(model, 1e-5));
      ModelIO.save(keras, file);
    }
    try (KerasModel loaded = ModelIO.load(file)) { // also reads Keras .h5 and model JSON
      System.out.println(loaded.layerNames());
      System.out.printf("epsilon %.3f%n", loaded.privacyRecord().orElseThrow().epsilon());
      float[][] probabilities = loaded.predict(new float[] {-2f, 0f, 2f, 0f}); // two examples
      System.out.printf(
          "%d predictions of %d class probabilities%n",
          probabilities.length, probabilities[0].length);
    }
    // [END export-import]
  }
}
