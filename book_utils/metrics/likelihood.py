"""Likelihood bookkeeping: nats per image, bits per dimension, and the conversions.

A model's test negative log-likelihood (NLL) is reported in nats per image (natural
log, summed over the image's D pixels, averaged over images). Papers on images often
report bits per dimension instead: bpd = nats / (D ln 2). Lower is better for both.
Binary images (digits binarized at pixel >= 8, D = 64) have a ceiling of D ln 2 nats
(1 bit per dimension: a fair coin per pixel).
"""

from __future__ import annotations

import math

import numpy as np

LN2 = math.log(2.0)


def _check_dims(dims) -> int:
    if not isinstance(dims, (int, np.integer)) or dims < 1:
        raise ValueError(f"dims must be a positive integer (pixels per image, e.g. 64 for 8x8), got {dims!r}")
    return int(dims)


def nats_to_bits(nats):
    """Nats -> bits (divide by ln 2)."""
    return np.asarray(nats, dtype=np.float64) / LN2 if np.ndim(nats) else float(nats) / LN2


def bits_to_nats(bits):
    """Bits -> nats (multiply by ln 2)."""
    return np.asarray(bits, dtype=np.float64) * LN2 if np.ndim(bits) else float(bits) * LN2


def nats_to_bits_per_dim(nats, dims: int):
    """NLL in nats per image -> bits per dimension (pixel)."""
    return nats_to_bits(nats) / _check_dims(dims)


def bits_per_dim_to_nats(bpd, dims: int):
    """Bits per dimension -> NLL in nats per image."""
    return bits_to_nats(bpd) * _check_dims(dims)


def uniform_nats(dims: int, levels: int = 2) -> float:
    """NLL (nats per image) of the uniform model over ``levels`` values per pixel: D ln(levels).

    With levels = 2 this is the coin-flip ceiling for binary images (1 bit per dimension).
    """
    if levels < 2:
        raise ValueError(f"levels must be at least 2, got {levels}")
    return _check_dims(dims) * math.log(levels)


def nll_summary(log_probs, dims: int) -> dict:
    """Summarise per-image log-likelihoods (nats; one value per test image).

    Returns ``nats_per_image`` (mean NLL), ``nats_sem`` (its standard error),
    ``bits_per_dim`` and ``n_images``. Raises ValueError on NaN or +inf log-likelihoods.
    """
    lp = np.asarray(log_probs, dtype=np.float64).ravel()
    if lp.size == 0:
        raise ValueError("log_probs is empty: pass one log-likelihood per test image")
    if np.isnan(lp).any() or (lp == np.inf).any():
        raise ValueError(f"log_probs contain {int((np.isnan(lp) | (lp == np.inf)).sum())} NaN or +inf "
                         "values: the model's likelihood is broken")
    nll = -lp.mean()
    sem = float(lp.std(ddof=1) / math.sqrt(lp.size)) if lp.size > 1 else float("nan")
    return {"nats_per_image": float(nll), "nats_sem": sem,
            "bits_per_dim": float(nats_to_bits_per_dim(nll, dims)), "n_images": int(lp.size)}
