/**
 * Keras model interchange.
 *
 * <p>{@link io.dp4j.io.keras.ModelIO} imports Keras {@code Sequential} models (and Functional
 * models whose layers form one chain) from
 *
 * <ul>
 *   <li>JSON architectures ({@code model.to_json()}) of Keras 2.1 (list form), Keras 2.2+/tf-keras
 *       (dict form, {@code batch_input_shape}, {@code InputLayer}) and Keras 3 ({@code module},
 *       {@code registered_name}, dtype policy objects, {@code batch_shape}, {@code build_config});
 *   <li>legacy HDF5 files: full models ({@code model_config} + {@code model_weights}) and {@code
 *       save_weights} files, weights matched in layer order through the {@code layer_names} and
 *       {@code weight_names} attributes;
 *   <li>Keras 3 {@code .keras} zips: {@code config.json} and {@code model.weights.h5}, whose groups
 *       {@code layers/<name>/vars/<i>} are named from each layer's class ({@code dense}, {@code
 *       dense_1}, ...), not from the config names.
 * </ul>
 *
 * <p>Layers: Dense, Conv1D, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
 * Flatten, Reshape, Dropout, Embedding, LayerNormalization, GroupNormalization, LeakyReLU,
 * Activation, Permute and InputLayer, each read and written by its codec in {@link
 * io.dp4j.io.keras.codecs} (BatchNormalization is refused: it mixes the examples of a batch, so
 * DP-SGD cannot clip a per-example gradient). Every option of a layer config is either honoured or
 * refused with a {@link io.dp4j.io.keras.KerasFormatException} naming the layer, the option and its
 * value; initializers other than dp4j's are logged (they only matter for fresh weights). {@code
 * data_format="channels_first"} is honoured per layer by running dp4j's channels-last kernel
 * between two {@link io.dp4j.io.keras.Permute} layers (named {@code <layer>_to_channels_last} and
 * {@code <layer>_to_channels_first}).
 *
 * <p>Export: {@link io.dp4j.io.keras.ModelIO#save} writes a Keras 3 {@code .keras} zip ({@code
 * metadata.json} with the {@link io.dp4j.io.keras.PrivacyRecord} under {@code "dp4j_privacy"},
 * {@code config.json}, {@code model.weights.h5} written with jhdf and read back before the archive
 * is moved into place); {@link io.dp4j.io.keras.ModelIO#exportSavedModel} writes a TensorFlow
 * SavedModel with a {@code serving_default} signature; {@link io.dp4j.io.keras.TrainingCheckpoint}
 * adds the privacy ledger, the step counter and the optimizer's state (slots) so that training
 * resumes on the same ledger and, with the same batches and noise, the same weights.
 */
package io.dp4j.io.keras;
