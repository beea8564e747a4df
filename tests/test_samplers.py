"""Tests for book_utils.basics.samplers: each sampler matches its target density."""

import numpy as np
import pytest
from scipy import stats

from book_utils.basics import samplers, toy

MIX = dict(means=(-2.0, 1.0, 3.0), stds=(0.5, 0.8, 0.3), weights=(0.3, 0.5, 0.2))


def mix_pdf(x):
    return toy.gaussian_mixture_1d_pdf(x, **MIX)


def mix_cdf(x):
    return samplers.gaussian_mixture_1d_cdf(x, **MIX)


def mix_moments():
    m, s, w = (np.asarray(MIX[k]) for k in ("means", "stds", "weights"))
    mean = w @ m
    return mean, w @ (s**2 + m**2) - mean**2


def test_mixture_cdf_matches_numerical_integral_of_pdf():
    grid = np.linspace(-8, 8, 20001)
    np.testing.assert_allclose(samplers.grid_cdf(grid, mix_pdf(grid)), mix_cdf(grid), atol=1e-6)


def test_inverse_cdf_sampler_matches_target():
    x = samplers.inverse_cdf_sample(mix_pdf, 20000, -8, 8, seed=0)
    mean, var = mix_moments()
    assert abs(x.mean() - mean) < 0.05 and abs(x.var() - var) < 0.08
    ks = samplers.ks_statistic(x, mix_cdf)
    assert ks == pytest.approx(stats.kstest(x, mix_cdf).statistic, abs=1e-12)
    assert ks < 0.015  # about 0.006 expected for exact samples; a wrong sampler gives >> 0.05
    assert samplers.histogram_distance(x, mix_cdf, bins=40, low=-4, high=5) < 0.03


def test_inverse_cdf_sampler_is_reproducible_and_unnormalised_pdf_is_fine():
    a = samplers.inverse_cdf_sample(lambda x: 7 * mix_pdf(x), 100, -8, 8, seed=3)
    b = samplers.inverse_cdf_sample(mix_pdf, 100, -8, 8, seed=3)
    np.testing.assert_allclose(a, b)


def test_rejection_sampler_matches_target_and_acceptance_is_one_over_bound():
    proposal = stats.norm(0.5, 3.0)
    grid = np.linspace(-10, 10, 4001)
    bound = 1.05 * np.max(mix_pdf(grid) / proposal.pdf(grid))
    x, rate = samplers.rejection_sample(mix_pdf, 20000, lambda rng, m: rng.normal(0.5, 3.0, m),
                                        proposal.pdf, bound, seed=1)
    assert x.shape == (20000,)
    assert rate == pytest.approx(1 / bound, rel=0.05)
    assert samplers.ks_statistic(x, mix_cdf) < 0.015


def test_rejection_sampler_refuses_a_too_small_bound():
    with pytest.raises(ValueError, match="bound is too small"):
        samplers.rejection_sample(mix_pdf, 100, lambda rng, m: rng.normal(0, 3, m),
                                  stats.norm(0, 3).pdf, 0.5, seed=0)


def test_histogram_density_integrates_to_one_and_learns_the_mixture():
    train, _ = toy.gaussian_mixture_1d(20000, seed=0, **MIX)
    test, _ = toy.gaussian_mixture_1d(5000, seed=1, **MIX)
    hist = samplers.HistogramDensity(bins=60, bounds=(-6, 6), alpha=0.1).fit(train)
    grid = np.linspace(-6, 6, 120001)
    assert np.trapezoid(hist.pdf(grid), grid) == pytest.approx(1.0, abs=1e-3)
    # held-out log-likelihood close to the true density's (the best any model can do on average)
    gap = np.log(mix_pdf(test)).mean() - hist.log_prob(test).mean()
    assert -0.02 < gap < 0.05
    samples = hist.sample(20000, seed=2)
    assert samples.shape == (20000, 1)
    assert samplers.ks_statistic(samples[:, 0], mix_cdf) < 0.02


def test_histogram_density_in_2d_samples_stay_in_occupied_cells():
    ring, _ = toy.ring_of_gaussians(4000, modes=8, seed=0)
    hist = samplers.HistogramDensity(bins=20, bounds=[(-2.5, 2.5)] * 2).fit(ring)
    assert hist.probs.shape == (20, 20) and hist.probs.sum() == pytest.approx(1.0)
    samples = hist.sample(2000, seed=0)
    assert samples.shape == (2000, 2)
    assert np.all(hist.pdf(samples) > 0)
    radius = np.linalg.norm(samples, axis=1)
    assert abs(radius.mean() - 2.0) < 0.1
    assert hist.pdf(np.zeros((1, 2)))[0] == 0.0  # the middle of the ring is empty


def test_clear_errors_on_bad_input():
    with pytest.raises(ValueError, match="positive integer"):
        samplers.inverse_cdf_sample(mix_pdf, 0, -1, 1)
    with pytest.raises(ValueError, match="low < high"):
        samplers.inverse_cdf_sample(mix_pdf, 10, 1, -1)
    with pytest.raises(ValueError, match="zero points"):
        samplers.HistogramDensity().fit(np.zeros(0))
    with pytest.raises(RuntimeError, match="fit"):
        samplers.HistogramDensity().sample(3)
    with pytest.raises(ValueError, match="at least one sample"):
        samplers.ks_statistic([], mix_cdf)
