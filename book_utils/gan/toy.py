"""A small GAN on 2-D points (TensorFlow / Keras 3): Section 3.1's generator, discriminator and training.

The generator maps noise z [B, latent_dim] to points x [B, 2]; the discriminator maps points to one
logit per point (or per *pack* of points, PacGAN) [B, 1]; ``sigmoid(logit)`` is D's belief that the
input is real. Everything is seeded: the same arguments give the same weights, batches and noise.
This module imports TensorFlow and never PyTorch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


class MinibatchStd(keras.layers.Layer):
    """Appends one feature to every row: the mean over features of the batch standard deviation.

    [B, F] -> [B, F + 1]. It lets D see how varied a whole batch is, so a generator that puts all
    its points in one place is easy to spot (Karras et al. 2018, a simple form of Salimans et al.
    2016's minibatch discrimination).
    """

    def call(self, h):
        spread = tf.reduce_mean(tf.math.reduce_std(h, axis=0, keepdims=True), axis=1, keepdims=True)
        return tf.concat([h, tf.tile(spread, [tf.shape(h)[0], 1])], axis=1)


def mlp(in_dim: int, out_dim: int, hidden: int = 128, depth: int = 2, seed: int = 0,
        name: str = "mlp", minibatch_std: bool = False) -> keras.Sequential:
    """``depth`` hidden Dense+LeakyReLU(0.2) layers of width ``hidden``; linear output [B, out_dim].

    With ``minibatch_std`` a :class:`MinibatchStd` feature is appended before the last hidden layer
    (so that layer can combine the batch's spread with each point's features).
    """
    if depth < 1 or hidden < 1:
        raise ValueError(f"depth and hidden must be positive, got depth={depth}, hidden={hidden}")
    layers = [keras.Input(shape=(in_dim,))]
    for i in range(depth):
        if minibatch_std and i == depth - 1:
            layers.append(MinibatchStd())
        layers += [keras.layers.Dense(hidden, kernel_initializer=keras.initializers.GlorotUniform(seed + i)),
                   keras.layers.LeakyReLU(negative_slope=0.2)]
    layers.append(keras.layers.Dense(out_dim, kernel_initializer=keras.initializers.GlorotUniform(
        seed + depth)))
    return keras.Sequential(layers, name=name)


def make_generator(latent_dim: int = 2, hidden: int = 128, depth: int = 2, seed: int = 0
                   ) -> keras.Sequential:
    """G: z [B, latent_dim] -> x [B, 2]."""
    return mlp(latent_dim, 2, hidden, depth, seed, name="generator")


def make_discriminator(hidden: int = 128, depth: int = 2, pack: int = 1, seed: int = 0,
                       minibatch_std: bool = False) -> keras.Sequential:
    """D: ``pack`` points side by side [B, 2 * pack] -> one logit [B, 1] (pack=1: plain GAN)."""
    return mlp(2 * pack, 1, hidden, depth, seed + 100, name="discriminator", minibatch_std=minibatch_std)


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy: -mean log D(x) - mean log(1 - D(G(z))), with D = sigmoid(logit).

    -log sigmoid(a) = softplus(-a) and -log(1 - sigmoid(a)) = softplus(a), computed stably.
    """
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def generator_loss(fake_logits, saturating: bool = False):
    """Non-saturating: -mean log D(G(z)). Saturating (the minimax form): mean log(1 - D(G(z)))."""
    if saturating:
        return -tf.reduce_mean(tf.nn.softplus(fake_logits))
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


def pack_points(x, pack: int):
    """PacGAN packing (Lin et al. 2018): points [B, 2] -> packs [B / pack, 2 * pack].

    Row j of the result holds points j * pack ... j * pack + pack - 1 side by side, so D judges
    ``pack`` samples at once. Each generated point may look real on its own, yet a pack of points
    that are too much alike (or all off the data in the same way) looks unlike a pack of real ones.
    """
    if x.shape[0] is not None and x.shape[0] % pack:
        raise ValueError(f"the number of points ({x.shape[0]}) must be a multiple of pack={pack}")
    return tf.reshape(x, (-1, 2 * pack))


@dataclass
class GANConfig:
    """Hyper-parameters of :class:`ToyGAN` (learning rates for Adam, ``d_steps`` D updates per G update)."""

    latent_dim: int = 2
    hidden: int = 128
    depth: int = 2
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta_1: float = 0.5
    d_steps: int = 1
    pack: int = 1
    minibatch_std: bool = False
    saturating: bool = False
    seed: int = 0

    def __post_init__(self):
        for name in ("latent_dim", "hidden", "depth", "d_steps", "pack"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.lr_g <= 0 or self.lr_d <= 0:
            raise ValueError(f"learning rates must be positive, got lr_g={self.lr_g}, lr_d={self.lr_d}")


@dataclass
class Snapshot:
    """The state drawn in a training animation: samples from fixed noise and D's surface on a grid."""

    step: int
    samples: np.ndarray          # [n, 2]
    surface: np.ndarray          # [grid, grid], D(x) = sigmoid(logit) in 0..1
    extent: tuple = field(default=(-3.0, 3.0))


class ToyGAN:
    """Generator, discriminator, their Adam optimizers and the adversarial training loop."""

    def __init__(self, config: GANConfig | None = None, **overrides):
        self.config = config or GANConfig(**overrides)
        if config is not None and overrides:
            raise ValueError("pass either a GANConfig or keyword overrides, not both")
        c = self.config
        self.generator = make_generator(c.latent_dim, c.hidden, c.depth, c.seed)
        self.discriminator = make_discriminator(c.hidden, c.depth, c.pack, c.seed, c.minibatch_std)
        self.g_opt = keras.optimizers.Adam(c.lr_g, beta_1=c.beta_1)
        self.d_opt = keras.optimizers.Adam(c.lr_d, beta_1=c.beta_1)
        self.g_opt.build(self.generator.trainable_variables)
        self.d_opt.build(self.discriminator.trainable_variables)
        self.rng = np.random.default_rng(c.seed)
        self.steps_done = 0

    # -- one update of each network ---------------------------------------------------------------------
    def _packed(self, x):
        return pack_points(x, self.config.pack)

    @tf.function(reduce_retracing=True)
    def d_step(self, real, z):
        """One Adam step on D. real [B, 2], z [B, latent_dim]; returns D's loss."""
        fake = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            loss = discriminator_loss(self.discriminator(self._packed(real), training=True),
                                      self.discriminator(self._packed(fake), training=True))
        variables = self.discriminator.trainable_variables
        self.d_opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    @tf.function(reduce_retracing=True)
    def g_step(self, z):
        """One Adam step on G (D fixed). z [B, latent_dim]; returns G's loss."""
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self._packed(self.generator(z, training=True)), training=True)
            loss = generator_loss(fake_logits, self.config.saturating)
        variables = self.generator.trainable_variables
        self.g_opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def noise(self, n: int) -> np.ndarray:
        """Standard normal z [n, latent_dim] (float32) from the model's seeded generator."""
        return self.rng.standard_normal((n, self.config.latent_dim)).astype(np.float32)

    def train_step(self, data: np.ndarray, batch_size: int) -> tuple[float, float]:
        """``d_steps`` D updates on fresh minibatches of ``data`` [N, 2], then one G update."""
        if batch_size % self.config.pack:
            raise ValueError(f"batch_size {batch_size} must be a multiple of pack={self.config.pack}")
        for _ in range(self.config.d_steps):
            real = data[self.rng.integers(0, len(data), batch_size)]
            d_loss = self.d_step(tf.constant(real), tf.constant(self.noise(batch_size)))
        g_loss = self.g_step(tf.constant(self.noise(batch_size)))
        self.steps_done += 1
        return float(d_loss), float(g_loss)

    def fit(self, data, steps: int, batch_size: int = 256, snapshot_every: int | None = None,
            fixed_noise: np.ndarray | None = None, grid: int = 60, extent: float = 3.0):
        """Train for ``steps`` generator updates on ``data`` [N, 2].

        Returns (history, snapshots): history has per-step 'd_loss' and 'g_loss'; a snapshot (samples
        of ``fixed_noise`` and D's surface on a grid x grid square of half-width ``extent``) is taken
        before training and every ``snapshot_every`` steps.
        """
        data = np.asarray(data, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != 2 or len(data) == 0:
            raise ValueError(f"data must be an N x 2 array of points, got shape {data.shape}")
        if steps < 0 or batch_size < 1:
            raise ValueError(f"steps must be >= 0 and batch_size >= 1, got {steps}, {batch_size}")
        if fixed_noise is None and snapshot_every:
            fixed_noise = np.random.default_rng(self.config.seed + 1).standard_normal(
                (1000, self.config.latent_dim)).astype(np.float32)
        history = {"d_loss": [], "g_loss": []}
        snapshots = [self.snapshot(fixed_noise, grid, extent)] if snapshot_every else []
        for step in range(1, steps + 1):
            d_loss, g_loss = self.train_step(data, batch_size)
            history["d_loss"].append(d_loss)
            history["g_loss"].append(g_loss)
            if snapshot_every and step % snapshot_every == 0:
                snapshots.append(self.snapshot(fixed_noise, grid, extent))
        return history, snapshots

    # -- looking at the model ---------------------------------------------------------------------------
    def sample(self, n: int | None = None, z: np.ndarray | None = None) -> np.ndarray:
        """Generated points [n, 2] from given noise ``z`` or ``n`` fresh draws."""
        if z is None:
            if n is None:
                raise ValueError("give the number of samples n or the noise z")
            z = self.noise(n)
        return self.generator(tf.constant(z, tf.float32), training=False).numpy().astype(np.float64)

    def decision_surface(self, grid: int = 60, extent: float = 3.0) -> np.ndarray:
        """D(x) = sigmoid(logit) on a grid x grid square [-extent, extent]^2 (row = y, col = x).

        With pack > 1 each grid point is shown to D as a pack of copies of itself.
        """
        axis = np.linspace(-extent, extent, grid, dtype=np.float32)
        xx, yy = np.meshgrid(axis, axis)
        points = np.tile(np.stack([xx.ravel(), yy.ravel()], axis=1), (1, self.config.pack))
        logits = self.discriminator(tf.constant(points), training=False).numpy()
        return (1.0 / (1.0 + np.exp(-logits))).reshape(grid, grid)

    def snapshot(self, fixed_noise: np.ndarray, grid: int = 60, extent: float = 3.0) -> Snapshot:
        return Snapshot(self.steps_done, self.sample(z=fixed_noise), self.decision_surface(grid, extent),
                        (-extent, extent))

    def weights(self) -> list[np.ndarray]:
        """All weights of G then D, as NumPy arrays (for comparing two runs)."""
        return [w.numpy() for w in self.generator.weights + self.discriminator.weights]
