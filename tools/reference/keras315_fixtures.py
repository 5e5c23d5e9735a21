"""Writes the Keras 3.15.1 fixtures that KerasCurrentReleaseTest imports.

Six small models with fixed seeds, each saved as `.keras` and as legacy `.h5`, with a
four-example input batch and Keras' own predictions for it (`<model>.json`). Every weight,
bias, gamma and beta is drawn from a seeded normal distribution, so a weight read from the
wrong place, or a default initializer standing in for a stored value, changes the prediction.
The last model is a Functional chain compiled and fitted for one epoch, as users save models.

Usage (see README.md):  KERAS_BACKEND=tensorflow python keras315_fixtures.py OUT_DIR [MODEL...]
(only the named models when some are given)
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

BATCH = 4


def conv_pool_dense():
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(3, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(4, 3, padding="same", activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ],
        name="conv_pool_dense",
    )


def dense_layernorm():
    return keras.Sequential(
        [
            keras.Input(shape=(8,)),
            layers.Dense(16, activation="relu"),
            layers.LayerNormalization(),
            layers.Dense(4),
        ],
        name="dense_layernorm",
    )


def embedding_conv1d():
    return keras.Sequential(
        [
            keras.Input(shape=(10,), dtype="int32"),
            layers.Embedding(20, 6),
            layers.Conv1D(5, 3, strides=2, activation="relu"),
            layers.Flatten(),
            layers.Dense(2, activation="sigmoid"),
        ],
        name="embedding_conv1d",
    )


def shape_layers():
    """The layers without weights that dp4j imports, after a convolution."""
    return keras.Sequential(
        [
            keras.Input(shape=(6, 6, 2)),
            layers.Conv2D(4, 3, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.25),
            layers.Permute((2, 1, 3)),
            layers.GlobalAveragePooling2D(),
            layers.Reshape((2, 2)),
            layers.Flatten(),
            layers.Activation("tanh"),
            layers.Dense(3),
        ],
        name="shape_layers",
    )


def conv_groupnorm():
    """Group normalization after convolutions: three groups of two channels, then one group."""
    return keras.Sequential(
        [
            keras.Input(shape=(6, 6, 2)),
            layers.Conv2D(6, 3, padding="same"),
            layers.GroupNormalization(groups=3),
            layers.Activation("relu"),
            layers.Conv2D(4, 3),
            layers.GroupNormalization(groups=1, epsilon=1e-2, center=False),
            layers.Flatten(),
            layers.Dense(3),
        ],
        name="conv_groupnorm",
    )


def functional_trained():
    """A Functional chain, compiled and fitted, so the files carry optimizer state."""
    inputs = keras.Input(shape=(8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    outputs = layers.Dense(3, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs, name="functional_trained")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# name: (builder, seed, input batch)
MODELS = {
    "conv_pool_dense": (conv_pool_dense, 1, lambda r: r.uniform(0, 1, (BATCH, 8, 8, 1))),
    "dense_layernorm": (dense_layernorm, 2, lambda r: r.normal(0, 1, (BATCH, 8))),
    "embedding_conv1d": (embedding_conv1d, 3, lambda r: r.integers(0, 20, (BATCH, 10))),
    "shape_layers": (shape_layers, 4, lambda r: r.normal(0, 1, (BATCH, 6, 6, 2))),
    "functional_trained": (functional_trained, 5, lambda r: r.normal(0, 1, (BATCH, 8))),
    "conv_groupnorm": (conv_groupnorm, 6, lambda r: r.normal(0, 1, (BATCH, 6, 6, 2))),
}


def floats(a):
    """float32 values as JSON numbers that parse back to the same float32."""
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def main(out, only):
    os.makedirs(out, exist_ok=True)
    for name, (build, seed, inputs) in MODELS.items():
        if only and name not in only:
            continue
        keras.utils.set_random_seed(seed)
        model = build()
        rng = np.random.default_rng(seed)
        model.set_weights(
            [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
        )
        if model.compiled:
            model.fit(
                rng.normal(0, 1, (64, 8)).astype(np.float32),
                rng.integers(0, 3, 64),
                epochs=1,
                batch_size=16,
                verbose=0,
            )
        x = inputs(rng)
        x = x.astype(np.int32) if x.dtype.kind == "i" else x.astype(np.float32)
        y = model.predict(x, verbose=0)
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(
                {
                    "keras": keras.__version__,
                    "backend": keras.backend.backend(),
                    "input_shape": list(x.shape),
                    "input": floats(x),
                    "output_shape": list(y.shape),
                    "output": floats(y),
                },
                f,
            )
            f.write("\n")
        print(name, x.shape, "->", y.shape)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "keras315", set(sys.argv[2:]))
