"""Adversarial training: the optimizers, the ``tf.function`` step with two GradientTapes,
an exponential moving average (EMA) of the generator, and sampling.

``GAN`` holds everything a run needs to resume exactly: both networks, the EMA
generator, both Adam optimizers, the noise generator's state and the epoch counter
(see :meth:`GAN.checkpoint`). The data order of epoch e is a fixed function of
(seed, e), so a resumed run sees the same batches an uninterrupted one would.

A cluster-conditioned GAN (``GANConfig(clusters=K)``, see book_utils.gan.clusters) trains on
(image, k-means cluster) pairs and samples clusters as often as the training images fall in them.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from book_utils.gan import losses  # noqa: E402
from book_utils.gan.augment import augment  # noqa: E402
from book_utils.gan.clusters import cluster_sizes, draw_clusters, kmeans_clusters  # noqa: E402
from book_utils.gan.config import GANConfig  # noqa: E402
from book_utils.gan.models import discriminator_model, generator_model  # noqa: E402


def make_optimizers(config: GANConfig):
    """(generator_optimizer, discriminator_optimizer): two Adams with the config's rates.
    The source's pair is ``make_optimizers(GANConfig(lr_g=1e-4, lr_d=1e-4, beta_1=0.9))``."""
    g = keras.optimizers.Adam(config.lr_g, beta_1=config.beta_1, beta_2=config.beta_2)
    d = keras.optimizers.Adam(config.lr_d, beta_1=config.beta_1, beta_2=config.beta_2)
    return g, d


def make_dataset(images: np.ndarray, batch_size: int, seed: int, epoch: int,
                 clusters: np.ndarray | None = None) -> tf.data.Dataset:
    """One epoch of shuffled batches B x H x W x 1 (last partial batch dropped); with
    ``clusters`` (N,), batches of (images, cluster indices B).

    The shuffle seed depends on (seed, epoch) only, so epoch e has the same batches
    whether the run was interrupted before it or not.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if len(images) < batch_size:
        raise ValueError(f"the batch size {batch_size} is larger than the {len(images)} training images")
    order = np.random.default_rng([seed, epoch]).permutation(len(images))
    slices = images[order]
    if clusters is not None:
        clusters = np.asarray(clusters, dtype=np.int32)
        if clusters.shape != (len(images),):
            raise ValueError(f"need one cluster index per image: {len(images)} images, clusters of "
                             f"shape {clusters.shape}")
        slices = (slices, clusters[order])
    return (tf.data.Dataset.from_tensor_slices(slices)
            .batch(batch_size, drop_remainder=True)
            .prefetch(2))


class GAN:
    """Generator, discriminator, their optimizers, an EMA generator and the training step."""

    def __init__(self, config: GANConfig):
        self.config = c = config
        g_width = c.g_width or c.width
        self.generator = generator_model(c.image_shape, c.latent_dim, c.arch, g_width, clusters=c.clusters)
        self.discriminator = discriminator_model(c.image_shape, c.arch, c.width, c.dropout, mbstd=c.mbstd,
                                                 clusters=c.clusters)
        self.ema_generator = generator_model(c.image_shape, c.latent_dim, c.arch, g_width,
                                             name="ema_generator", clusters=c.clusters)
        # training images per cluster, set by find_clusters; sampling draws clusters in proportion
        self.cluster_sizes = tf.Variable(tf.zeros([max(c.clusters, 1)], tf.float32), trainable=False,
                                         name="cluster_sizes")
        self.ema_generator.set_weights(self.generator.get_weights())
        self.generator_optimizer, self.discriminator_optimizer = make_optimizers(c)
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)
        self.noise = tf.random.Generator.from_seed(c.seed)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.train_step = tf.function(self.train_step_eager, jit_compile=c.jit_compile)

    # -- the step ---------------------------------------------------------------------
    def _losses(self, real_output, fake_output):
        c = self.config
        if c.loss == "hinge":
            return (losses.hinge_generator_loss(fake_output),
                    losses.hinge_discriminator_loss(real_output, fake_output))
        return (losses.generator_loss(fake_output),
                losses.discriminator_loss(real_output, fake_output, c.label_smoothing))

    def train_step_eager(self, images, clusters=None):
        """One simultaneous update of both networks on a batch B x H x W x 1 (the source's
        ``train_step``); a cluster-conditioned GAN also takes the images' clusters (B,), and
        generates its fakes for the same clusters. Returns the two losses and the mean D(x), D(G(z))."""
        c = self.config
        noise = self.noise.normal([tf.shape(images)[0], c.latent_dim])

        def with_cluster(x):   # a network's input: x, or [x, clusters] when conditioned
            return x if clusters is None else [x, clusters]

        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = self.generator(with_cluster(noise), training=True)
            if c.augment != "none":   # the same kind of random transform for both sides
                images = augment(images, c.augment, self.noise, c.augment_shift)
                generated = augment(generated, c.augment, self.noise, c.augment_shift)
            real_output = self.discriminator(with_cluster(images), training=True)
            fake_output = self.discriminator(with_cluster(generated), training=True)
            gen_loss, disc_loss = self._losses(real_output, fake_output)
            total_disc_loss = disc_loss
            if c.r1_gamma > 0:
                total_disc_loss += 0.5 * c.r1_gamma * losses.r1_penalty(self.discriminator, images, clusters)
        gen_grads = gen_tape.gradient(gen_loss, self.generator.trainable_variables)
        disc_grads = disc_tape.gradient(total_disc_loss, self.discriminator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(gen_grads, self.generator.trainable_variables))
        self.discriminator_optimizer.apply_gradients(zip(disc_grads, self.discriminator.trainable_variables))
        if c.ema_decay > 0:
            self.update_ema()
        return {"gen_loss": gen_loss, "disc_loss": disc_loss,
                "d_real": tf.reduce_mean(tf.sigmoid(real_output)),
                "d_fake": tf.reduce_mean(tf.sigmoid(fake_output))}

    def update_ema(self):
        """ema <- decay * ema + (1 - decay) * weights, for every generator variable."""
        d = self.config.ema_decay
        for ema, w in zip(self.ema_generator.weights, self.generator.weights, strict=True):
            ema.assign(d * ema + (1.0 - d) * w)

    def find_clusters(self, images: np.ndarray) -> np.ndarray:
        """k-means cluster of each training image (N,) for a cluster-conditioned GAN; remembers
        the cluster sizes for sampling. Pass the result to :meth:`train_epoch`."""
        c = self.config
        if not c.clusters:
            raise ValueError("this GAN is unconditional (GANConfig.clusters = 0): it needs no clusters")
        labels = kmeans_clusters(images, c.clusters, seed=c.seed)
        self.use_clusters(labels)
        return labels

    def use_clusters(self, labels: np.ndarray) -> None:
        """Remember the sizes of the clusters ``labels`` (N,) (e.g. saved ones, on resuming)."""
        self.cluster_sizes.assign(cluster_sizes(labels, self.config.clusters).astype(np.float32))

    def train_epoch(self, images: np.ndarray, clusters: np.ndarray | None = None,
                    step=None) -> dict[str, float]:
        """Run one epoch (the next one by ``self.epoch``); returns the epoch's mean losses.
        A cluster-conditioned GAN needs each image's cluster (N,), from :meth:`find_clusters`."""
        c = self.config
        if bool(c.clusters) != (clusters is not None):
            raise ValueError(f"this GAN has clusters={c.clusters}: pass gan.find_clusters(images)"
                             if c.clusters else "this GAN is unconditional (clusters=0): pass no clusters")
        step = step or self.train_step
        sums: dict[str, float] = {}
        n = 0
        for batch in make_dataset(images, c.batch_size, c.seed, int(self.epoch), clusters):
            out = step(*batch) if clusters is not None else step(batch)
            for k, v in out.items():
                sums[k] = sums.get(k, 0.0) + v
            n += 1
        self.epoch.assign_add(1)
        return {k: float(v) / n for k, v in sums.items()}

    # -- sampling and saving ------------------------------------------------------------
    def sampling_generator(self) -> keras.Model:
        """The EMA generator when EMA is on, else the raw generator."""
        return self.ema_generator if self.config.ema_decay > 0 else self.generator

    def sample(self, n: int = 1000, seed: int = 1, noise=None, truncation: float | None = None,
               ema: bool = True, temperature: float | None = None, clusters=None) -> np.ndarray:
        """n images N x H x W x 1 in [-1, 1] from fixed noise (``seed`` or given ``noise`` N x D).

        The noise is multiplied by ``temperature`` (default: the config's). A cluster-conditioned
        GAN draws the clusters (N,) from the training cluster sizes with ``seed`` unless given.
        """
        if noise is None:
            noise = fixed_noise(n, self.config.latent_dim, seed, truncation)
        temperature = self.config.temperature if temperature is None else temperature
        inputs = tf.constant(np.asarray(noise, np.float32) * np.float32(temperature))
        if self.config.clusters:
            if clusters is None:
                clusters = self.draw_clusters(len(inputs), seed)
            inputs = [inputs, tf.constant(np.asarray(clusters, np.int32))]
        model = self.sampling_generator() if ema else self.generator
        return model(inputs, training=False).numpy()

    def draw_clusters(self, n: int, seed: int = 1) -> np.ndarray:
        """n cluster indices (n,) drawn in proportion to the training images per cluster."""
        if not self.config.clusters:
            raise ValueError("this GAN is unconditional (GANConfig.clusters = 0): it has no clusters")
        sizes = self.cluster_sizes.numpy()
        if sizes.sum() <= 0:
            raise ValueError("the cluster sizes are not known yet: call find_clusters(images) first")
        return draw_clusters(sizes, n, seed)

    def checkpoint(self) -> tf.train.Checkpoint:
        """Everything exact resumption needs."""
        return tf.train.Checkpoint(
            generator=self.generator, discriminator=self.discriminator, ema_generator=self.ema_generator,
            generator_optimizer=self.generator_optimizer,
            discriminator_optimizer=self.discriminator_optimizer,
            noise=self.noise, epoch=self.epoch, cluster_sizes=self.cluster_sizes)


def fixed_noise(n: int, latent_dim: int, seed: int = 1, truncation: float | None = None) -> np.ndarray:
    """Standard normal noise N x latent_dim from a fixed seed. With ``truncation`` t,
    entries with |z| > t are redrawn (the truncation trick, Brock et al., 2019)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, latent_dim)).astype(np.float32)
    if truncation is not None:
        if truncation <= 0:
            raise ValueError(f"truncation must be positive, got {truncation}")
        bad = np.abs(z) > truncation
        while bad.any():
            z[bad] = rng.standard_normal(int(bad.sum())).astype(np.float32)
            bad = np.abs(z) > truncation
    return z
