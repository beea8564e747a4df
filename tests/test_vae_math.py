"""Tests for book_utils.vae.math (Section 4.2): exact linear-Gaussian model, ELBO gap, KL, estimators."""

import numpy as np
import pytest
from scipy import integrate, stats

from book_utils.vae import math as vm


def small_model(d=3, k=2, sigma=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return vm.LinearGaussianModel(rng.normal(size=(d, k)), rng.normal(size=d), sigma)


def test_gaussian_logpdf_matches_scipy():
    mean, cov = np.array([0.5, -1.0]), np.array([[1.0, 0.3], [0.3, 0.5]])
    x = np.array([[0.1, 0.2], [1.0, -2.0]])
    reference = stats.multivariate_normal(mean, cov)
    np.testing.assert_allclose(vm.gaussian_logpdf(x, mean, cov), reference.logpdf(x))
    assert vm.gaussian_logpdf(x[0], mean, cov) == pytest.approx(reference.logpdf(x[0]))


def test_exact_posterior_and_marginal_match_brute_force_integration_in_1d():
    model = small_model(d=2, k=1, sigma=0.7, seed=3)
    x = np.array([0.4, -1.1])

    def joint(z):   # p(z) p(x | z) for scalar z
        return np.exp(stats.norm.logpdf(z) + model.log_likelihood(x, np.array([z])))

    evidence, _ = integrate.quad(joint, -12, 12, epsabs=1e-13, epsrel=1e-12)
    mean = integrate.quad(lambda z: z * joint(z), -12, 12, epsabs=1e-13)[0] / evidence
    var = integrate.quad(lambda z: (z - mean) ** 2 * joint(z), -12, 12, epsabs=1e-13)[0] / evidence
    mu, cov = model.posterior(x)
    assert model.log_marginal(x) == pytest.approx(np.log(evidence), abs=1e-9)
    assert mu[0] == pytest.approx(mean, abs=1e-9)
    assert cov[0, 0] == pytest.approx(var, abs=1e-9)


def test_elbo_gap_equals_kl_to_posterior_and_vanishes_at_the_posterior():
    model = small_model()
    x, _ = model.sample(1, seed=1)
    x = x[0]
    mu, cov = model.posterior(x)
    rng = np.random.default_rng(7)
    for _ in range(5):
        m = rng.normal(size=2)
        a = rng.normal(size=(2, 2))
        s = a @ a.T + 0.1 * np.eye(2)
        gap = model.log_marginal(x) - model.elbo(x, m, s)
        assert gap == pytest.approx(vm.kl_gaussians(m, s, mu, cov), abs=1e-10)
        assert gap > 0
    assert model.log_marginal(x) - model.elbo(x, mu, cov) == pytest.approx(0.0, abs=1e-10)


def test_expected_log_likelihood_matches_monte_carlo():
    model = small_model()
    x = np.array([0.2, -0.3, 1.0])
    m, s = np.array([0.1, 0.4]), np.array([[0.5, 0.1], [0.1, 0.2]])
    z = np.random.default_rng(0).multivariate_normal(m, s, size=100_000)
    values = model.log_likelihood(x, z)
    stderr = values.std() / np.sqrt(len(values))
    assert abs(values.mean() - model.expected_log_likelihood(x, m, s)) < 4 * stderr


def test_kl_closed_forms_agree_with_each_other_and_with_monte_carlo():
    m0, s0 = np.array([0.3, -0.2]), np.array([[0.4, 0.1], [0.1, 0.3]])
    m1, s1 = np.array([0.0, 0.5]), np.array([[1.0, -0.2], [-0.2, 0.8]])
    exact = vm.kl_gaussians(m0, s0, m1, s1)
    estimate, stderr = vm.kl_monte_carlo(m0, s0, m1, s1, n=50_000, seed=0)
    assert abs(estimate - exact) < 4 * stderr
    assert vm.kl_gaussians(m0, s0, m0, s0) == pytest.approx(0.0, abs=1e-12)
    mu, var = np.array([0.5, -1.0]), np.array([0.3, 2.0])
    diag = vm.kl_diag_gaussians(mu, var, np.zeros(2), np.ones(2))
    assert diag == pytest.approx(vm.kl_gaussians(mu, np.diag(var), np.zeros(2), np.eye(2)))
    assert vm.kl_to_standard_normal(mu, np.log(var)) == pytest.approx(diag)
    batch = vm.kl_to_standard_normal(np.stack([mu, 0 * mu]), np.stack([np.log(var), 0 * mu]))
    np.testing.assert_allclose(batch, [diag, 0.0], atol=1e-12)


@pytest.mark.parametrize("theta", [1.0, -0.5])
def test_gradient_estimators_are_unbiased_and_reparameterization_has_lower_variance(theta):
    # f(z) = z²: E_{N(θ, 1)}[z²] = θ² + 1, so the exact gradient is 2θ
    n = 200_000
    reparam = vm.estimator_summary(vm.reparameterization_gradients(lambda z: 2 * z, theta, 1.0, n, seed=0))
    score = vm.estimator_summary(vm.score_function_gradients(lambda z: z ** 2, theta, 1.0, n, seed=1))
    for s in (reparam, score):
        assert abs(s["mean"] - 2 * theta) < 4 * s["stderr"]
    assert reparam["variance"] == pytest.approx(4.0, rel=0.02)     # Var[2(θ + ε)] = 4
    assert score["variance"] > 3 * reparam["variance"]
    # a baseline keeps the score-function estimator unbiased and lowers its variance
    based = vm.estimator_summary(vm.score_function_gradients(lambda z: z ** 2, theta, 1.0, n, seed=1,
                                                             baseline=theta ** 2 + 1))
    assert abs(based["mean"] - 2 * theta) < 4 * based["stderr"]
    assert based["variance"] < score["variance"]


def test_mean_field_variances_one_over_precision_minimise_kl_over_diagonal_gaussians():
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    m, S = rng.normal(size=3), a @ a.T + 0.3 * np.eye(3)           # a correlated Gaussian p
    m_q, S_q = vm.mean_field_gaussian(m, S)
    assert np.array_equal(m_q, m) and np.allclose(S_q, np.diag(np.diag(S_q)))
    assert np.allclose(np.diag(S_q), 1 / np.diag(np.linalg.inv(S)))
    best = vm.kl_gaussians(m_q, S_q, m, S)

    def kl(params):                                          # KL(q || p) over means and log-variances
        return vm.kl_gaussians(params[:3], np.diag(np.exp(params[3:])), m, S)

    # every small move of a mean or a log-variance raises the KL
    for i in range(6):
        for step in (-0.05, 0.05):
            moved = np.concatenate([m_q, np.log(np.diag(S_q))])
            moved[i] += step
            assert kl(moved) > best
    # a numeric optimiser started from the marginal variances diag(S) lands on 1 / Lambda_ii
    start = np.concatenate([m + 0.5, np.log(np.diag(S))])
    found = minimize(kl, start, method="BFGS", options={"gtol": 1e-10})
    assert found.fun == pytest.approx(best, abs=1e-9)
    assert np.allclose(np.exp(found.x[3:]), np.diag(S_q), rtol=1e-4)
    assert np.allclose(found.x[:3], m, atol=1e-4)
    # the marginal variances are a worse diagonal q, and the mean-field q is narrower than them
    assert vm.kl_gaussians(m, np.diag(np.diag(S)), m, S) > best + 1e-3
    assert np.all(np.diag(S_q) < np.diag(S))
    # for an uncorrelated p the mean-field q is p itself
    assert np.allclose(vm.mean_field_gaussian(m, np.diag([1.0, 2.0, 3.0]))[1], np.diag([1.0, 2.0, 3.0]))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="positive"):
        vm.LinearGaussianModel(np.ones((2, 1)), np.zeros(2), sigma=0.0)
    with pytest.raises(ValueError, match="shape"):
        vm.LinearGaussianModel(np.ones((2, 1)), np.zeros(3), sigma=1.0)
    model = small_model()
    with pytest.raises(ValueError, match="shape"):
        model.posterior(np.zeros(2))
    with pytest.raises(ValueError, match="positive definite"):
        model.elbo(np.zeros(3), np.zeros(2), np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="symmetric"):
        vm.kl_gaussians(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="positive"):
        vm.kl_diag_gaussians([0.0], [0.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="same shape"):
        vm.kl_to_standard_normal(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="positive"):
        vm.reparameterization_gradients(lambda z: z, 0.0, -1.0, 10)
