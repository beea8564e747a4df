"""Small generated distributions for the algorithm chapters (1-D and 2-D).

Every sampler takes an explicit ``seed`` (or a NumPy ``Generator``) and returns
float64 arrays; every density is the exact one, so a chapter can compare a
model with the truth.
"""

from __future__ import annotations

import numpy as np


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_mixture(means, stds, weights):
    means = np.asarray(means, dtype=float)
    if len(means) == 0:
        raise ValueError("a mixture needs at least one component")
    stds = np.broadcast_to(np.asarray(stds, dtype=float), means.shape[:1]).copy()
    if weights is None:
        weights = np.full(len(means), 1.0 / len(means))
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(means),) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be {len(means)} non-negative numbers summing to 1, got {weights}")
    if np.any(stds <= 0):
        raise ValueError(f"standard deviations must be positive, got {stds}")
    return means, stds, weights


def gaussian_mixture_1d(n: int, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None, seed=0):
    """Draw ``n`` points from a 1-D Gaussian mixture. Returns (x [n], component [n])."""
    means, stds, weights = _check_mixture(means, stds, weights)
    rng = _rng(seed)
    comp = rng.choice(len(means), size=n, p=weights)
    return rng.normal(means[comp], stds[comp]), comp


def gaussian_mixture_1d_pdf(x, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None):
    """Exact density of :func:`gaussian_mixture_1d` at ``x`` (any shape)."""
    means, stds, weights = _check_mixture(means, stds, weights)
    x = np.asarray(x, dtype=float)[..., None]
    comps = np.exp(-0.5 * ((x - means) / stds) ** 2) / (stds * np.sqrt(2 * np.pi))
    return comps @ weights


def gaussian_mixture_2d(n: int, means, std=0.1, weights=None, seed=0):
    """Draw ``n`` points from an isotropic 2-D Gaussian mixture.

    ``means`` is K x 2; ``std`` a scalar or K values. Returns (x [n, 2], component [n]).
    """
    means = np.asarray(means, dtype=float)
    if means.ndim != 2 or means.shape[1] != 2:
        raise ValueError(f"means must be K x 2, got shape {means.shape}")
    _, stds, weights = _check_mixture(means[:, 0], std, weights)
    rng = _rng(seed)
    comp = rng.choice(len(means), size=n, p=weights)
    return means[comp] + rng.normal(size=(n, 2)) * stds[comp, None], comp


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``modes`` x 2 centres of a ring of Gaussians, evenly spaced on a circle."""
    if modes < 1:
        raise ValueError(f"modes must be at least 1, got {modes}")
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed=0):
    """The classic GAN toy: ``modes`` equal Gaussians on a circle. Returns (x [n, 2], mode [n])."""
    return gaussian_mixture_2d(n, ring_centers(modes, radius), std=std, seed=seed)
