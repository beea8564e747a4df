"""Section 2.2's TensorFlow / Keras 3 code (this module imports TensorFlow only).

The same multilayer perceptron as :mod:`book_utils.basics.tiny_torch`, with the same
function names: in_dim -> hidden[0] -> ... -> 1 logit, Glorot-uniform weights
and zero biases (Keras' defaults), Adam on binary cross-entropy from logits,
shuffled minibatches. :func:`conv_output_size` asks Keras' convolution layers for their output
size, to check :mod:`book_utils.basics.conv`'s formulas against.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from book_utils.basics.tiny_data import check_schedule, check_two_class_data  # noqa: E402

keras = tf.keras  # Keras 3 running on the TensorFlow backend

ACTIVATIONS = ("relu", "tanh", "linear")


def make_mlp(in_dim: int = 2, hidden=(16, 16), activation: str = "relu", seed: int = 0) -> keras.Model:
    """in_dim -> [Dense + activation] per hidden width -> Dense(1) logit; the same seed, the same weights."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {list(ACTIVATIONS)}")
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=(in_dim,))]
    layers += [keras.layers.Dense(h, activation=activation) for h in hidden]
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


def count_parameters(model: keras.Model) -> int:
    """Number of trainable numbers (weights and biases)."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def train_mlp(x, y, hidden=(16, 16), activation: str = "relu", epochs: int = 100, batch_size: int = 32,
              lr: float = 1e-2, seed: int = 0):
    """Fit the MLP with Adam on binary cross-entropy (from logits), shuffled minibatches.

    x [N, D] floats, y [N] in {0, 1}. Returns (model, history) where history
    holds the per-epoch mean training ``loss`` and training ``accuracy``.
    """
    x, y = check_two_class_data(x, y)
    check_schedule(epochs, batch_size)
    model = make_mlp(x.shape[1], hidden, activation, seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)])  # logit > 0
    fit = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model, {"loss": list(fit.history["loss"]), "accuracy": list(fit.history["accuracy"])}


def predict_proba(model: keras.Model, x) -> np.ndarray:
    """p(y = 1 | x) for points x [N, D]. Returns [N] floats."""
    logits = model(np.asarray(x, dtype=np.float32), training=False)
    return tf.sigmoid(logits).numpy().ravel()


def accuracy(model: keras.Model, x, y) -> float:
    """Fraction of points whose predicted class (p > 0.5) equals y."""
    x, y = check_two_class_data(x, y)
    return float(((predict_proba(model, x) > 0.5) == (y == 1)).mean())


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid",
                     transpose: bool = False) -> int:
    """Side of the output of ``keras.layers.Conv2D`` (or ``Conv2DTranspose``, ``transpose=True``),
    one filter, run on an n x n image of zeros; padding is Keras' "valid" or "same"."""
    layer = (keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D)(
        1, kernel, strides=stride, padding=padding)
    return int(layer(np.zeros((1, n, n, 1), dtype=np.float32)).shape[1])
