"""Likelihood-based anomaly detection helpers (book_utils.apps.anomaly, Section 6.3)."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from book_utils.apps import anomaly


def test_auroc_matches_sklearn_including_ties_and_extremes():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 200).astype(float), rng.integers(1, 7, 150).astype(float)
    expected = roc_auc_score(np.r_[np.zeros(200), np.ones(150)], np.r_[a, b])
    assert anomaly.auroc(a, b) == pytest.approx(expected, abs=1e-12)
    assert anomaly.auroc([0, 1], [2, 3]) == 1.0 and anomaly.auroc([2, 3], [0, 1]) == 0.0
    assert anomaly.auroc([1, 1], [1]) == 0.5
    with pytest.raises(ValueError):
        anomaly.auroc([], [1])


def test_flip_pixels_flips_the_requested_share():
    x = np.zeros((200, 64), dtype=np.float32)
    flipped = anomaly.flip_pixels(x, 0.1, seed=1)
    assert set(np.unique(flipped)) == {0.0, 1.0} and flipped.mean() == pytest.approx(0.1, abs=0.01)
    assert np.array_equal(anomaly.flip_pixels(np.ones((2, 3)), 1.0), np.zeros((2, 3)))


def test_binary_patches_shape_and_per_patch_threshold():
    image = np.zeros((32, 48, 3))
    image[:, 24:] = 200                                    # a vertical edge in the middle
    patches = anomaly.binary_patches(image, size=8, block=2, step=16)
    assert patches.shape == (2 * 3, 64)
    assert patches[0].sum() == 0                           # a flat patch has no pixel above its mean
    edge = anomaly.binary_patches(image[:16, 16:32], size=8, block=2, step=16)[0].reshape(8, 8)
    assert edge[:, :4].sum() == 0 and edge[:, 4:].all()


def test_boundary_share_of_constant_striped_and_random_images():
    blank = np.zeros((1, 64))
    stripes = np.tile(np.arange(8) % 2, (8, 1)).reshape(1, 64)          # every horizontal pair differs
    noise = (np.random.default_rng(0).random((200, 64)) < 0.5)
    assert anomaly.boundary_share(blank)[0] == 0 and anomaly.boundary_share(stripes)[0] == 0.5
    assert anomaly.boundary_share(noise).mean() == pytest.approx(0.5, abs=0.02)


def test_typicality_flags_too_likely_and_too_unlikely_inputs():
    lp = np.array([-10.0, -20.0, -30.0])
    assert np.allclose(anomaly.typicality_scores(lp, -20.0), [10, 0, 10])
    rng = np.random.default_rng(0)
    typical, too_likely = rng.normal(-20, 5, 400), rng.normal(-15, 5, 400)
    single = anomaly.auroc(anomaly.typicality_scores(typical, -20),
                           anomaly.typicality_scores(too_likely, -20))
    batched = anomaly.auroc(anomaly.typicality_scores(typical, -20, batch=20),
                            anomaly.typicality_scores(too_likely, -20, batch=20))
    assert single < 0.75 and batched > 0.99                 # batches average the per-input noise away
    with pytest.raises(ValueError):
        anomaly.typicality_scores(lp, 0.0, batch=4)
