"""Memorisation: how many samples are near copies of a training image?

Distances are Euclidean in pixel space (images scaled to [0, 1], flattened).
The threshold is a *typical small distance between two distinct real images*:
by default (:func:`near_copy_threshold`) the 5th percentile of the leave-one-out
nearest-neighbour distances within the training split, i.e. the distance below
which only the 5 % closest pairs "training image -> its nearest *other*
training image" fall. A sample closer than that to some training image is
closer than almost any two distinct real digits are: a near copy. Held-out real
test digits fall below it now and then too; their share (``near_copy_share_real``
of :func:`book_utils.metrics.evaluate_samples`) is the honest floor a good model
should match, neither beat by much nor exceed by much.
"""

from __future__ import annotations

import numpy as np

from book_utils.metrics.checks import flatten
from book_utils.metrics.precision_recall import pairwise_distances

NEAR_COPY_PERCENTILE = 5.0


def nearest_train(samples, train) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each sample to its nearest training image, and that image's index.

    samples: N x H x W (or N x D); train: M x H x W (same pixel count). Returns (N,), (N,).
    """
    a, b = flatten(np.asarray(samples, dtype=np.float64)), flatten(np.asarray(train, dtype=np.float64))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"samples have {a.shape[1]} pixels each, train images {b.shape[1]}")
    dist, index = np.empty(len(a)), np.empty(len(a), dtype=np.int64)
    for start, block in pairwise_distances(a, b, chunk=1024):
        idx = block.argmin(axis=1)
        index[start:start + len(block)] = idx
        dist[start:start + len(block)] = block[np.arange(len(block)), idx]
    return dist, index


def near_copy_threshold(train, percentile: float = NEAR_COPY_PERCENTILE, max_queries: int = 2000,
                        seed: int = 0) -> float:
    """The ``percentile``-th percentile of leave-one-out nearest-neighbour distances in ``train``.

    For large training sets (MNIST) a random subset of ``max_queries`` training images is
    matched against all the others (the percentile barely moves; the cost drops by the factor
    ``len(train) / max_queries``).
    """
    x = flatten(np.asarray(train, dtype=np.float64))
    if len(x) < 2:
        raise ValueError(f"need at least 2 training images to find a typical distance, got {len(x)}")
    queries = np.arange(len(x))
    if len(x) > max_queries:
        queries = np.sort(np.random.default_rng(seed).choice(len(x), max_queries, replace=False))
    loo = np.empty(len(queries))
    for start, block in pairwise_distances(x[queries], x, chunk=1024):
        rows = np.arange(len(block))
        block[rows, queries[start:start + len(block)]] = np.inf  # not the image itself
        loo[start:start + len(block)] = block.min(axis=1)
    return float(np.percentile(loo, percentile))


def near_copy_share(samples, train, threshold: float) -> float:
    """Share of samples whose nearest training image is closer than ``threshold`` (pixel L2)."""
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative distance, got {threshold!r}")
    dist, _ = nearest_train(samples, train)
    return float((dist < threshold).mean())


def show_nearest_training(samples, train, n: int = 8, threshold: float | None = None, title=None):
    """Figure: ``n`` samples (top row) above their nearest training images (bottom row).

    Each column is titled with the pixel distance; distances under ``threshold`` (near
    copies) are marked with '*'. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    samples = np.asarray(samples, dtype=np.float64)[:n]
    train = np.asarray(train, dtype=np.float64)
    if samples.ndim == 4 and samples.shape[-1] == 1:
        samples = samples[..., 0]
    dist, index = nearest_train(samples, train)
    fig, axes = plt.subplots(2, len(samples), figsize=(1.1 * len(samples), 2.6), squeeze=False)
    for j, (img, d, i) in enumerate(zip(samples, dist, index)):
        mark = "*" if threshold is not None and d < threshold else ""
        axes[0, j].imshow(img, cmap="gray_r", vmin=0, vmax=1)
        axes[0, j].set_title(f"{d:.2f}{mark}", fontsize=8)
        axes[1, j].imshow(train[i].reshape(img.shape), cmap="gray_r", vmin=0, vmax=1)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[0, 0].set_ylabel("sample", fontsize=8)
    axes[1, 0].set_ylabel("nearest\ntrain", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
