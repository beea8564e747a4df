"""The small classifier of Section 2.2 in PyTorch (this module imports PyTorch only).

A multilayer perceptron for two-class problems on points in the plane:
in_dim -> hidden[0] -> ... -> hidden[-1] -> 1 logit. :mod:`book_utils.basics.tiny_tf`
builds the same network in TensorFlow/Keras with the same names, the same
initialisation (Glorot-uniform weights, zero biases), loss, optimiser and
schedule, so the two can be compared line by line.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from book_utils.basics.tiny_data import check_schedule, check_two_class_data

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "linear": nn.Identity}


class TinyMLP(nn.Module):
    """in_dim -> [Linear -> activation] per hidden width -> Linear -> 1 logit. forward: [N, D] -> [N]."""

    def __init__(self, in_dim: int = 2, hidden=(16, 16), activation: str = "relu"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: choose one of {list(ACTIVATIONS)}")
        layers, width = [], in_dim
        for h in hidden:
            layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        for layer in self.net:
            if isinstance(layer, nn.Linear):  # Keras' defaults, so both frameworks start alike
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def make_mlp(in_dim: int = 2, hidden=(16, 16), activation: str = "relu", seed: int = 0) -> TinyMLP:
    """A freshly initialised :class:`TinyMLP`; the same seed gives the same weights."""
    torch.manual_seed(seed)
    return TinyMLP(in_dim, hidden, activation)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers (weights and biases)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_mlp(x, y, hidden=(16, 16), activation: str = "relu", epochs: int = 100, batch_size: int = 32,
              lr: float = 1e-2, seed: int = 0):
    """Fit a :class:`TinyMLP` with Adam on binary cross-entropy (from logits), shuffled minibatches.

    x [N, D] floats, y [N] in {0, 1}. Returns (model, history) where history
    holds the per-epoch mean training ``loss`` and training ``accuracy``.
    """
    x, y = check_two_class_data(x, y)
    check_schedule(epochs, batch_size)
    model = make_mlp(x.shape[1], hidden, activation, seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    order = torch.Generator().manual_seed(seed)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        model.train()
        losses, correct = [], 0
        for batch in torch.randperm(len(xt), generator=order).split(batch_size):
            logits = model(xt[batch])
            loss = loss_fn(logits, yt[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item() * len(batch))
            correct += int(((logits > 0).float() == yt[batch]).sum())
        history["loss"].append(sum(losses) / len(xt))
        history["accuracy"].append(correct / len(xt))
    return model, history


@torch.no_grad()
def predict_proba(model: nn.Module, x) -> np.ndarray:
    """p(y = 1 | x) for points x [N, D]. Returns [N] floats."""
    model.eval()
    return torch.sigmoid(model(torch.as_tensor(np.asarray(x, dtype=np.float32)))).numpy()


def accuracy(model: nn.Module, x, y) -> float:
    """Fraction of points whose predicted class (p > 0.5) equals y."""
    x, y = check_two_class_data(x, y)
    return float(((predict_proba(model, x) > 0.5) == (y == 1)).mean())
