"""book_utils.vae.latent: interpolation paths, measured attributes, attribute directions (NumPy only)."""

import numpy as np
import pytest

from book_utils.vae import latent as L


def test_paths_start_and_end_at_the_codes():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal((2, 8))
    for path in (L.lerp(z0, z1, 7), L.slerp(z0, z1, 7)):
        assert path.shape == (7, 8)
        np.testing.assert_allclose(path[0], z0, atol=1e-12)
        np.testing.assert_allclose(path[-1], z1, atol=1e-12)


def test_slerp_keeps_the_norm_where_lerp_cuts_through_the_middle():
    z0, z1 = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    np.testing.assert_allclose(np.linalg.norm(L.slerp(z0, z1, 11), axis=1), 3.0)
    assert np.linalg.norm(L.lerp(z0, z1, 11)[5]) == pytest.approx(3.0 / np.sqrt(2))
    np.testing.assert_allclose(L.slerp(z0, 2 * z0, 3)[1], 1.5 * z0)      # same direction: a straight line


def test_ink_and_slant_measure_what_they_say():
    upright = np.zeros((1, 8, 8))
    upright[0, :, 3] = 1.0
    italic = np.zeros((1, 8, 8))
    for r in range(8):
        italic[0, r, 7 - r] = 1.0                                            # top leans right
    assert L.slant(upright)[0] == pytest.approx(0.0, abs=1e-9)
    assert L.slant(italic)[0] == pytest.approx(1.0)
    assert L.slant(italic[:, :, ::-1])[0] == pytest.approx(-1.0)
    assert L.ink(upright)[0] == pytest.approx(8 / 64)


def test_attribute_direction_recovers_a_linear_attribute():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((500, 6))
    w = np.array([0.0, 2.0, 0.0, -1.0, 0.0, 0.0])
    d = L.attribute_direction(z, z @ w + 0.01 * rng.standard_normal(500))
    np.testing.assert_allclose(d, w / np.linalg.norm(w), atol=0.01)
    steps = L.walk(z[0], d, np.linspace(-1, 1, 5))
    assert steps.shape == (5, 6) and np.all(np.diff(steps @ w) > 0)
    with pytest.raises(ValueError):
        L.attribute_direction(z, np.ones(499))


def test_softmax_rows_sum_to_one():
    p = L.softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(p[1], 0.5)
