"""book_utils.basics.faq: the appendix's generative classifier, sharpness measure and 1-D GAN."""

import itertools
import math

import numpy as np
import pytest

from book_utils.basics import faq


def toy_data(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(2, n, p=[0.3, 0.7])
    theta = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.5]])
    x = (rng.random((n, 3)) < theta[y]).astype(np.float32)
    return x, y, theta


def test_bernoulli_model_recovers_its_parameters_and_is_normalised():
    x, y, theta = toy_data()
    model = faq.BernoulliClassModel(n_classes=2).fit(x, y)
    assert np.allclose(np.exp(model.log_prior), [0.3, 0.7], atol=0.03)
    assert np.allclose(model.theta, theta, atol=0.04)
    every_x = np.array(list(itertools.product([0, 1], repeat=3)), dtype=np.float32)
    assert math.isclose(np.exp(model.log_prob(every_x)).sum(), 1.0, rel_tol=1e-9)
    assert (model.predict(np.array([[1, 0, 0], [0, 1, 0]])) == [0, 1]).all()


def test_bernoulli_model_samples_follow_its_pixel_probabilities():
    x, y, _ = toy_data()
    model = faq.BernoulliClassModel(n_classes=2).fit(x, y)
    draws = model.sample(np.zeros(20000, int), seed=1)
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert np.allclose(draws.mean(0), model.theta[0], atol=0.02)
    assert np.array_equal(model.sample([1, 0], binary=False), model.theta[[1, 0]])


def test_bernoulli_model_rejects_an_empty_class_and_bad_settings():
    with pytest.raises(ValueError):
        faq.BernoulliClassModel(n_classes=3).fit(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError):
        faq.BernoulliClassModel(alpha=0)


def test_sharpness_falls_when_an_image_is_blurred():
    rng = np.random.default_rng(0)
    sharp = (rng.random((50, 8, 8)) < 0.3).astype(float)
    blurred = (sharp + np.roll(sharp, 1, 1) + np.roll(sharp, 1, 2) + np.roll(sharp, (1, 1), (1, 2))) / 4
    assert faq.sharpness(blurred) < 0.5 * faq.sharpness(sharp)
    assert faq.sharpness(np.ones((3, 8, 8))) == 0.0
    with pytest.raises(ValueError):
        faq.sharpness(np.ones((8, 8)))


def test_wasserstein_1d_of_a_shift_is_the_shift():
    a = np.random.default_rng(0).normal(size=1000)
    assert math.isclose(faq.wasserstein_1d(a, a + 0.5), 0.5)


def test_toy_gan_losses_settle_at_the_equilibrium_while_the_distance_falls():
    history = faq.train_toy_gan(steps=2000, seed=1)
    assert abs(np.mean(history.d_loss[-300:]) - faq.EQUILIBRIUM_D_LOSS) < 0.03
    assert abs(np.mean(history.g_loss[-300:]) - faq.EQUILIBRIUM_G_LOSS) < 0.03
    assert np.mean(history.w1[-300:]) < 0.25 * history.w1[0]
    assert abs(history.params[1] - 2.0) < 0.3
