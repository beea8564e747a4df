"""The source's GAN skeleton, filled in plainly (Section 5.1): the whole training loop in one place.

The source names ``generator_model``, ``discriminator_model``, ``discriminator_loss(real_output,
fake_output)``, ``generator_loss(fake_output)``, two ``Adam(1e-4)`` optimisers, ``train_step(images)``,
``epochs = 100`` and ``batch_size = 32``. The networks and the losses are the package's own
(:mod:`book_utils.gan.models`, :mod:`book_utils.gan.losses`: Goodfellow et al., 2014, with the
non-saturating generator loss); this module adds the optimisers, the step and the loop, in the
shape of TensorFlow's DCGAN tutorial. Everything the book adds on top (checkpoints, exact resume,
EMA, R1, clusters) lives in :mod:`book_utils.gan.training` and :mod:`book_utils.gan.run`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from book_utils.gan.losses import discriminator_loss, generator_loss  # noqa: E402
from book_utils.gan.models import discriminator_model, generator_model  # noqa: E402

EPOCHS = 100        # the source's numbers
BATCH_SIZE = 32
LATENT_DIM = 32     # noise numbers per image (the source's 28 x 28 DCGAN uses 100)


def batches(images, batch_size: int = BATCH_SIZE, seed: int = 0) -> tf.data.Dataset:
    """``images`` N x H x W in [-1, 1] -> batches B x H x W x 1, reshuffled each epoch (seeded);
    the last partial batch is dropped."""
    return (tf.data.Dataset.from_tensor_slices(np.asarray(images, np.float32)[..., None])
            .shuffle(len(images), seed=seed)          # a new order each time the dataset is iterated
            .batch(batch_size, drop_remainder=True))


class PlainGAN:
    """Generator, discriminator, two Adam(1e-4) and ``train_step``; ``seed`` fixes the initial
    weights (it calls ``keras.utils.set_random_seed``), the noise and the batch order."""

    def __init__(self, image_shape=(8, 8), latent_dim: int = LATENT_DIM, seed: int = 0):
        keras.utils.set_random_seed(seed)
        self.latent_dim, self.seed = latent_dim, seed
        self.generator = generator_model(image_shape, latent_dim)          # z: N x D -> N x H x W x 1
        self.discriminator = discriminator_model(image_shape)              # N x H x W x 1 -> N x 1 logit
        self.generator_optimizer = keras.optimizers.Adam(1e-4)
        self.discriminator_optimizer = keras.optimizers.Adam(1e-4)
        self.noise = tf.random.Generator.from_seed(seed)

    @tf.function
    def train_step(self, images):
        """One update of both networks on a batch B x H x W x 1; returns (gen_loss, disc_loss)."""
        noise = self.noise.normal([tf.shape(images)[0], self.latent_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = self.generator(noise, training=True)
            real_output = self.discriminator(images, training=True)
            fake_output = self.discriminator(generated_images, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        g = self.generator.trainable_variables
        d = self.discriminator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(gen_tape.gradient(gen_loss, g), g))
        self.discriminator_optimizer.apply_gradients(zip(disc_tape.gradient(disc_loss, d), d))
        return gen_loss, disc_loss

    def train(self, images, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Train on ``images`` N x H x W in [-1, 1]; returns the epochs' mean (gen_loss, disc_loss), E x 2."""
        dataset = batches(images, batch_size, self.seed)
        history = []
        for _ in range(epochs):
            losses = [self.train_step(image_batch) for image_batch in dataset]
            history.append(np.mean(losses, axis=0))
        return np.array(history)

    def sample(self, n: int, seed: int = 1) -> np.ndarray:
        """n images N x H x W x 1 in [-1, 1] from fixed standard-normal noise."""
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.generator(z, training=False).numpy()
