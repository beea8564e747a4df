"""Differentiable augmentation for the discriminator's input (DiffAugment, Zhao et al., 2020).

With little data (1,437 training digits) the discriminator can memorise the training images,
and the generator then chases a discriminator that rewards only the samples it has learnt to
accept. DiffAugment shows the discriminator randomly transformed images, the **same kind** of
random transform for real and generated ones, and keeps the transform differentiable so the
generator's gradient passes through it. The generator cannot cheat by producing augmented
images, because the translations below are applied to both sides.

``translate(images, shift, fill)``: shift each image (N x H x W x C) by its own random whole
number of pixels in [-shift, shift] along each axis, filling the uncovered border with ``fill``
(-1 = the background of the book's [-1, 1] images). Selecting among the (2 shift + 1)^2 shifted
copies with a one-hot mask keeps it a sum of products: gradients flow to every input pixel.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from book_utils.gan.config import AUGMENTS  # noqa: E402  (the kinds, framework-free)


def shifted_copies(images, shift: int = 1, fill: float = -1.0):
    """All (2 shift + 1)^2 translations of ``images`` N x H x W x C -> N x K x H x W x C."""
    h, w = images.shape[1], images.shape[2]
    padded = tf.pad(images, [[0, 0], [shift, shift], [shift, shift], [0, 0]], constant_values=fill)
    copies = [padded[:, dy:dy + h, dx:dx + w, :]
              for dy in range(2 * shift + 1) for dx in range(2 * shift + 1)]
    return tf.stack(copies, axis=1)


def translate(images, generator: tf.random.Generator, shift: int = 1, fill: float = -1.0):
    """Each image N x H x W x C moved by its own random (dy, dx) in [-shift, shift]^2 (same shape)."""
    if shift < 1:
        return images
    copies = shifted_copies(images, shift, fill)                       # N x K x H x W x C
    k = (2 * shift + 1) ** 2
    pick = generator.uniform([tf.shape(images)[0]], 0, k, dtype=tf.int32)
    mask = tf.one_hot(pick, k, dtype=images.dtype)[:, :, None, None, None]
    return tf.reduce_sum(copies * mask, axis=1)


def augment(images, kind: str, generator: tf.random.Generator, shift: int = 1):
    """Apply the augmentation ``kind`` ("none" | "translation") to a batch N x H x W x C."""
    if kind == "none":
        return images
    if kind == "translation":
        return translate(images, generator, shift)
    raise ValueError(f"unknown augmentation {kind!r}: choose one of {', '.join(AUGMENTS)}")
