import numpy as np
import pytest

from book_utils.basics import toy


def test_ring_of_gaussians_shape_and_modes():
    x, mode = toy.ring_of_gaussians(4000, modes=8, radius=2.0, std=0.05, seed=0)
    assert x.shape == (4000, 2) and mode.shape == (4000,)
    centers = toy.ring_centers(8, 2.0)
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0)
    assert (x - centers[mode]).std() == pytest.approx(0.05, rel=0.1)
    assert np.bincount(mode, minlength=8).min() > 400


def test_seed_reproducible():
    a, _ = toy.gaussian_mixture_1d(10, seed=1)
    b, _ = toy.gaussian_mixture_1d(10, seed=1)
    np.testing.assert_array_equal(a, b)


def test_1d_pdf_integrates_to_one_and_matches_samples():
    grid = np.linspace(-8, 8, 4001)
    pdf = toy.gaussian_mixture_1d_pdf(grid, means=(-2, 1), stds=(0.5, 1.0), weights=(0.3, 0.7))
    assert np.trapezoid(pdf, grid) == pytest.approx(1.0, abs=1e-6)
    x, _ = toy.gaussian_mixture_1d(20000, means=(-2, 1), stds=(0.5, 1.0), weights=(0.3, 0.7), seed=0)
    assert x.mean() == pytest.approx(0.3 * -2 + 0.7 * 1, abs=0.05)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": (0.5, 0.6)}, "summing to 1"),
    ({"stds": (0.5, -1.0)}, "positive"),
    ({"means": ()}, "at least one"),
])
def test_bad_mixtures(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy.gaussian_mixture_1d(5, **kwargs)


def test_bad_2d_means():
    with pytest.raises(ValueError, match="K x 2"):
        toy.gaussian_mixture_2d(5, means=[0.0, 1.0])
