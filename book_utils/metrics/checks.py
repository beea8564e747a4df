"""Input checks shared by the metrics: bad input gets a ValueError that names the problem."""

from __future__ import annotations

import numpy as np


def check_images(x, name: str = "samples", image_shape: tuple[int, int] | None = None,
                 min_count: int = 1) -> np.ndarray:
    """Return ``x`` as float64 N x H x W in [0, 1], or raise a ValueError saying what is wrong.

    Accepts N x H x W or N x H x W x 1 (a trailing channel axis is dropped).
    """
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array N x H x W, could not convert it ({err})") from err
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"{name} must be images N x H x W (or N x H x W x 1), got shape {x.shape}")
    if image_shape is not None and tuple(x.shape[1:]) != tuple(image_shape):
        raise ValueError(f"{name} are {x.shape[1]}x{x.shape[2]} images but the reference data are "
                         f"{image_shape[0]}x{image_shape[1]}: evaluate against the dataset the model "
                         "was trained on")
    if len(x) < min_count:
        raise ValueError(f"{name}: got {len(x)} images, need at least {min_count}")
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"{name} contain {int(bad.sum())} NaN or infinite values (in "
                         f"{int(bad.reshape(len(x), -1).any(axis=1).sum())} images): the model "
                         "probably diverged; check its loss")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-6 or hi > 1 + 1e-6:
        raise ValueError(f"{name} must be floats in [0, 1], got values in [{lo:.3g}, {hi:.3g}]; "
                         "rescale GAN outputs in [-1, 1] with (x + 1) / 2, grey levels 0..16 with "
                         "x / 16, and clip")
    return np.clip(x, 0.0, 1.0)


def check_features(f, name: str, min_count: int = 2) -> np.ndarray:
    """Return ``f`` as float64 N x D, or raise a ValueError saying what is wrong."""
    try:
        f = np.asarray(f, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array N x D ({err})") from err
    if f.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array N x D (one feature vector per row), "
                         f"got shape {f.shape}")
    if len(f) < min_count:
        raise ValueError(f"{name}: got {len(f)} rows, need at least {min_count}")
    if not np.isfinite(f).all():
        raise ValueError(f"{name} contain {int((~np.isfinite(f)).sum())} NaN or infinite values")
    return f


def flatten(x: np.ndarray) -> np.ndarray:
    """N x H x W (or N x D) -> N x D."""
    x = np.asarray(x)
    return x.reshape(len(x), -1)
