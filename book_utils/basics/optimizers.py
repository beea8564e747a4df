"""Gradient descent and Adam, written out in NumPy for the hand-written network of
:mod:`book_utils.basics.backprop` (Section 2.2).

Both update a list of parameter arrays in place from a list of gradients of the same shapes:

- SGD: theta <- theta - lr * g;
- Adam (Kingma and Ba, 2015): running means of g and g^2, corrected for their start at zero,
  theta <- theta - lr * m_hat / (sqrt(v_hat) + eps): a step of about lr per parameter,
  whatever the gradient's scale.
"""

from __future__ import annotations

import numpy as np

from book_utils.basics import backprop


class SGD:
    """Plain (stochastic) gradient descent: theta <- theta - lr * g."""

    def __init__(self, lr: float = 0.1):
        self.lr = lr

    def step(self, params, grads) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g


class Adam:
    """Adam (Kingma and Ba, 2015) with the paper's defaults beta1 = 0.9, beta2 = 0.999, eps = 1e-8."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads) -> None:
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g                        # running mean of the gradient
            v *= self.beta2
            v += (1 - self.beta2) * g**2                     # running mean of its square
            m_hat = m / (1 - self.beta1**self.t)             # undo the bias towards the zero start
            v_hat = v / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train(params, x, y, optimizer, steps: int, batch_size: int | None = None, seed: int = 0,
          activation: str = "tanh"):
    """Train ``params`` (updated in place) for ``steps`` updates with the hand-written gradients.

    x [N, D], y [N] in {0, 1}; ``optimizer`` is an :class:`SGD` or :class:`Adam`. batch_size None:
    full-batch gradient descent; else shuffled minibatches drawn from a generator seeded by ``seed``
    (so two optimisers given the same seed see the same batches). Returns the mean loss over the whole
    training set before the first step and after every step: [steps + 1] floats.
    """
    if steps < 0 or (batch_size is not None and batch_size < 1):
        raise ValueError(f"need steps >= 0 and batch_size >= 1 (or None), got {steps} and {batch_size}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    rng = np.random.default_rng(seed)
    order, at = np.arange(len(x)), len(x)
    def full_loss():
        return backprop.bce_with_logits(backprop.forward(params, x, activation)[0], y)

    losses = [full_loss()]
    for _ in range(steps):
        if batch_size is None:
            batch = slice(None)
        else:
            if at + batch_size > len(x):                     # a new epoch: reshuffle
                order, at = rng.permutation(len(x)), 0
            batch, at = order[at:at + batch_size], at + batch_size
        _, grads = backprop.loss_and_grads(params, x[batch], y[batch], activation)
        optimizer.step(params, grads)
        losses.append(full_loss())
    return np.array(losses)


def steps_to_reach(losses, level: float) -> int | None:
    """First step at which the loss curve [steps + 1] is at or below ``level``; None if it never is."""
    hit = np.flatnonzero(np.asarray(losses) <= level)
    return int(hit[0]) if len(hit) else None
