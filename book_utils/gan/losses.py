"""The two losses, written from the minimax objective of Section 4.1.

The discriminator outputs a logit l; D(x) = sigmoid(l). Goodfellow et al. (2014) train

    max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]

which, as a loss to minimise, is binary cross-entropy with target 1 for real images
and 0 for generated ones (``discriminator_loss``). For the generator the paper's
*non-saturating* form, min_G -E_z[log D(G(z))], replaces min_G E_z[log(1 - D(G(z)))]:
both have the same fixed point, but the latter's gradient vanishes exactly when D
confidently rejects the fakes, i.e. at the start of training (``generator_loss``).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from book_utils.gan.config import LOSSES  # noqa: E402, F401  (the names, framework-free)


def _bce(logits, target: float):
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), target), logits=logits)


def discriminator_loss(real_output, fake_output, label_smoothing: float = 0.0):
    """-mean log D(x) - mean log(1 - D(G(z))) from logits, N x 1 each -> scalar.

    ``label_smoothing`` s uses target 1 - s for real images (one-sided smoothing,
    Salimans et al., 2016); 0 gives the plain minimax loss.
    """
    real_loss = tf.reduce_mean(_bce(real_output, 1.0 - label_smoothing))
    fake_loss = tf.reduce_mean(_bce(fake_output, 0.0))
    return real_loss + fake_loss


def generator_loss(fake_output):
    """Non-saturating generator loss -mean log D(G(z)) from logits N x 1 -> scalar."""
    return tf.reduce_mean(_bce(fake_output, 1.0))


def saturating_generator_loss(fake_output):
    """The minimax form mean log(1 - D(G(z))) (what Section 4.1's objective literally says)."""
    return -tf.reduce_mean(_bce(fake_output, 0.0))


def hinge_discriminator_loss(real_output, fake_output):
    """mean relu(1 - l_real) + mean relu(1 + l_fake) (Lim & Ye, 2017; used by SAGAN/BigGAN)."""
    return tf.reduce_mean(tf.nn.relu(1.0 - real_output)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_output))


def hinge_generator_loss(fake_output):
    """-mean l_fake: the generator's side of the hinge game."""
    return -tf.reduce_mean(fake_output)


def r1_penalty(discriminator, real_images, clusters=None):
    """R1 = mean ||grad_x l(x)||^2 on real images (Mescheder et al., 2018); multiply by gamma/2.
    ``clusters`` (N,): the images' cluster indices, for a cluster-conditioned discriminator."""
    with tf.GradientTape() as tape:
        tape.watch(real_images)
        logits = discriminator(real_images if clusters is None else [real_images, clusters], training=True)
    grads = tape.gradient(logits, real_images)
    return tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
