"""k-means clusters of a training set, for a cluster-conditioned GAN (framework-free).

A GAN's generator maps one connected cloud of noise onto data that falls into separate groups
(ten digits, several styles of each); the samples it draws between the groups are the
unrealistic ones, and the groups it under-draws are the missed ones. Liu et al. (2020,
"Diverse image generation via self-conditioned generative adversarial networks", CVPR)
give both networks a cluster index found *without labels* and draw the clusters as often
as the data holds them; they re-cluster the discriminator's features during training, the
book clusters the pixels once, before training (simpler, and enough for 8 x 8 digits).
"""

from __future__ import annotations

import numpy as np


def kmeans_clusters(images, k: int, seed: int = 0) -> np.ndarray:
    """Cluster index in [0, k) of each image (N x H x W or N x D, any scale) -> (N,) int32.

    scikit-learn's k-means on the flattened pixels, 10 restarts, seeded: the same images,
    k and seed give the same clusters.
    """
    from sklearn.cluster import KMeans

    x = np.asarray(images, dtype=np.float64)
    x = x.reshape(len(x), -1)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the number of clusters must be a positive integer, got {k!r}")
    if k > len(x):
        raise ValueError(f"cannot split {len(x)} images into {k} clusters: ask for at most "
                         f"{len(x)} (the book uses about 30 images per cluster)")
    if not np.isfinite(x).all():
        raise ValueError("the images hold NaN or infinite pixels; clean the data before clustering")
    return KMeans(k, n_init=10, random_state=seed).fit_predict(x).astype(np.int32)


def cluster_sizes(labels, k: int) -> np.ndarray:
    """Number of images in each of the ``k`` clusters, (k,) int64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or (len(labels) and (labels.min() < 0 or labels.max() >= k)):
        values = f" with values {labels.min()}..{labels.max()}" if labels.size else ""
        raise ValueError(f"cluster labels must be a 1-d array of integers in [0, {k}), got shape "
                         f"{labels.shape}{values}")
    return np.bincount(labels.astype(np.int64), minlength=k)


def draw_clusters(sizes, n: int, seed: int = 0) -> np.ndarray:
    """``n`` cluster indices (n,) int32, each cluster drawn with probability size / total."""
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.ndim != 1 or len(sizes) == 0 or (sizes < 0).any() or sizes.sum() <= 0:
        raise ValueError(f"cluster sizes must be non-negative counts with a positive total, got {sizes}")
    rng = np.random.default_rng(seed)
    return rng.choice(len(sizes), size=int(n), p=sizes / sizes.sum()).astype(np.int32)
