"""Tests of book_utils.gan.clusters: k-means clusters of the data for a cluster-conditioned GAN."""

import numpy as np
import pytest

from book_utils.gan.clusters import cluster_sizes, draw_clusters, kmeans_clusters


def _three_blobs(n_per=40, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * 4, [5.0] * 4, [-5.0, 5.0, -5.0, 5.0]])
    return np.concatenate([c + 0.1 * rng.standard_normal((n_per, 4)) for c in centres]), n_per


def test_kmeans_finds_separated_groups_and_is_seeded():
    x, n_per = _three_blobs()
    labels = kmeans_clusters(x.reshape(-1, 2, 2), 3, seed=1)  # images N x H x W are flattened
    assert labels.dtype == np.int32 and labels.shape == (3 * n_per,)
    for group in range(3):   # every blob is one cluster, and the three clusters differ
        assert len(set(labels[group * n_per:(group + 1) * n_per])) == 1
    assert len(set(labels)) == 3
    np.testing.assert_array_equal(labels, kmeans_clusters(x, 3, seed=1))


def test_cluster_sizes_and_draws_follow_the_sizes():
    sizes = cluster_sizes(np.array([0, 2, 2, 2, 0, 2]), 4)
    np.testing.assert_array_equal(sizes, [2, 0, 4, 0])
    draws = draw_clusters(sizes, 30_000, seed=3)
    assert draws.dtype == np.int32
    shares = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(shares, [1 / 3, 0, 2 / 3, 0], atol=0.01)
    np.testing.assert_array_equal(draws, draw_clusters(sizes, 30_000, seed=3))


def test_bad_cluster_inputs():
    x = np.zeros((5, 2, 2))
    with pytest.raises(ValueError, match="cannot split 5 images into 6 clusters"):
        kmeans_clusters(x, 6)
    with pytest.raises(ValueError, match="positive integer"):
        kmeans_clusters(x, 0)
    with pytest.raises(ValueError, match="NaN"):
        kmeans_clusters(np.full((5, 2, 2), np.nan), 2)
    with pytest.raises(ValueError, match=r"integers in \[0, 2\)"):
        cluster_sizes(np.array([0, 1, 2]), 2)
    with pytest.raises(ValueError, match="positive total"):
        draw_clusters([0, 0], 3)
