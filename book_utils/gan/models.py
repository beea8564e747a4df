"""The two networks: ``generator_model()`` and ``discriminator_model()``.

Two families, one interface (images N x H x W x 1 in [-1, 1], latent noise N x D):

- ``mlp``: fully connected nets, the book's choice for tiny images (8 x 8 digits),
  where a 64-pixel image is better treated as a 64-vector than as a picture;
- ``dcgan``: the convolutional pair of TensorFlow's DCGAN tutorial (Radford et al., 2016),
  generalised from 28 x 28 to any H x W divisible by 4 (the generator upsamples twice).

``arch="auto"`` picks ``mlp`` for images of at most 16 x 16 pixels and ``dcgan`` above.

With ``clusters=K`` (K > 0) both networks are *cluster-conditioned*: they take a second input,
the index c in [0, K) of a k-means cluster of the training images (book_utils.gan.clusters). The
generator appends a learnt 16-number embedding of c to the noise; the discriminator adds the
projection term <embed(c), h> to its logit, h being its last hidden features (the projection
discriminator of Miyato & Koyama, 2018).
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from book_utils.gan.config import ARCHS, MLP_MAX_PIXELS, ImageShapeError, pick_arch  # noqa: E402, F401

CLUSTER_EMBEDDING = 16   # numbers the generator's cluster embedding appends to the noise


def _cluster_input(clusters: int):
    if int(clusters) < 0:
        raise ValueError(f"clusters must be 0 (unconditional) or a positive count, got {clusters}")
    return keras.Input((), dtype="int32", name="cluster") if clusters else None


def generator_model(image_shape=(28, 28), latent_dim: int = 100, arch: str = "auto",
                    width: int = 256, name: str = "generator", clusters: int = 0) -> keras.Model:
    """Latent noise z (N x latent_dim) -> images N x H x W x 1 in [-1, 1] (tanh output).

    Defaults are the source's 28 x 28, 100-d DCGAN; the book's 8 x 8 digits use
    ``generator_model((8, 8), latent_dim=32)`` (an MLP of ``width`` units per layer).
    With ``clusters=K`` the model takes [z, c], c (N,) int32 cluster indices in [0, K).
    """
    h, w = (int(s) for s in image_shape)
    arch = pick_arch((h, w), arch)
    z = keras.Input((latent_dim,), name="z")
    cluster = _cluster_input(clusters)
    x = z
    if cluster is not None:                                              # N x (latent_dim + 16)
        x = layers.Concatenate(name="z_and_cluster")(
            [z, layers.Embedding(clusters, CLUSTER_EMBEDDING, name="cluster_embedding")(cluster)])
    if arch == "mlp":
        x = layers.Dense(width, name="dense_1")(x)                      # N x width
        x = layers.LeakyReLU(0.2, name="lrelu_1")(x)
        x = layers.Dense(width, name="dense_2")(x)                      # N x width
        x = layers.LeakyReLU(0.2, name="lrelu_2")(x)
        x = layers.Dense(h * w, activation="tanh", name="pixels")(x)    # N x HW in [-1, 1]
        out = layers.Reshape((h, w, 1), name="image")(x)                # N x H x W x 1
    else:  # TensorFlow DCGAN tutorial, start at H/4 x W/4 instead of 7 x 7
        x = layers.Dense((h // 4) * (w // 4) * 256, use_bias=False, name="project")(x)
        x = layers.BatchNormalization(name="bn_0")(x)
        x = layers.LeakyReLU(0.2, name="lrelu_0")(x)
        x = layers.Reshape((h // 4, w // 4, 256), name="reshape")(x)     # N x H/4 x W/4 x 256
        x = layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False, name="up_1")(x)
        x = layers.BatchNormalization(name="bn_1")(x)
        x = layers.LeakyReLU(0.2, name="lrelu_1")(x)                     # N x H/4 x W/4 x 128
        x = layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False, name="up_2")(x)
        x = layers.BatchNormalization(name="bn_2")(x)
        x = layers.LeakyReLU(0.2, name="lrelu_2")(x)                     # N x H/2 x W/2 x 64
        out = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                                     activation="tanh", name="image")(x)  # N x H x W x 1
    return keras.Model(z if cluster is None else [z, cluster], out, name=name)


class MinibatchStd(layers.Layer):
    """N x F -> N x (F + 1): appends the batch's mean per-feature standard deviation (the same
    number for every row; Karras et al., 2018), so D can see a batch that lacks variety."""

    def call(self, x):
        std = keras.ops.sqrt(keras.ops.var(x, axis=0) + 1e-8)                # F
        feature = keras.ops.mean(std) * keras.ops.ones_like(x[:, :1])          # N x 1
        return keras.ops.concatenate([x, feature], axis=1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def discriminator_model(image_shape=(28, 28), arch: str = "auto", width: int = 256,
                        dropout: float = 0.3, name: str = "discriminator",
                        mbstd: bool = False, clusters: int = 0) -> keras.Model:
    """Images N x H x W x 1 -> one real/fake logit per image, N x 1 (no sigmoid).

    ``mbstd``: the MLP's last hidden layer gets a minibatch standard-deviation feature.
    ``clusters=K``: the model takes [images, c] and adds <embed(c), features> to the logit."""
    h, w = (int(s) for s in image_shape)
    arch = pick_arch((h, w), arch)
    img = keras.Input((h, w, 1), name="image")
    cluster = _cluster_input(clusters)
    if arch == "mlp":
        x = layers.Flatten(name="flatten")(img)                          # N x HW
        x = layers.Dense(width, name="dense_1")(x)                       # N x width
        x = layers.LeakyReLU(0.2, name="lrelu_1")(x)
        if dropout:
            x = layers.Dropout(dropout, name="drop_1")(x)
        x = layers.Dense(width, name="dense_2")(x)                       # N x width
        x = layers.LeakyReLU(0.2, name="lrelu_2")(x)
        if dropout:
            x = layers.Dropout(dropout, name="drop_2")(x)
        if mbstd:
            x = MinibatchStd(name="mbstd")(x)                             # N x (width + 1)
    else:  # TensorFlow DCGAN tutorial
        x = layers.Conv2D(64, 5, strides=2, padding="same", name="conv_1")(img)   # N x H/2 x W/2 x 64
        x = layers.LeakyReLU(0.2, name="lrelu_1")(x)
        if dropout:
            x = layers.Dropout(dropout, name="drop_1")(x)
        x = layers.Conv2D(128, 5, strides=2, padding="same", name="conv_2")(x)    # N x H/4 x W/4 x 128
        x = layers.LeakyReLU(0.2, name="lrelu_2")(x)
        if dropout:
            x = layers.Dropout(dropout, name="drop_2")(x)
        x = layers.Flatten(name="flatten")(x)                            # N x (H/4 W/4 128)
    out = layers.Dense(1, name="logit")(x)                               # N x 1
    if cluster is None:
        return keras.Model(img, out, name=name)
    embedded = layers.Embedding(clusters, x.shape[-1], name="cluster_projection")(cluster)  # N x F
    out = layers.Add(name="projected_logit")([out, layers.Dot(axes=1, name="projection")([embedded, x])])
    return keras.Model([img, cluster], out, name=name)


def count_params(model: keras.Model) -> int:
    """Number of trainable parameters."""
    return int(sum(math.prod(v.shape) for v in model.trainable_variables))
