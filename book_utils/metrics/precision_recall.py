"""Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and
recall metric for assessing generative models", NeurIPS).

Each set's manifold is the union of balls around its points, each ball's radius
the distance to the point's k-th nearest neighbour in the same set (k = 3 in the
paper). Precision = share of generated points inside the real manifold (are the
samples realistic?); recall = share of real points inside the generated manifold
(do the samples cover the data?).
"""

from __future__ import annotations

import numpy as np

from book_utils.metrics.checks import check_features


def pairwise_distances(a: np.ndarray, b: np.ndarray, chunk: int = 4096):
    """Euclidean distances of the rows of ``a`` (N x D) to all rows of ``b`` (M x D), in blocks.

    Yields (start, block): block is min(chunk, N - start) x M, the distances of rows
    ``a[start:start + chunk]``; memory stays at ``chunk * M`` floats.
    """
    b_sq = np.einsum("ij,ij->i", b, b)
    for start in range(0, len(a), chunk):
        block = a[start:start + chunk]
        sq = np.einsum("ij,ij->i", block, block)[:, None] + b_sq[None, :] - 2.0 * block @ b.T
        yield start, np.sqrt(np.clip(sq, 0.0, None))


def knn_radii(feats, k: int = 3) -> np.ndarray:
    """Distance from each row of ``feats`` (N x D) to its k-th nearest other row, shape (N,)."""
    feats = check_features(feats, "features")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if len(feats) < k + 1:
        raise ValueError(f"need at least k + 1 = {k + 1} points to find each one's {k}-th nearest "
                         f"neighbour, got {len(feats)}")
    radii = np.empty(len(feats))
    for start, dist in pairwise_distances(feats, feats):
        # column 0 after partitioning is the point itself (distance 0)
        radii[start:start + len(dist)] = np.partition(dist, k, axis=1)[:, k]
    return radii


def share_inside(points, centres, radii) -> float:
    """Share of ``points`` within distance ``radii[j]`` of at least one ``centres[j]``."""
    inside = np.zeros(len(points), dtype=bool)
    for start, dist in pairwise_distances(points, centres):
        inside[start:start + len(dist)] = (dist <= radii[None, :]).any(axis=1)
    return float(inside.mean())


def precision_recall(real_feats, fake_feats, k: int = 3, real_radii=None) -> tuple[float, float]:
    """Improved (precision, recall) of fake features N_f x D against real features N_r x D.

    ``real_radii`` (the real set's k-NN radii) may be passed in when cached.
    """
    real = check_features(real_feats, "real_feats")
    fake = check_features(fake_feats, "fake_feats")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_feats have {real.shape[1]} features per row, fake_feats have "
                         f"{fake.shape[1]}: compute both with the same feature map")
    for name, f in (("real_feats", real), ("fake_feats", fake)):
        if len(f) < k + 1:
            raise ValueError(f"{name}: got {len(f)} points, need at least k + 1 = {k + 1} "
                             f"(each point's {k}-th nearest neighbour defines its ball)")
    real_radii = knn_radii(real, k) if real_radii is None else np.asarray(real_radii, dtype=np.float64)
    if real_radii.shape != (len(real),):
        raise ValueError(f"real_radii must have shape ({len(real)},), got {real_radii.shape}")
    precision = share_inside(fake, real, real_radii)
    recall = share_inside(real, fake, knn_radii(fake, k))
    return precision, recall
