"""book_utils.basics.classic: the hand-written rule and the class-conditional Gaussian (Chapter 1)."""

import numpy as np
import pytest

from book_utils.basics.classic import (
    DIGIT_TEMPLATES,
    ClassConditionalGaussian,
    TemplateRuleClassifier,
    template_images,
)
from book_utils.data import load


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(scope="module")
def gaussian(digits):
    return ClassConditionalGaussian(n_components=10).fit(digits.x_train, digits.y_train)


# --- templates and the rule -------------------------------------------------

def test_templates_are_ten_8x8_drawings():
    assert sorted(DIGIT_TEMPLATES) == list(range(10))
    assert all(len(rows) == 8 and all(len(r) == 8 for r in rows) for rows in DIGIT_TEMPLATES.values())
    sharp, blurred = template_images(0), template_images(0.7)
    assert sharp.shape == blurred.shape == (10, 8, 8)
    assert set(np.unique(sharp)) <= {0.0, 0.5, 1.0}
    assert 0 <= blurred.min() and blurred.max() <= 1
    assert not np.allclose(sharp, blurred)
    assert np.allclose(sharp.sum(axis=(1, 2)), blurred.sum(axis=(1, 2)), rtol=0.15)  # blur keeps the ink
    with pytest.raises(ValueError, match="blur"):
        template_images(-1)


def test_rule_classifier_is_well_above_chance_and_deterministic(digits):
    rule = TemplateRuleClassifier()
    acc = rule.score(digits.x_test, digits.y_test)
    assert 0.6 < acc < 0.95, acc  # measured 0.77: far above chance (0.10), below learned models
    assert rule.score(digits.x_train, digits.y_train) > 0.6
    assert np.array_equal(rule.predict(digits.x_test), TemplateRuleClassifier().predict(digits.x_test))
    scores = rule.decision_scores(digits.x_test[:5])
    assert scores.shape == (5, 10) and np.all(np.abs(scores) <= 1 + 1e-9)
    # the rule's own drawings are recognised, and the scale of the ink does not matter
    drawn = template_images(0) * 16
    assert np.array_equal(rule.predict(drawn), np.arange(10))
    assert np.array_equal(rule.predict(drawn / 16), np.arange(10))


def test_shifts_help_the_rule(digits):
    still = TemplateRuleClassifier(shifts=(0,)).score(digits.x_test, digits.y_test)
    sliding = TemplateRuleClassifier(shifts=(-1, 0, 1)).score(digits.x_test, digits.y_test)
    assert sliding > still + 0.03, (still, sliding)


def test_rule_rejects_bad_input():
    rule = TemplateRuleClassifier()
    with pytest.raises(ValueError, match="8 x 8"):
        rule.predict(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="N x H x W"):
        rule.predict(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="NaN"):
        rule.predict(np.full((1, 8, 8), np.nan))
    with pytest.raises(ValueError, match="labels"):
        rule.score(np.zeros((3, 8, 8)), [1, 2])
    with pytest.raises(ValueError, match="shifts"):
        TemplateRuleClassifier(shifts=())
    # a blank image is not an error: every correlation is zero
    assert np.all(rule.decision_scores(np.zeros((1, 8, 8))) == 0)


# --- the class-conditional Gaussian -------------------------------------------

def test_gaussian_fits_the_right_shapes(gaussian):
    assert gaussian.classes_.tolist() == list(range(10))
    assert gaussian.means_.shape == (10, 64)
    assert gaussian.components_.shape == (10, 10, 64)
    assert gaussian.noise_variance_.shape == (10,) and np.all(gaussian.noise_variance_ >= 1e-2)
    assert np.isclose(np.exp(gaussian.class_log_prior_).sum(), 1.0)
    assert gaussian.image_shape == (8, 8) and gaussian.value_range == (0.0, 16.0)


def test_gaussian_is_the_ppca_maximum_likelihood_fit(digits, gaussian):
    """W W^T + s2 I keeps the sample covariance's top k eigenpairs and puts s2 on the rest
    (Tipping and Bishop 1999): W = U_k (Lambda_k - s2 I)^(1/2), the square root of the excess."""
    flat = digits.x_train.reshape(len(digits.x_train), -1).astype(float)
    for j in (0, 8):
        xc = flat[digits.y_train == j]
        eigval, eigvec = np.linalg.eigh(np.cov(xc, rowvar=False, bias=True))
        eigval, eigvec = eigval[::-1], eigvec[:, ::-1]
        wt, s2 = gaussian.components_[j], gaussian.noise_variance_[j]
        model_cov = wt.T @ wt + s2 * np.eye(64)
        top = eigvec[:, :10]
        # along the top 10 directions the model has the data's variances (not variance - s2 or its square)
        assert np.allclose(top.T @ model_cov @ top, np.diag(eigval[:10]), atol=1e-8)
        assert np.allclose(model_cov @ top, top * eigval[:10], atol=1e-8)
        # off that subspace, the isotropic rest: s2, the mean of the discarded eigenvalues
        assert np.isclose(s2, max(eigval[10:].mean(), 1e-2))
        rest = eigvec[:, 10:]
        assert np.allclose(rest.T @ model_cov @ rest, s2 * np.eye(54), atol=1e-8)
        # the fitted Gaussian has the same total variance in the top directions as the data
        assert np.isclose(np.trace(top.T @ model_cov @ top), np.trace(top.T @ np.cov(xc.T, bias=True) @ top))


def test_gaussian_classifies_by_bayes_rule(digits, gaussian):
    assert gaussian.score(digits.x_test, digits.y_test) > 0.93  # measured 0.986
    proba = gaussian.predict_proba(digits.x_test[:20])
    assert proba.shape == (20, 10) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(proba.argmax(axis=1), gaussian.predict(digits.x_test[:20]))
    # log p(x) is the log of sum_c p(x|c) p(c)
    joint = gaussian.class_log_likelihood(digits.x_test[:5]) + gaussian.class_log_prior_
    assert np.allclose(gaussian.log_likelihood(digits.x_test[:5]), np.log(np.exp(joint).sum(axis=1)))


def test_gaussian_matches_scipy_density(digits, gaussian):
    from scipy.stats import multivariate_normal

    j = 3
    w = gaussian.components_[j]
    cov = w.T @ w + gaussian.noise_variance_[j] * np.eye(64)
    x = digits.x_test[:4].reshape(4, 64).astype(float)
    expected = multivariate_normal(gaussian.means_[j], cov).logpdf(x)
    assert np.allclose(gaussian.class_log_likelihood(digits.x_test[:4])[:, j], expected)


def test_log_likelihood_ranks_real_digits_above_noise(digits, gaussian):
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 16, size=(200, 8, 8))
    shuffled = np.array([rng.permutation(x.ravel()).reshape(8, 8) for x in digits.x_test[:200]])
    real = gaussian.log_likelihood(digits.x_test)
    assert real.min() > gaussian.log_likelihood(noise).max()
    assert np.median(real) > np.median(gaussian.log_likelihood(shuffled)) + 100


def test_samples_have_right_shape_range_and_class(digits, gaussian):
    labels = np.repeat(np.arange(10), 20)
    samples = gaussian.sample(labels, seed=1)
    assert samples.shape == (200, 8, 8)
    assert samples.min() >= 0 and samples.max() <= 16
    # the model's own classifier and the rule both recognise most samples
    assert np.mean(gaussian.predict(samples) == labels) > 0.9
    assert TemplateRuleClassifier().score(samples, labels) > 0.5
    smooth = gaussian.sample(labels, seed=1, noise=False)
    assert smooth.shape == samples.shape and not np.allclose(smooth, samples)


def test_sampling_is_deterministic_with_a_seed(gaussian):
    a = gaussian.sample([3, 3, 7], seed=5)
    assert np.array_equal(a, gaussian.sample([3, 3, 7], seed=5))
    assert not np.allclose(a, gaussian.sample([3, 3, 7], seed=6))
    assert not np.allclose(a[0], a[1])  # two draws of one class differ
    b = gaussian.sample([3], seed=np.random.default_rng(5))
    assert b.shape == (1, 8, 8)


def test_fit_is_deterministic(digits):
    a = ClassConditionalGaussian(5).fit(digits.x_train, digits.y_train)
    b = ClassConditionalGaussian(5).fit(digits.x_train, digits.y_train)
    assert np.allclose(a.log_likelihood(digits.x_test[:10]), b.log_likelihood(digits.x_test[:10]))


def test_gaussian_rejects_bad_input(digits, gaussian):
    with pytest.raises(ValueError, match="not fitted"):
        ClassConditionalGaussian().sample([1])
    with pytest.raises(ValueError, match="one label per image"):
        ClassConditionalGaussian().fit(digits.x_train, digits.y_train[:-1])
    with pytest.raises(ValueError, match="n_components"):
        ClassConditionalGaussian(n_components=64).fit(digits.x_train, digits.y_train)
    with pytest.raises(ValueError, match="n_components"):
        ClassConditionalGaussian(n_components=-1)
    with pytest.raises(ValueError, match="min_variance"):
        ClassConditionalGaussian(min_variance=0)
    with pytest.raises(ValueError, match="has 3 images"):
        ClassConditionalGaussian(n_components=5).fit(digits.x_train[:3], np.zeros(3))
    with pytest.raises(ValueError, match=r"class\(es\) \[11\]"):
        gaussian.sample([1, 11])
    with pytest.raises(ValueError, match="8 x 8"):
        gaussian.log_likelihood(np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match="empty"):
        gaussian.predict(np.zeros((0, 8, 8)))
