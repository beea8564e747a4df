"""Sampling from a density, and learning one, from scratch in NumPy (Section 2.1).

A generative model is two things: a way to say how likely a point is (a
density p(x)) and a way to draw new points from it (a sampler). This module
builds both with nothing but NumPy, so Chapter 2 can check every step against
the exact densities of :mod:`book_utils.basics.toy`:

* :func:`inverse_cdf_sample`: turn uniform numbers into draws from any 1-D
  density given on a grid (numerical inverse of the cumulative distribution);
* :func:`rejection_sample`: accept or reject proposals so the kept ones follow
  the target density;
* :class:`HistogramDensity`: the simplest model *learned* from data, in 1-D or
  2-D, with a density, a log-likelihood and a sampler;
* :func:`ks_statistic` and :func:`histogram_distance`: how far samples are from
  the truth.
"""

from __future__ import annotations

import math

import numpy as np


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_n(n) -> int:
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of samples must be a positive integer, got {n!r}")
    return int(n)


def gaussian_mixture_1d_cdf(x, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None):
    """Exact cumulative distribution P(X <= x) of :func:`book_utils.basics.toy.gaussian_mixture_1d`.

    ``x`` any shape; returns floats in [0, 1] of the same shape.
    """
    means = np.asarray(means, dtype=float)
    stds = np.broadcast_to(np.asarray(stds, dtype=float), means.shape).copy()
    weights = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, float)
    if weights.shape != means.shape or not np.isclose(weights.sum(), 1.0) or np.any(stds <= 0):
        raise ValueError("need one positive std and one weight per mean, weights summing to 1")
    z = (np.asarray(x, dtype=float)[..., None] - means) / (stds * math.sqrt(2.0))
    erf = np.vectorize(math.erf, otypes=[float])
    return (0.5 * (1.0 + erf(z))) @ weights


def grid_cdf(grid, pdf_values) -> np.ndarray:
    """Cumulative distribution on ``grid`` [G] from density values [G] (trapezoid rule, ends at 1)."""
    grid = np.asarray(grid, dtype=float)
    pdf_values = np.asarray(pdf_values, dtype=float)
    if grid.ndim != 1 or grid.shape != pdf_values.shape or len(grid) < 2:
        raise ValueError(f"grid and pdf_values must be 1-D of equal length >= 2, got {grid.shape} "
                         f"and {pdf_values.shape}")
    if np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be strictly increasing")
    if np.any(pdf_values < 0) or not np.all(np.isfinite(pdf_values)):
        raise ValueError("density values must be finite and non-negative")
    areas = 0.5 * (pdf_values[1:] + pdf_values[:-1]) * np.diff(grid)
    cdf = np.concatenate([[0.0], np.cumsum(areas)])
    if cdf[-1] <= 0:
        raise ValueError("the density is zero everywhere on the grid; widen the grid")
    return cdf / cdf[-1]


def inverse_cdf_sample(pdf, n: int, low: float, high: float, grid_size: int = 4001, seed=0):
    """Draw ``n`` points from a 1-D density on [low, high] by inverting its CDF. Returns [n].

    ``pdf`` maps an array of x values to density values (it need not be
    normalised). If U ~ Uniform(0, 1) and F is the CDF, then F^{-1}(U) has
    density p: the sampler tabulates F on a grid and inverts it by linear
    interpolation, so its only error is the grid's resolution.
    """
    n = _check_n(n)
    if not high > low:
        raise ValueError(f"need low < high, got [{low}, {high}]")
    grid = np.linspace(low, high, grid_size)
    cdf = grid_cdf(grid, pdf(grid))
    u = _rng(seed).uniform(size=n)
    return np.interp(u, cdf, grid)


def rejection_sample(pdf, n: int, proposal_sample, proposal_pdf, bound: float, seed=0,
                     max_rounds: int = 1000):
    """Draw ``n`` points from ``pdf`` by rejection. Returns (samples [n, ...], acceptance rate).

    ``proposal_sample(rng, m)`` draws m proposals, ``proposal_pdf(x)`` is their
    density and ``bound`` is an M with pdf(x) <= M * proposal_pdf(x) everywhere.
    A proposal x is kept with probability pdf(x) / (M proposal_pdf(x)); the kept
    points follow pdf exactly and, for a normalised pdf, about 1/M are kept.
    """
    n = _check_n(n)
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound}")
    rng = _rng(seed)
    kept, proposed, accepted = [], 0, 0
    for _ in range(max_rounds):
        m = max(2 * (n - accepted), 64)
        x = proposal_sample(rng, m)
        target, envelope = pdf(x), bound * proposal_pdf(x)
        if np.any(target > envelope * (1 + 1e-9)):
            raise ValueError("pdf(x) > bound * proposal_pdf(x) at some proposal: the bound is too small")
        keep = rng.uniform(size=m) * envelope < target
        kept.append(x[keep])
        proposed += m
        accepted += int(keep.sum())
        if accepted >= n:
            return np.concatenate(kept)[:n], accepted / proposed
    raise RuntimeError(f"only {accepted} of {n} samples accepted after {max_rounds} rounds; "
                       "the proposal hardly overlaps the target")


class HistogramDensity:
    """A density learned by counting: constant inside each bin of a 1-D or 2-D grid.

    ``fit(x)`` with x of shape [N] or [N, D] (D = 1 or 2) counts points per bin;
    ``pdf`` and ``log_prob`` give the density (per unit length or area);
    ``sample`` picks a bin with probability count / N, then a uniform point in it.
    ``alpha`` adds a pseudo-count to every bin so unseen bins keep a small,
    non-zero density (otherwise one test point in an empty bin gives log 0).
    """

    def __init__(self, bins=30, bounds=None, alpha: float = 0.0):
        if alpha < 0:
            raise ValueError(f"alpha (pseudo-count per bin) must be >= 0, got {alpha}")
        self.bins, self.bounds, self.alpha = bins, bounds, alpha
        self.edges = self.probs = None

    @staticmethod
    def _as_2d(x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[1] not in (1, 2):
            raise ValueError(f"points must be [N] or [N, D] with D in (1, 2), got shape {x.shape}")
        return x

    def fit(self, x) -> HistogramDensity:
        x = self._as_2d(x)
        if len(x) == 0:
            raise ValueError("cannot fit a histogram to zero points")
        bounds = self.bounds
        if bounds is None:
            bounds = [(lo, hi) for lo, hi in zip(x.min(0), x.max(0))]
        bounds = np.broadcast_to(np.asarray(bounds, dtype=float), (x.shape[1], 2))
        counts, edges = np.histogramdd(x, bins=self.bins, range=[tuple(b) for b in bounds])
        counts = counts + self.alpha
        self.edges = edges
        self.probs = counts / counts.sum()
        self.cell_volume = np.prod(np.meshgrid(*[np.diff(e) for e in edges], indexing="ij"), axis=0)
        return self

    def _check_fitted(self):
        if self.probs is None:
            raise RuntimeError("call fit(x) before using the histogram")

    def _cell_index(self, x):
        """Bin index per point, and a mask of points inside the grid."""
        inside = np.ones(len(x), dtype=bool)
        index = []
        for d, edges in enumerate(self.edges):
            inside &= (x[:, d] >= edges[0]) & (x[:, d] <= edges[-1])
            index.append(np.clip(np.searchsorted(edges, x[:, d], side="right") - 1, 0, len(edges) - 2))
        return tuple(index), inside

    def pdf(self, x) -> np.ndarray:
        """Density at points x ([N] or [N, D]); 0 outside the grid. Returns [N]."""
        self._check_fitted()
        x = self._as_2d(x)
        if x.shape[1] != len(self.edges):
            raise ValueError(f"fitted on {len(self.edges)}-D points, got {x.shape[1]}-D")
        index, inside = self._cell_index(x)
        return np.where(inside, self.probs[index] / self.cell_volume[index], 0.0)

    def log_prob(self, x) -> np.ndarray:
        """Natural-log density at x; -inf where the density is 0. Returns [N]."""
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def sample(self, n: int, seed=0) -> np.ndarray:
        """Draw ``n`` points: a bin with probability p(bin), then uniformly inside it. Returns [n, D]."""
        self._check_fitted()
        n = _check_n(n)
        rng = _rng(seed)
        flat = rng.choice(self.probs.size, size=n, p=self.probs.ravel())
        index = np.unravel_index(flat, self.probs.shape)
        columns = [e[i] + rng.uniform(size=n) * (e[i + 1] - e[i]) for e, i in zip(self.edges, index)]
        return np.stack(columns, axis=1)


def ks_statistic(samples, cdf) -> float:
    """Kolmogorov-Smirnov distance sup_x |F_n(x) - F(x)| between samples [N] and a true CDF.

    F_n jumps by 1/N at each sorted sample, so the sup is taken just before and
    at every jump. For N points from F itself it is about 0.87 / sqrt(N) on average.
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    if len(x) == 0:
        raise ValueError("need at least one sample")
    n = len(x)
    f = np.asarray(cdf(x), dtype=float)
    above = np.arange(1, n + 1) / n - f
    below = f - np.arange(n) / n
    return float(max(above.max(), below.max()))


def histogram_distance(samples, cdf, bins: int = 50, low: float | None = None,
                       high: float | None = None) -> float:
    """Total-variation distance (0..1) between binned samples [N] and the true bin probabilities.

    Points outside [low, high] count as their own bin, so mass that the sampler
    puts in the wrong place is never lost.
    """
    x = np.asarray(samples, dtype=float).ravel()
    if len(x) == 0:
        raise ValueError("need at least one sample")
    low = x.min() if low is None else low
    high = x.max() if high is None else high
    edges = np.linspace(low, high, bins + 1)
    counts = np.histogram(x, bins=edges)[0]
    empirical = np.concatenate([counts, [len(x) - counts.sum()]]) / len(x)
    true_cdf = np.asarray(cdf(edges), dtype=float)
    true = np.concatenate([np.diff(true_cdf), [1.0 - (true_cdf[-1] - true_cdf[0])]])
    return float(0.5 * np.abs(empirical - true).sum())
