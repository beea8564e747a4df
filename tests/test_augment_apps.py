"""Few-label augmentation helpers (book_utils.apps.augment, Section 6.3)."""

import numpy as np
import pytest
from scipy import stats

from book_utils.apps import augment


def test_few_labels_picks_each_class_evenly_and_depends_on_the_seed():
    labels = np.repeat(np.arange(3), 10)
    picked = augment.few_labels(labels, 4, seed=0)
    assert len(picked) == 12 and len(set(picked)) == 12
    assert np.array_equal(np.bincount(labels[picked]), [4, 4, 4])
    assert not np.array_equal(picked, augment.few_labels(labels, 4, seed=1))
    with pytest.raises(ValueError, match="fewer"):
        augment.few_labels(labels, 11)


def test_shift_images_moves_pixels_and_keeps_labels():
    image = np.zeros((1, 4, 4))
    image[0, 1, 2] = 1
    moved, labels = augment.shift_images(image, np.array([7]))
    assert moved.shape == (5, 4, 4) and labels.tolist() == [7] * 5
    assert np.array_equal(moved[0], image[0])
    positions = [tuple(np.argwhere(m)[0]) for m in moved[1:]]
    assert positions == [(1, 3), (1, 1), (2, 2), (0, 2)]       # right, left, down, up
    edge = np.zeros((1, 4, 4))
    edge[0, 0, 3] = 1
    assert augment.shift_images(edge, np.array([0]), shifts=((0, 1),))[0][1].sum() == 0   # shifted out


def test_classifier_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2, 2))
    y = (x[:, 0, 0] > 0).astype(int)
    assert augment.classifier_accuracy(x[:100], y[:100], x[100:], y[100:]) > 0.9


def test_mean_ci_matches_the_t_interval():
    values = [0.70, 0.72, 0.75, 0.71, 0.74]
    mean, half = augment.mean_ci(values)
    low, high = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(np.mean(values)) and half == pytest.approx((high - low) / 2)
    with pytest.raises(ValueError):
        augment.mean_ci([1.0])
