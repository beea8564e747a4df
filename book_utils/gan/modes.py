"""Counting the modes a generator covers on a Gaussian-mixture toy (framework-free).

The measure follows the ring-of-Gaussians experiments of Metz et al. (2016,
unrolled GANs) and Srivastava et al. (2017, VEEGAN): a generated point is of
*high quality* when it lies within ``threshold`` (3) standard deviations of the
nearest mixture centre, and a mode is *covered* when enough high-quality points
fall next to it. We ask for ``min_count`` points rather than one, so that a
stray sample does not count as a captured mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModeReport:
    """What :func:`mode_coverage` measured.

    ``counts[k]`` is the number of high-quality samples next to centre ``k``;
    ``covered`` is the number of modes with at least ``min_count`` of them;
    ``high_quality`` is the share (0..1) of all samples that are high quality.
    """

    covered: int
    modes: int
    high_quality: float
    counts: np.ndarray
    n_samples: int

    def __str__(self) -> str:
        return (f"{self.covered}/{self.modes} modes covered, "
                f"{100 * self.high_quality:.1f}% high-quality samples (n={self.n_samples})")


def _check_points(samples, centers, std, threshold):
    samples = np.asarray(samples, dtype=float)
    centers = np.asarray(centers, dtype=float)
    if centers.ndim != 2 or len(centers) == 0:
        raise ValueError(f"centers must be a K x D array with K >= 1, got shape {centers.shape}")
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples must be an N x {centers.shape[1]} array (the centres' dimension), "
                         f"got shape {samples.shape}")
    if len(samples) == 0:
        raise ValueError("samples is empty: generate at least one point")
    if not (np.all(np.isfinite(samples)) and np.all(np.isfinite(centers))):
        raise ValueError("samples and centers must be finite (a NaN often means training diverged)")
    if not np.isscalar(std) or not std > 0:
        raise ValueError(f"std must be one positive number (the mixture's standard deviation), got {std!r}")
    if not threshold > 0:
        raise ValueError(f"threshold must be positive (in standard deviations), got {threshold!r}")
    return samples, centers


def nearest_mode(samples, centers, std: float, threshold: float = 3.0) -> np.ndarray:
    """Index of the nearest centre for each of the N samples, or -1 if it is farther than
    ``threshold * std`` from every centre (a low-quality sample). Returns int array [N]."""
    samples, centers = _check_points(samples, centers, std, threshold)
    dist = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)  # N x K
    index = dist.argmin(axis=1)
    index[dist[np.arange(len(samples)), index] > threshold * std] = -1
    return index


def mode_coverage(samples, centers, std: float, threshold: float = 3.0, min_count: int = 20
                  ) -> ModeReport:
    """Modes covered and share of high-quality samples (see the module docstring).

    ``samples`` N x D, ``centers`` K x D, ``std`` the mixture's standard deviation (same
    units as the samples). With 2,500 samples and 8 equal modes a covered mode holds
    about 312 points, so the default ``min_count=20`` only rejects stray samples.
    """
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    index = nearest_mode(samples, centers, std, threshold)
    counts = np.bincount(index[index >= 0], minlength=len(centers))
    return ModeReport(covered=int((counts >= min_count).sum()), modes=len(centers),
                      high_quality=float((index >= 0).mean()), counts=counts, n_samples=len(index))
