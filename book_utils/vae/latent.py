"""Directing a generative model through its latent space (Section 6.1): paths, attributes, directions.

NumPy / SciPy only: the functions take latent codes and images as arrays, so they serve any model
with an encoder and a decoder (the book's VAE encodes with ``model.encode`` and decodes with
``torch.sigmoid(model.decode(z))``).

Shapes: L = latent size, T = steps along a path, N = images, H x W = image size, pixels in [0, 1].
"""

from __future__ import annotations

import numpy as np


def lerp(z0, z1, steps: int) -> np.ndarray:
    """Straight-line path from ``z0`` to ``z1`` (each (L,)): (steps, L), both ends included."""
    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return (1.0 - t) * z0 + t * z1


def slerp(z0, z1, steps: int) -> np.ndarray:
    """Spherical path from ``z0`` to ``z1`` (each (L,)): (steps, L), both ends included.

    Follows the great circle between the two directions while the norm changes linearly from |z0| to
    |z1| (White 2016, "Sampling generative networks"): a straight line cuts through the low-norm middle
    of a Gaussian prior, where few training codes lie; this path keeps a typical norm all the way.
    """
    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if n0 == 0 or n1 == 0:
        return lerp(z0, z1, steps)
    u0, u1 = z0 / n0, z1 / n1
    omega = np.arccos(np.clip(u0 @ u1, -1.0, 1.0))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if omega < 1e-6:                               # (almost) the same direction: nothing to turn
        unit = (1.0 - t) * u0 + t * u1
    else:
        unit = (np.sin((1.0 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)
    return unit * ((1.0 - t) * n0 + t * n1)


def ink(images) -> np.ndarray:
    """Amount of ink per image: the mean pixel value, (N,) in [0, 1] (stroke thickness and size)."""
    x = np.asarray(images, dtype=np.float64)
    return x.reshape(len(x), -1).mean(axis=1)


def slant(images) -> np.ndarray:
    """Slant per image, (N,): how far the ink moves right per row going up (a shear, pixels per row).

    The ink-weighted regression slope of column on row, with its sign flipped because rows count
    downwards: positive for a digit whose top leans to the right, as in italic script; 0 for upright.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"slant needs images (N, H, W), got shape {x.shape}")
    n, h, w = x.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    mass = x.sum(axis=(1, 2)) + 1e-12
    r_mean = (x * rows).sum(axis=(1, 2)) / mass
    c_mean = (x * cols).sum(axis=(1, 2)) / mass
    dr = rows[None] - r_mean[:, None, None]
    dc = cols[None] - c_mean[:, None, None]
    cov = (x * dr * dc).sum(axis=(1, 2)) / mass
    var = (x * dr * dr).sum(axis=(1, 2)) / mass + 1e-12
    return -cov / var


def attribute_direction(codes, values) -> np.ndarray:
    """Unit direction (L,) in latent space along which a measured attribute grows.

    codes: (N, L) latent codes of real images; values: (N,) the attribute measured on those images.
    The least-squares fit values ~ codes @ w + b gives w: the direction the attribute changes fastest
    under a linear model (the simplest of the "attribute vectors" of Larsen et al. 2016 and White 2016).
    """
    z = np.asarray(codes, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if z.ndim != 2 or v.shape != (len(z),):
        raise ValueError(f"codes must be (N, L) and values (N,), got {z.shape} and {v.shape}")
    zc, vc = z - z.mean(axis=0), v - v.mean()
    w, *_ = np.linalg.lstsq(zc, vc, rcond=None)
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("the attribute does not vary linearly with the codes: no direction to follow")
    return w / norm


def walk(z, direction, amounts) -> np.ndarray:
    """Codes ``z + a * direction`` for each a in ``amounts``: z (L,), direction (L,) -> (len(amounts), L)."""
    z, d = np.asarray(z, dtype=np.float64), np.asarray(direction, dtype=np.float64)
    return z[None, :] + np.asarray(amounts, dtype=np.float64)[:, None] * d[None, :]


def softmax(logits) -> np.ndarray:
    """Row-wise softmax of (N, C) logits: class probabilities (N, C)."""
    a = np.asarray(logits, dtype=np.float64)
    a = np.exp(a - a.max(axis=1, keepdims=True))
    return a / a.sum(axis=1, keepdims=True)
