"""Section 2.2's PyTorch code (this module imports PyTorch only).

A multilayer perceptron for two-class problems on points in the plane:
in_dim -> hidden[0] -> ... -> hidden[-1] -> 1 logit. :mod:`book_utils.basics.tiny_tf`
builds the same network in TensorFlow/Keras with the same names, the same
initialisation (Glorot-uniform weights, zero biases), loss, optimiser and
schedule, so the two can be compared line by line. Two checks of the section's hand-written
NumPy code sit here too: :func:`autograd_grads` (autograd's gradients for
:mod:`book_utils.basics.backprop`'s weights) and :func:`conv_output_size` (what PyTorch's
convolution layers give, against :mod:`book_utils.basics.conv`'s formulas).
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


def autograd_grads(params, x, y, activation: str = "tanh"):
    """Loss and gradients by PyTorch autograd for weights in :mod:`book_utils.basics.backprop`'s layout.

    params [W_1 [in, out], b_1, ..., W_L [H, 1], b_L] (NumPy) are copied, transposed to PyTorch's
    out x in, into a float64 :class:`TinyMLP`; x [N, D], y [N] in {0, 1}. Returns (mean BCE loss,
    gradients in the same layout as params).
    """
    hidden = tuple(W.shape[1] for W in params[0:-2:2])
    with torch.random.fork_rng():                            # building the module must not move the seed
        model = TinyMLP(params[0].shape[0], hidden, activation).double()
    linears = [m for m in model.net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for layer, linear in enumerate(linears):
            linear.weight.copy_(torch.from_numpy(np.asarray(params[2 * layer], dtype=np.float64).T))
            linear.bias.copy_(torch.from_numpy(np.asarray(params[2 * layer + 1], dtype=np.float64)))
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64).ravel())
    loss = nn.BCEWithLogitsLoss()(model(xt), yt)
    loss.backward()
    grads = []
    for linear in linears:
        grads += [linear.weight.grad.numpy().T.copy(), linear.bias.grad.numpy().copy()]
    return loss.item(), grads


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, transpose: bool = False,
                     output_padding: int = 0) -> int:
    """Side of the output of ``nn.Conv2d`` (or ``nn.ConvTranspose2d``, ``transpose=True``), one channel,
    run on an n x n image of zeros: PyTorch's own answer, to check the formulas against."""
    with torch.random.fork_rng(), torch.no_grad():         # the layer's random init must not move the seed
        if transpose:
            layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=output_padding)
        else:
            layer = nn.Conv2d(1, 1, kernel, stride, padding)
        out = layer(torch.zeros(1, 1, n, n))
    return int(out.shape[-1])
