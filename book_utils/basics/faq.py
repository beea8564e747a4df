"""Small demonstrations for the appendix's questions (NumPy only, no framework).

- :class:`BernoulliClassModel`: a generative classifier of binary images, p(y) prod_d Bernoulli(x_d|theta_yd)
  (naive Bayes; Ng & Jordan 2002 compare it with logistic regression). It classifies by Bayes' rule, gives
  log p(x) in nats, and samples.
- :func:`train_toy_gan`: a 1-D GAN, a linear generator against a quadratic-logistic discriminator, gradients
  by hand (Goodfellow et al. 2014's losses, non-saturating generator loss), recording both losses and the
  generator's distance to the data while it trains.
- :func:`sharpness`: the mean squared difference of neighbouring pixels, a measure of edges (blur lowers it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, logsumexp


class BernoulliClassModel:
    """p(x, y) = p(y) prod_d theta_yd^x_d (1 - theta_yd)^(1 - x_d) for x in {0,1}^D, y in 0..C-1.

    ``alpha`` is the add-alpha (Laplace) smoothing of the pixel probabilities.
    """

    def __init__(self, n_classes: int = 10, alpha: float = 1.0):
        if n_classes < 2 or alpha <= 0:
            raise ValueError(f"need n_classes >= 2 and alpha > 0, got {n_classes}, {alpha}")
        self.n_classes, self.alpha = int(n_classes), float(alpha)

    def fit(self, x, y) -> BernoulliClassModel:
        """x (N, D) in {0, 1}, y (N,) labels: count class shares and per-class pixel frequencies."""
        x, y = np.asarray(x, dtype=np.float64).reshape(len(x), -1), np.asarray(y)
        counts = np.bincount(y, minlength=self.n_classes).astype(np.float64)
        if (counts == 0).any():
            raise ValueError("every class needs at least one training example")
        self.log_prior = np.log(counts / counts.sum())                                  # (C,)
        ones = np.stack([x[y == c].sum(0) for c in range(self.n_classes)])              # (C, D)
        self.theta = (ones + self.alpha) / (counts[:, None] + 2 * self.alpha)            # (C, D)
        return self

    def joint_log_prob(self, x) -> np.ndarray:
        """log p(x, y) for every class: (N, C), nats."""
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        return x @ np.log(self.theta).T + (1 - x) @ np.log1p(-self.theta).T + self.log_prior

    def log_prob(self, x) -> np.ndarray:
        """log p(x) = log sum_y p(x, y): (N,), nats per image."""
        return logsumexp(self.joint_log_prob(x), axis=1)

    def predict(self, x) -> np.ndarray:
        """argmax_y p(y | x) by Bayes' rule: (N,) labels."""
        return self.joint_log_prob(x).argmax(1)

    def sample(self, labels, seed: int = 0, binary: bool = True) -> np.ndarray:
        """One image (D,) per requested label: (n, D), Bernoulli draws or (binary=False) the pixel means."""
        labels = np.asarray(labels)
        means = self.theta[labels]
        if not binary:
            return means
        return (np.random.default_rng(seed).random(means.shape) < means).astype(np.float32)


def sharpness(images) -> float:
    """Mean squared difference of horizontally and vertically neighbouring pixels; images (N, H, W) in [0, 1].

    A blurred image has small differences between neighbours, so a lower value means a blurrier image.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {x.shape}")
    return float(0.5 * (np.diff(x, axis=1) ** 2).mean() + 0.5 * (np.diff(x, axis=2) ** 2).mean())


def wasserstein_1d(a, b) -> float:
    """W1 distance of two equal-size 1-D samples: mean |sorted a - sorted b|."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    if len(a) != len(b):
        raise ValueError("equal sample sizes expected")
    return float(np.abs(a - b).mean())


@dataclass
class ToyGANHistory:
    """Per step: discriminator loss, generator loss (nats), W1 distance of G's samples to the data."""

    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    w1: list[float] = field(default_factory=list)
    params: tuple[float, float] = (0.0, 0.0)


def train_toy_gan(steps: int = 3000, batch: int = 256, mean: float = 2.0, std: float = 1.0, lr: float = 0.2,
                  seed: int = 0) -> ToyGANHistory:
    """A 1-D GAN: data N(mean, std^2); G(z) = a z + b with z ~ N(0, 1); D(x) = sigmoid(c2 x^2 + c1 x + c0).

    Losses (nats, Goodfellow et al. 2014): L_D = -E log D(x) - E log(1 - D(G(z))), L_G = -E log D(G(z)).
    At the equilibrium (G matches the data, D = 1/2 everywhere) L_D = 2 ln 2 and L_G = ln 2: the losses
    settle there rather than falling to zero. Plain simultaneous gradient steps; the discriminator's
    features are standardised by fixed scales so one learning rate fits both players.
    """
    rng = np.random.default_rng(seed)
    a, b = 1.0, 0.0                        # G starts as N(0, 1)
    c = np.zeros(3)                        # D's weights on (x^2 / s2, x / s1, 1)
    s2, s1 = (mean**2 + std**2) + 1.0, abs(mean) + 1.0
    history = ToyGANHistory()
    w_ref = rng.normal(mean, std, 4096)

    def features(x):
        return np.stack([x**2 / s2, x / s1, np.ones_like(x)], axis=1)

    for _ in range(steps):
        real = rng.normal(mean, std, batch)
        z = rng.normal(size=batch)
        fake = a * z + b
        fr, ff = features(real) @ c, features(fake) @ c
        dr, df = expit(fr), expit(ff)
        d_loss = -np.mean(np.log(dr + 1e-12)) - np.mean(np.log1p(-df + 1e-12))
        g_loss = -np.mean(np.log(df + 1e-12))
        grad_c = -((1 - dr)[:, None] * features(real)).mean(0) + (df[:, None] * features(fake)).mean(0)
        dfdx = 2 * c[0] * fake / s2 + c[1] / s1                                   # d f / d x at the fakes
        dl_dx = -(1 - df) * dfdx / batch                                            # d L_G / d x_i
        grad_a, grad_b = float((dl_dx * z).sum()), float(dl_dx.sum())
        c -= lr * grad_c
        a, b = a - lr * grad_a, b - lr * grad_b
        history.d_loss.append(float(d_loss))
        history.g_loss.append(float(g_loss))
        history.w1.append(wasserstein_1d(a * rng.normal(size=len(w_ref)) + b, w_ref))
    history.params = (float(a), float(b))
    return history


EQUILIBRIUM_D_LOSS = 2 * math.log(2)       # L_D when D(x) = 1/2 everywhere
EQUILIBRIUM_G_LOSS = math.log(2)           # L_G when D(x) = 1/2 everywhere
