"""Detecting generated images (book_utils.apps.detect): AUROC, its bootstrap, near copies."""

import numpy as np
import pytest

from book_utils.apps import detect


def test_auroc_and_bootstrap():
    labels = np.array([0, 0, 1, 1])
    assert detect.auroc(labels, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert detect.auroc(labels, [0.9, 0.8, 0.2, 0.1]) == 0.0
    rng = np.random.default_rng(0)
    y = rng.integers(2, size=400)
    auc, lo, hi = detect.bootstrap_auroc(y, rng.random(400), n_boot=200)
    assert lo < auc < hi and lo < 0.5 < hi and hi - lo < 0.2


def test_detector_separates_shifted_images_and_not_identical_ones():
    rng = np.random.default_rng(0)
    real = rng.random((600, 8, 8))
    same = rng.random((600, 8, 8))
    brighter = np.clip(rng.random((600, 8, 8)) + 0.15, 0, 1)
    for kind in detect.DETECTORS:
        y, s = detect.detector_scores(real, brighter, kind)
        assert detect.auroc(y, s) > 0.95
    y, s = detect.detector_scores(real, same, "logistic")
    assert abs(detect.auroc(y, s) - 0.5) < 0.1
    with pytest.raises(ValueError):
        detect.make_detector("forest")


def test_near_copies_of_copies_and_of_noise():
    rng = np.random.default_rng(1)
    train, heldout = rng.random((300, 8, 8)), rng.random((100, 8, 8))
    copies = detect.near_copies(train[:50] + 0.001, train, heldout)
    assert copies["share"] == 1.0 and copies["share_real"] < 0.2
    noise = detect.near_copies(rng.random((50, 8, 8)) * 0 + 0.5 + 2.0, train, heldout)
    assert noise["share"] == 0.0
    lo, hi = detect.binomial_interval(0.04, 1000)
    assert lo < 0.04 < hi and hi - lo < 0.03
