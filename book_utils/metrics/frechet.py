"""The Fréchet distance between two Gaussians fitted to feature sets (FID's formula).

Heusel et al. (2017), "GANs trained by a two time-scale update rule converge to a
local Nash equilibrium" define the Fréchet Inception Distance as

    d^2 = |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

The book uses the same formula on the features of a small reference classifier
(not Inception), so the numbers are comparable within the book only.
"""

from __future__ import annotations

import numpy as np

from book_utils.metrics.checks import check_features


def gaussian_stats(feats) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D x D, unbiased) of features N x D."""
    feats = check_features(feats, "features", min_count=2)
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def _sqrtm_psd(cov: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance_from_stats(mu_a, cov_a, mu_b, cov_b) -> float:
    """Squared Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b).

    tr((S_a S_b)^(1/2)) is computed as the sum of square roots of the eigenvalues
    of the symmetric matrix S_a^(1/2) S_b S_a^(1/2) (same eigenvalues, no complex
    round-off as with a general matrix square root).
    """
    mu_a, mu_b = np.atleast_1d(mu_a).astype(np.float64), np.atleast_1d(mu_b).astype(np.float64)
    cov_a, cov_b = np.atleast_2d(cov_a).astype(np.float64), np.atleast_2d(cov_b).astype(np.float64)
    if mu_a.shape != mu_b.shape or cov_a.shape != cov_b.shape or cov_a.shape != mu_a.shape * 2:
        raise ValueError(f"mismatched Gaussian statistics: means {mu_a.shape} and {mu_b.shape}, "
                         f"covariances {cov_a.shape} and {cov_b.shape}")
    root_a = _sqrtm_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eig, 0.0, None)).sum()
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt
    return float(max(value, 0.0))


def frechet_distance(feats_a, feats_b) -> float:
    """Squared Fréchet distance between Gaussians fitted to features N_a x D and N_b x D."""
    feats_a = check_features(feats_a, "feats_a")
    feats_b = check_features(feats_b, "feats_b")
    if feats_a.shape[1] != feats_b.shape[1]:
        raise ValueError(f"feats_a have {feats_a.shape[1]} features per row, feats_b have "
                         f"{feats_b.shape[1]}: compute both with the same feature map")
    return frechet_distance_from_stats(*gaussian_stats(feats_a), *gaussian_stats(feats_b))
