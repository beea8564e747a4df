"""Tests for book_utils.arm.math (Section 4.3): chain rule, cross-entropy = MLE, perplexity."""

import numpy as np
import pytest

from book_utils.arm import math as am

P = np.array([[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6]])


def random_joint(shape=(2, 3, 2), seed=0):
    joint = np.random.default_rng(seed).random(shape)
    return joint / joint.sum()


def test_chain_rule_factors_multiply_back_to_the_joint():
    joint = random_joint()
    conds = am.chain_rule_conditionals(joint)
    assert [c.shape for c in conds] == [(2,), (2, 3), (2, 3, 2)]
    for c in conds:
        np.testing.assert_allclose(c.sum(axis=-1), 1.0)
    np.testing.assert_allclose(am.joint_from_conditionals(conds), joint, atol=1e-15)
    for seq in [(0, 0, 0), (1, 2, 1), (0, 1, 1)]:
        assert am.sequence_log_prob(conds, seq) == pytest.approx(np.log(joint[seq]), abs=1e-12)


def test_chain_rule_handles_zero_probability_prefixes():
    joint = np.zeros((2, 2))
    joint[0] = [0.25, 0.75]          # x1 = 1 never happens
    conds = am.chain_rule_conditionals(joint)
    np.testing.assert_allclose(conds[1][1], [0.5, 0.5])   # arbitrary but valid
    np.testing.assert_allclose(am.joint_from_conditionals(conds), joint)


def test_entropy_cross_entropy_kl_identities():
    p, q = np.array([0.5, 0.25, 0.25]), np.array([0.25, 0.25, 0.5])
    assert am.entropy(p) == pytest.approx(1.5 * np.log(2))
    assert am.cross_entropy(p, q) == pytest.approx(am.entropy(p) + am.kl_divergence(p, q))
    assert am.kl_divergence(p, p) == 0.0
    assert am.kl_divergence(p, q) > 0
    assert am.cross_entropy([1.0, 0.0], [0.0, 1.0]) == np.inf


def test_average_nll_is_cross_entropy_with_the_empirical_distribution_and_mle_is_the_frequencies():
    samples = np.random.default_rng(0).choice(3, size=1000, p=[0.6, 0.3, 0.1])
    p_hat = am.empirical_distribution(samples, 3)
    q = np.array([0.5, 0.3, 0.2])
    assert am.average_nll(q, samples) == pytest.approx(am.cross_entropy(p_hat, q), abs=1e-12)
    assert am.average_nll(p_hat, samples) == pytest.approx(am.entropy(p_hat), abs=1e-12)
    assert am.average_nll(q, samples) > am.average_nll(p_hat, samples)
    fitted, history = am.fit_categorical_by_gradient(samples, 3, steps=300)
    np.testing.assert_allclose(fitted, p_hat, atol=1e-6)
    assert history[0] == pytest.approx(np.log(3))
    assert history[-1] == pytest.approx(am.entropy(p_hat), abs=1e-9)


def test_perplexity_identities():
    assert am.perplexity(np.log(np.full(50, 1 / 7))) == pytest.approx(7.0)   # uniform over 7 symbols
    assert am.perplexity(np.log([0.5, 0.125])) == pytest.approx(4.0)          # geometric mean of 1/p
    seq = am.sample_markov_chain(P, 20_000, seed=0)
    measured = am.perplexity(am.markov_log_probs(P, seq))
    assert measured == pytest.approx(np.exp(am.entropy_rate(P)), rel=0.02)
    pi = am.stationary_distribution(P)
    np.testing.assert_allclose(pi @ P, pi, atol=1e-12)
    np.testing.assert_allclose(am.empirical_distribution(seq, 3), pi, atol=0.02)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="sum to 1"):
        am.entropy([0.5, 0.4])
    with pytest.raises(ValueError, match="non-negative"):
        am.cross_entropy([1.2, -0.2], [0.5, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        am.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        am.chain_rule_conditionals(np.ones((2, 2)))
    with pytest.raises(ValueError, match="≤ 0"):
        am.perplexity([0.5, 0.2])
    with pytest.raises(ValueError, match="integers"):
        am.empirical_distribution([0, 3], 3)
    with pytest.raises(ValueError, match="square"):
        am.stationary_distribution(np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="factors"):
        am.sequence_log_prob(am.chain_rule_conditionals(random_joint()), (0, 1))
