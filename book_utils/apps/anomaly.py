"""Anomaly and out-of-distribution detection with a likelihood model's scores (NumPy only).

A model p(x) trained on in-distribution data flags an input as anomalous when log p(x) is low.
Nalisnick et al. 2019 ("Do deep generative models know what they don't know?") showed that this
fails when the out-of-distribution data are *simpler*: they get a higher likelihood. Their
follow-up (Nalisnick et al. 2019, "Detecting out-of-distribution inputs to deep generative models
using typicality") tests whether a batch's mean log-likelihood lies in the typical set, i.e. near
the training data's mean, flagging batches that are too likely as well as too unlikely.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def auroc(inlier_scores, outlier_scores) -> float:
    """Area under the ROC curve for anomaly scores (higher = more anomalous), in [0, 1].

    The probability that a random outlier scores higher than a random inlier (ties count one half):
    1 separates perfectly, 0.5 is chance, below 0.5 ranks the outliers as *more* normal.
    """
    a = np.asarray(inlier_scores, dtype=np.float64).ravel()
    b = np.asarray(outlier_scores, dtype=np.float64).ravel()
    if not len(a) or not len(b):
        raise ValueError("auroc needs at least one inlier and one outlier score")
    ranks = rankdata(np.concatenate([a, b]))                      # Mann-Whitney U, ties averaged
    return float((ranks[len(a):].sum() - len(b) * (len(b) + 1) / 2) / (len(a) * len(b)))


def flip_pixels(x: np.ndarray, share: float, seed: int = 0) -> np.ndarray:
    """Binary images (N, ...) with each pixel flipped independently with probability ``share``."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x)
    return np.abs(x - (rng.random(x.shape) < share)).astype(np.float32)


def binary_patches(image: np.ndarray, size: int = 8, block: int = 2, step: int = 8) -> np.ndarray:
    """Cut a grey image (H, W) or RGB (H, W, 3) into (N, size * size) binary patches.

    Each window of (size * block) pixels, taken every ``step`` pixels, is averaged over block x block
    cells to size x size, then binarized at its own mean (ink = darker or lighter than the patch's
    average: an edge map of the texture, whatever the patch's brightness).
    """
    grey = np.asarray(image, dtype=np.float64)
    if grey.ndim == 3:
        grey = grey.mean(axis=2)
    span = size * block
    corners = [(i, j) for i in range(0, grey.shape[0] - span + 1, step)
               for j in range(0, grey.shape[1] - span + 1, step)]
    out = [grey[i:i + span, j:j + span].reshape(size, block, size, block).mean(axis=(1, 3))
           for i, j in corners]
    flat = np.asarray(out).reshape(len(out), -1)
    return (flat > flat.mean(axis=1, keepdims=True)).astype(np.float32)


def boundary_share(x: np.ndarray, size: int = 8) -> np.ndarray:
    """(N, size * size) binary images -> (N,) share of neighbouring pixel pairs that differ, in [0, 1].

    A model-free measure of how complex an image is: 0 for a constant image, small for a few smooth
    blobs, about one half for random pixels.
    """
    b = np.asarray(x).reshape(len(x), size, size)
    across = (b[:, :, 1:] != b[:, :, :-1]).sum(axis=(1, 2))
    down = (b[:, 1:, :] != b[:, :-1, :]).sum(axis=(1, 2))
    return (across + down) / (2 * size * (size - 1))


def typicality_scores(log_probs: np.ndarray, train_mean: float, batch: int = 1, n_batches: int = 500,
                      seed: int = 0) -> np.ndarray:
    """Typicality test statistic |mean log p over a batch - train_mean| (nats), higher = less typical.

    With ``batch = 1`` one score per input (N,); with ``batch = M > 1``, ``n_batches`` random batches
    of M inputs each are drawn without replacement inside a batch, and one score per batch is returned.
    """
    lp = np.asarray(log_probs, dtype=np.float64).ravel()
    if batch == 1:
        return np.abs(lp - train_mean)
    if batch > len(lp):
        raise ValueError(f"batch {batch} is larger than the {len(lp)} scores")
    rng = np.random.default_rng(seed)
    means = np.array([lp[rng.choice(len(lp), batch, replace=False)].mean() for _ in range(n_batches)])
    return np.abs(means - train_mean)
