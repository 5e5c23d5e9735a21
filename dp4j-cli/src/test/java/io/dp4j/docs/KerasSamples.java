package io.dp4j.docs;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.ParameterAveraging;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

  /** A model trained on public data and saved, as a Keras user would hand it over. */
  static void pretrainOnPublicData(Path file) throws IOException {
    Dataset publicData = GetStartedSamples.blobs(1000, 6);
    try (Sequential model =
        new Sequential(
                Dense.builder()
                    .setUnits(16)
                    .optActivation(ActivationFunction.RELU)
                    .optInputShape(2)
                    .build(),
                Dense.builder().setUnits(16).optActivation(ActivationFunction.RELU).build(),
                Dense.builder().setUnits(2).optActivation(ActivationFunction.SOFTMAX).build())
            .setSeed(1)) {
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(false));
      model.fit(publicData, 50, 2);
      ModelIO.save(KerasModel.of(model), file);
    }
  }

  static void fineTuneHead(Path pretrained, Path out) throws IOException {
    // [START fine-tune-head]
    Dataset privateData = GetStartedSamples.blobs(1000, 7);
    try (KerasModel keras = ModelIO.load(pretrained)) { // a .keras or .h5 from Keras, or dp4j
      Sequential model = keras.sequential();
      List<Layer> layers = model.layers();
      for (Layer layer : layers.subList(0, layers.size() - 1)) {
        layer.setTrainable(false); // Keras: layer.trainable = False; saved as "trainable": false
      }
      // averaged weights for evaluation and export: post-processing, no privacy cost
      model.setParameterAveraging(ParameterAveraging.ema(0.99).withWarmup());
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.5f),
          new SparseCategoricalCrossentropy(false, Reduction.NONE));
      // the frozen layers are a fixed front end: fit trains the head on their cached output
      model.fit(privateData, PoissonSampler.withExpectedBatchSize(privateData.size(), 50), 2);
      System.out.println(keras.summary());
      ModelIO.save(keras.withPrivacyRecord(PrivacyRecord.of(model, 1e-5)), out);
      System.out.printf("epsilon %.3f%n", ModelPrivacy.of(model).privacySpent(1e-5).epsilon());
    }
    // [END fine-tune-head]
  }
}
