"""Tests for book_utils.gan.math (Section 4.1): D*, V(D, G), JSD and the generator-loss gradients."""

import numpy as np
import pytest
from scipy import stats

from book_utils.basics import toy
from book_utils.gan import math as gm

DATA = dict(means=(-2.0, 2.0), stds=(0.5, 0.5))
GEN = dict(means=(-1.0, 1.0), stds=(1.0, 0.7), weights=(0.4, 0.6))
SUPPORT = (-12.0, 12.0)
POINTS = [-2.0, -1.0, 1.0, 2.0]


def p_data(x):
    return toy.gaussian_mixture_1d_pdf(x, **DATA)


def p_g(x):
    return toy.gaussian_mixture_1d_pdf(x, **GEN)


def test_optimal_discriminator_formula_and_edge_cases():
    d = gm.optimal_discriminator([1.0, 0.0, 3.0, 0.0], [1.0, 2.0, 1.0, 0.0])
    np.testing.assert_allclose(d, [0.5, 0.0, 0.75, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        gm.optimal_discriminator([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        gm.optimal_discriminator([-1.0], [1.0])


def test_optimal_discriminator_maximises_value_function():
    v_star = gm.optimal_value(p_data, p_g, SUPPORT, POINTS)
    for shift in (-0.3, 0.3):   # moving D*'s logit either way lowers V
        def d(x, shift=shift):
            with np.errstate(divide="ignore"):
                return gm.sigmoid(np.log(p_data(x)) - np.log(p_g(x)) + shift)
        assert gm.value_function(d, p_data, p_g, SUPPORT, POINTS) < v_star - 1e-3
    constant_half = gm.value_function(lambda x: np.full_like(x, 0.5), p_data, p_g, SUPPORT, POINTS)
    assert constant_half == pytest.approx(-np.log(4), abs=1e-9)
    assert v_star > constant_half


def test_value_at_optimum_is_minus_log4_plus_twice_jsd():
    v_star = gm.optimal_value(p_data, p_g, SUPPORT, POINTS)
    jsd = gm.js_divergence(p_data, p_g, SUPPORT, POINTS)
    assert 0 < jsd < np.log(2)
    assert v_star == pytest.approx(-gm.LOG4 + 2 * jsd, abs=1e-8)
    d_star = lambda x: gm.optimal_discriminator(p_data(x), p_g(x))
    assert gm.value_function(d_star, p_data, p_g, SUPPORT, POINTS) == pytest.approx(v_star, abs=1e-9)
    # far-apart densities: D* underflows to 0 or 1 in the tails, yet V(D*, G) stays finite and -> 0
    far = lambda x: toy.gaussian_mixture_1d_pdf(x - 12.0, **DATA)
    assert gm.optimal_value(p_data, far, (-20, 30), [-2, 2, 10, 14]) == pytest.approx(0.0, abs=1e-9)


def test_jsd_properties():
    assert gm.js_divergence(p_data, p_data, SUPPORT, POINTS) == pytest.approx(0.0, abs=1e-12)
    # disjoint supports: JSD = log 2 (so V(D*, G) = 0, the discriminator wins outright)
    u1 = lambda x: stats.uniform(0, 1).pdf(x)
    u2 = lambda x: stats.uniform(2, 1).pdf(x)
    assert gm.js_divergence(u1, u2, (-1, 4), points=[0, 1, 2, 3]) == pytest.approx(np.log(2), abs=1e-9)
    assert gm.js_divergence_discrete([1, 0], [0, 1]) == pytest.approx(np.log(2))
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.6, 0.1, 0.3])
    assert gm.js_divergence_discrete(p, q) == pytest.approx(gm.js_divergence_discrete(q, p))  # symmetric
    with pytest.raises(ValueError, match="sum to 1"):
        gm.js_divergence_discrete([0.5, 0.6], [0.5, 0.5])


def test_generator_loss_gradients_match_finite_differences():
    a = np.linspace(-8, 8, 33)
    h = 1e-5
    for loss, grad in ((gm.saturating_generator_loss, gm.saturating_generator_grad),
                       (gm.non_saturating_generator_loss, gm.non_saturating_generator_grad)):
        numeric = (loss(a + h) - loss(a - h)) / (2 * h)
        np.testing.assert_allclose(grad(a), numeric, atol=1e-8)
    d = gm.sigmoid(a)
    np.testing.assert_allclose(gm.saturating_generator_loss(a), np.log1p(-d), rtol=1e-9)
    np.testing.assert_allclose(gm.non_saturating_generator_loss(a), -np.log(d), rtol=1e-9)
    # early training (D(G(z)) ≈ 0): the saturating gradient vanishes, the non-saturating one does not
    assert abs(gm.saturating_generator_grad(-8.0)) < 1e-3
    assert abs(gm.non_saturating_generator_grad(-8.0)) > 0.999
    assert np.isfinite(gm.saturating_generator_loss(1000.0))
    assert np.isfinite(gm.non_saturating_generator_loss(-1000.0))


def test_trained_discriminator_approaches_optimal_discriminator():
    x_real, _ = toy.gaussian_mixture_1d(8000, seed=1, **DATA)
    x_fake, _ = toy.gaussian_mixture_1d(8000, seed=2, **GEN)
    disc = gm.train_discriminator(x_real, x_fake, np.linspace(-4.5, 4.5, 31), width=0.4, l2=1e-5)
    assert disc.history[-1] < disc.history[0]     # Newton steps lowered -V
    lo, hi = np.quantile(np.concatenate([x_real, x_fake]), [0.01, 0.99])
    grid = np.linspace(lo, hi, 401)
    deviation = np.abs(disc(grid) - gm.optimal_discriminator(p_data(grid), p_g(grid)))
    assert deviation.max() < 0.06
    # an untrained (constant 1/2) discriminator is much further away
    assert np.abs(0.5 - gm.optimal_discriminator(p_data(grid), p_g(grid))).max() > 0.4


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="width"):
        gm.rbf_features(np.zeros(3), np.zeros(2), width=0.0)
    with pytest.raises(ValueError, match="1-D"):
        gm.train_discriminator(np.zeros((2, 2)), np.zeros(3), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gm.value_integrand(np.array([1.5]), np.array([1.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="lo < hi"):
        gm.js_divergence(p_data, p_g, (1.0, -1.0))
