"""Tests of book_utils.baselines: the classical models the deep ones must beat."""

import numpy as np
import pytest
from scipy.special import logsumexp

from book_utils.baselines import BernoulliMixture, IndependentBernoulli, PCAKDESampler
from book_utils.data import load


@pytest.fixture(scope="module")
def binary_digits():
    ds = load("digits", view="binary")
    return ds.x_train, ds.x_test


def test_independent_bernoulli_reproduces_the_protocol_nll(binary_digits):
    x_train, x_test = binary_digits
    model = IndependentBernoulli().fit(x_train)
    nll = -model.log_prob(x_test).mean()
    assert nll == pytest.approx(25.3, abs=0.1)  # Laplace smoothing, digits protocol split
    samples = model.sample(50, seed=0)
    assert samples.shape == (50, 8, 8) and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(samples, model.sample(50, seed=0))


def test_em_objective_never_decreases_and_beats_independent(binary_digits):
    x_train, x_test = binary_digits
    mix = BernoulliMixture(n_components=10, seed=0).fit(x_train, n_iter=25)
    assert len(mix.history_) == 26
    assert np.all(np.diff(mix.objective_history_) >= -1e-10)  # MAP EM: penalised log-likelihood
    assert mix.history_[-1] > mix.history_[0] + 10  # it learned a lot from random coins
    independent = IndependentBernoulli().fit(x_train)
    assert -mix.log_prob(x_test).mean() < -independent.log_prob(x_test).mean() - 2.0


def test_em_without_smoothing_never_decreases_the_log_likelihood():
    rng = np.random.default_rng(0)
    prototypes = rng.random((3, 20)) < 0.5
    x = (prototypes[rng.integers(0, 3, 300)] ^ (rng.random((300, 20)) < 0.1)).astype(float)
    mix = BernoulliMixture(n_components=3, smoothing=0.0, weight_smoothing=0.0, seed=1).fit(x, n_iter=30)
    assert np.all(np.diff(mix.history_) >= -1e-9)


def test_mixture_likelihood_responsibilities_and_samples(binary_digits):
    x_train, _ = binary_digits
    mix = BernoulliMixture(n_components=5, seed=0).fit(x_train[:200], n_iter=5)
    x = x_train[:7].reshape(7, -1)
    manual = logsumexp(np.log(mix.weights_)[None] + x @ np.log(mix.means_).T
                       + (1 - x) @ np.log(1 - mix.means_).T, axis=1)
    np.testing.assert_allclose(mix.log_prob(x_train[:7]), manual)
    resp = mix.responsibilities(x_train[:7])
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    np.testing.assert_array_equal(mix.predict(x_train[:7]), resp.argmax(axis=1))
    samples = mix.sample(30, seed=3)
    assert samples.shape == (30, 8, 8) and set(np.unique(samples)) <= {0.0, 1.0}
    assert mix.n_parameters == 5 * 64 + 4


def test_one_component_mixture_is_the_independent_model(binary_digits):
    x_train, x_test = binary_digits
    mix = BernoulliMixture(n_components=1, weight_smoothing=0.0).fit(x_train, n_iter=2)
    independent = IndependentBernoulli().fit(x_train)
    np.testing.assert_allclose(mix.log_prob(x_test), independent.log_prob(x_test), rtol=1e-10)


def test_log_sum_exp_keeps_large_images_finite():
    rng = np.random.default_rng(1)
    x = (rng.random((40, 28, 28)) < 0.2).astype(float)  # 784 pixels: raw products underflow
    mix = BernoulliMixture(n_components=4, seed=0).fit(x, n_iter=3)
    assert np.all(np.isfinite(mix.log_prob(x))) and np.all(mix.log_prob(x) < -100)


def test_bernoulli_models_reject_grey_levels():
    with pytest.raises(ValueError, match="only 0 and 1"):
        IndependentBernoulli().fit(np.full((5, 8, 8), 0.5))
    model = BernoulliMixture(n_components=2).fit(np.zeros((5, 8, 8)), n_iter=1)
    with pytest.raises(ValueError, match="pixels per image"):
        model.log_prob(np.zeros((2, 4, 4)))


def test_pca_kde_sampler_gives_digit_shaped_images_in_range():
    ds = load("digits")
    x = ds.x_train / 16.0
    sampler = PCAKDESampler(n_components=15, bandwidths=[0.3, 0.55, 1.0], cv=3).fit(x)
    assert sampler.bandwidth_ == 0.55  # neither extreme: the CV picked an interior bandwidth
    samples = sampler.sample(100, seed=0)
    assert samples.shape == (100, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, sampler.sample(100, seed=0))
    # the samples look like digits: mean image close to the data's mean image
    assert np.abs(samples.mean(axis=0) - x.mean(axis=0)).max() < 0.1
    with pytest.raises(ValueError, match="positive integer"):
        sampler.sample(0)
