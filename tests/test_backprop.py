"""Tests for book_utils.basics.backprop and .optimizers: the hand-written backward pass and its training."""

import numpy as np
import pytest

from book_utils.basics import backprop, optimizers, tiny_torch, toy

XOR_CENTRES = [[1, 1], [-1, -1], [1, -1], [-1, 1]]


def xor_data(n, seed):
    x, comp = toy.gaussian_mixture_2d(n, XOR_CENTRES, std=0.3, seed=seed)
    return x, (comp >= 2).astype(float)


X, Y = xor_data(200, 0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("sizes", [(2, 1), (2, 5, 1), (2, 4, 3, 1)])
def test_hand_gradients_match_finite_differences_and_autograd(sizes, activation):
    params = backprop.init_params(sizes, seed=1)
    for p in params[1::2]:
        p += np.random.default_rng(2).normal(scale=0.1, size=p.shape)  # non-zero biases: a general point
    loss, grads = backprop.loss_and_grads(params, X[:20], Y[:20], activation)
    assert [g.shape for g in grads] == [p.shape for p in params]
    torch_loss, torch_grads = tiny_torch.autograd_grads(params, X[:20], Y[:20], activation)
    assert abs(loss - torch_loss) < 1e-12
    assert backprop.max_abs_difference(grads, torch_grads) < 1e-12
    numeric = backprop.numerical_grads(params, X[:20], Y[:20], activation)
    assert backprop.max_abs_difference(grads, numeric) < 1e-7


def test_a_wrong_backward_pass_is_caught():
    params = backprop.init_params((2, 4, 1), seed=0)
    _, grads = backprop.loss_and_grads(params, X[:10], Y[:10])
    _, torch_grads = tiny_torch.autograd_grads(params, X[:10], Y[:10])
    grads[0] = 2 * grads[0]
    assert backprop.max_abs_difference(grads, torch_grads) > 1e-3


def test_loss_is_stable_and_matches_the_definition():
    a, y = np.array([-3.0, 0.0, 2.0]), np.array([0.0, 1.0, 1.0])
    p = 1 / (1 + np.exp(-a))
    assert backprop.bce_with_logits(a, y) == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isfinite(backprop.bce_with_logits(np.array([1000.0, -1000.0]), np.array([0.0, 1.0])))
    assert backprop.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_init_is_glorot_and_reproducible():
    params = backprop.init_params((2, 8, 1), seed=0)
    assert [p.shape for p in params] == [(2, 8), (8,), (8, 1), (1,)]
    assert np.abs(params[0]).max() <= np.sqrt(6 / 10) and not params[1].any()
    assert all(np.array_equal(a, b) for a, b in zip(params, backprop.init_params((2, 8, 1), seed=0)))


def test_gradient_descent_with_hand_gradients_solves_xor():
    params = backprop.init_params((2, 8, 8, 1), seed=0)
    losses = optimizers.train(params, X, Y, optimizers.SGD(0.5), steps=300)
    assert losses.shape == (301,) and losses[-1] < 0.1 * losses[0]
    x_test, y_test = xor_data(400, 1)
    assert np.mean((backprop.predict_proba(params, x_test) > 0.5) == y_test) > 0.95


def test_adam_matches_the_papers_first_step_and_both_optimisers_see_the_same_batches():
    # Adam's first step is -lr * sign(g) (m_hat = g, v_hat = g^2), whatever the gradient's scale
    p, g = [np.array([1.0, -2.0, 3.0])], [np.array([1e-3, -5.0, 0.0])]
    optimizers.Adam(lr=0.1).step(p, g)
    np.testing.assert_allclose(p[0], [0.9, -1.9, 3.0], atol=1e-6)
    start = backprop.init_params((2, 4, 1), seed=0)
    a, b = [q.copy() for q in start], [q.copy() for q in start]
    la = optimizers.train(a, X, Y, optimizers.SGD(0.1), steps=20, batch_size=16, seed=3)
    lb = optimizers.train(b, X, Y, optimizers.SGD(0.1), steps=20, batch_size=16, seed=3)
    np.testing.assert_array_equal(la, lb)
    adam = optimizers.train([q.copy() for q in start], X, Y, optimizers.Adam(0.02), steps=200, batch_size=16)
    assert adam[0] == la[0] and adam[-1] < 0.5 * adam[0]


def test_steps_to_reach_and_bad_input():
    assert optimizers.steps_to_reach([0.7, 0.4, 0.09, 0.2], 0.1) == 2
    assert optimizers.steps_to_reach([0.7, 0.4], 0.1) is None
    params = backprop.init_params((2, 3, 1))
    with pytest.raises(ValueError, match="activation"):
        backprop.loss_and_grads(params, X, Y, activation="sigmoidal")
    with pytest.raises(ValueError, match="shapes"):
        backprop.loss_and_grads(params, X[:, :1], Y)
    with pytest.raises(ValueError, match="steps"):
        optimizers.train(params, X, Y, optimizers.SGD(), steps=-1)
    with pytest.raises(ValueError, match="sizes"):
        backprop.init_params((2,))
