"""Backpropagation written out by hand for a small multilayer perceptron (NumPy only; Section 2.2).

The network maps points x [N, D] to one logit per point:

    h_0 = x,   z_l = h_{l-1} W_l + b_l,   h_l = act(z_l)  (hidden layers l = 1 .. L-1),
    a = z_L = h_{L-1} W_L + b_L  (no activation: a logit),

and the loss is the mean binary cross-entropy from logits. Weights are stored in x out
(Keras' layout: ``W_l`` is [width_{l-1}, width_l]); ``params`` is the list
``[W_1, b_1, ..., W_L, b_L]``. The backward pass is the chain rule applied layer by layer
from the loss down (Rumelhart, Hinton and Williams, 1986).
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS = ("tanh", "relu")


def init_params(sizes=(2, 8, 1), seed: int = 0) -> list[np.ndarray]:
    """Glorot-uniform weights (Glorot and Bengio, 2010) and zero biases for layer widths ``sizes``.

    sizes = (D, H_1, ..., 1). Returns [W_1 [D, H_1], b_1 [H_1], ..., W_L [H_{L-1}, 1], b_L [1]], float64.
    """
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least an input and an output width, all >= 1, got {sizes}")
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params += [rng.uniform(-limit, limit, size=(fan_in, fan_out)), np.zeros(fan_out)]
    return params


def bce_with_logits(a: np.ndarray, y: np.ndarray) -> float:
    """Mean of -[y log sigmoid(a) + (1 - y) log(1 - sigmoid(a))] over N logits a [N] and labels y [N],
    computed as max(a, 0) - a y + log(1 + exp(-|a|)), which never takes the log of 0."""
    return float(np.mean(np.maximum(a, 0) - a * y + np.log1p(np.exp(-np.abs(a)))))


def sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)), elementwise, without overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _check(params, x, y, activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {list(ACTIVATIONS)}")
    if len(params) % 2 or not params:
        raise ValueError("params must be [W_1, b_1, ..., W_L, b_L]")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.ndim != 2 or len(x) != len(y) or x.shape[1] != params[0].shape[0]:
        raise ValueError(f"need x [N, {params[0].shape[0]}] and y [N], got shapes {x.shape} and {y.shape}")
    return x, y


def forward(params, x, activation: str = "tanh"):
    """Forward pass. x [N, D] -> (logits a [N], hs), hs = [h_0 = x, h_1, ..., h_{L-1}] (kept for backward)."""
    hs = [np.asarray(x, dtype=np.float64)]
    n_layers = len(params) // 2
    for layer in range(n_layers):
        W, b = params[2 * layer], params[2 * layer + 1]
        z = hs[-1] @ W + b                                   # [N, width_l]
        if layer == n_layers - 1:
            return z[:, 0], hs                               # the logit: no activation
        hs.append(np.tanh(z) if activation == "tanh" else np.maximum(z, 0))


def backward(params, hs, a, y, activation: str = "tanh") -> list[np.ndarray]:
    """Gradients of the mean BCE loss with respect to every parameter, by the chain rule.

    hs and a come from :func:`forward`; y [N] in {0, 1}. Returns [dW_1, db_1, ..., dW_L, db_L],
    each the shape of its parameter.
    """
    n = len(y)
    delta = (sigmoid(a) - y)[:, None] / n                    # dLoss/da [N, 1]: sigmoid(a) - y, averaged
    grads = [None] * len(params)
    for layer in reversed(range(len(params) // 2)):
        W = params[2 * layer]
        grads[2 * layer] = hs[layer].T @ delta               # dLoss/dW_l = h_{l-1}^T delta_l  [in, out]
        grads[2 * layer + 1] = delta.sum(axis=0)             # dLoss/db_l = sum over the batch of delta_l
        if layer:                                            # pass delta down to z_{l-1}
            dh = delta @ W.T                                 # dLoss/dh_{l-1} [N, in]
            h = hs[layer]
            delta = dh * (1 - h**2 if activation == "tanh" else (h > 0).astype(float))  # times act'(z_{l-1})
    return grads


def loss_and_grads(params, x, y, activation: str = "tanh"):
    """(mean BCE loss, gradients) for points x [N, D] and labels y [N]: one forward, one backward pass."""
    x, y = _check(params, x, y, activation)
    a, hs = forward(params, x, activation)
    return bce_with_logits(a, y), backward(params, hs, a, y, activation)


def numerical_grads(params, x, y, activation: str = "tanh", eps: float = 1e-6) -> list[np.ndarray]:
    """Central finite differences (L(theta + eps) - L(theta - eps)) / (2 eps), one parameter at a time.

    Slow (two forward passes per number): for checking :func:`backward` on small networks only.
    """
    x, y = _check(params, x, y, activation)
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            keep = p[i]
            p[i] = keep + eps
            up = bce_with_logits(forward(params, x, activation)[0], y)
            p[i] = keep - eps
            down = bce_with_logits(forward(params, x, activation)[0], y)
            p[i] = keep
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def max_abs_difference(grads_a, grads_b) -> float:
    """Largest |a - b| over all entries of two lists of same-shaped arrays."""
    if len(grads_a) != len(grads_b):
        raise ValueError(f"{len(grads_a)} arrays against {len(grads_b)}")
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(grads_a, grads_b))


def predict_proba(params, x, activation: str = "tanh") -> np.ndarray:
    """p(y = 1 | x) = sigmoid(logit) for points x [N, D]. Returns [N]."""
    return sigmoid(forward(params, x, activation)[0])
