"""MADE: a masked autoencoder that is an exact autoregressive model of binary images.

Germain, Gregor, Murray & Larochelle (2015), "MADE: Masked Autoencoder for
Distribution Estimation". An ordinary fully connected network maps an image
x (D = H * W pixels in {0, 1}) to D logits. Binary masks on the weight
matrices cut every path from input pixel o_j to output o_t unless j < t in an
ordering o, so output t is the logit of p(x_{o_t} = 1 | x_{o_1}, ..., x_{o_{t-1}})
and one forward pass gives every factor of the chain rule

    log p(x) = sum_t log p(x_{o_t} | x_{o_<t}).

With ``n_masks > 1`` the network is trained with several orderings (one random
mask set per mini-batch: "connectivity-agnostic training", MADE section 3.4)
and the model is the equal-weight mixture of those K autoregressive models,

    p(x) = (1/K) sum_k p_k(x),

which is still an exact likelihood (log-mean-exp of K exact log-likelihoods)
and is sampled by picking k, then pixels one at a time in ordering k.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def make_masks(n_inputs: int, hidden: list[int], ordering: np.ndarray, rng: np.random.Generator
               ) -> tuple[list[np.ndarray], np.ndarray]:
    """MADE's masks for one ordering.

    ``ordering[d]`` is the position (1..D) of pixel d in the autoregressive order.
    Each hidden unit k of layer l gets a degree m_l(k) in [1, D-1]: the number of
    inputs it may see. Returns (masks, direct): ``masks[l]`` has shape
    (units out, units in) for each layer including the output layer, and ``direct``
    (D x D) is the mask of the direct input-to-output connection (strictly lower in the
    ordering). A 1 keeps a weight, a 0 cuts it.
    """
    degrees = [np.asarray(ordering)]
    low = 1
    for units in hidden:
        degree = rng.integers(low, max(n_inputs - 1, low) + 1, size=units)
        degrees.append(degree)
        low = int(degree.min())
    masks = [(later[:, None] >= earlier[None, :]).astype(np.float32)        # hidden: m_l(k) >= m_{l-1}(j)
             for earlier, later in zip(degrees[:-1], degrees[1:])]
    masks.append((degrees[0][:, None] > degrees[-1][None, :]).astype(np.float32))  # output: o(d) > m_L(k)
    direct = (degrees[0][:, None] > degrees[0][None, :]).astype(np.float32)
    return masks, direct


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a fixed 0/1 mask (out x in)."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * mask, self.bias)


class MADE(nn.Module):
    """An order-agnostic MADE over ``n_pixels`` binary pixels.

    Shapes: images (N, D) or (N, H, W) with values in {0, 1}; ``log_prob`` returns (N,)
    log-likelihoods in nats; ``logits`` returns (N, D) next-pixel logits for one mask set.
    The masks and orderings are buffers, so a state dict restores the exact model.
    """

    def __init__(self, n_pixels: int, hidden: tuple[int, ...] = (500,), n_masks: int = 1,
                 dropout: float = 0.0, seed: int = 0, natural_order_first: bool = True):
        super().__init__()
        if n_pixels < 2:
            raise ValueError(f"a MADE needs at least 2 pixels, got {n_pixels}")
        if n_masks < 1 or not hidden:
            raise ValueError("n_masks must be >= 1 and hidden must list at least one layer size")
        self.n_pixels, self.hidden, self.n_masks = n_pixels, tuple(hidden), n_masks
        self.dropout = dropout
        sizes = [n_pixels, *hidden]
        self.layers = nn.ModuleList(MaskedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = MaskedLinear(sizes[-1], n_pixels)
        self.direct = MaskedLinear(n_pixels, n_pixels, bias=False)
        rng = np.random.default_rng(seed)
        orderings, per_layer, directs = [], [[] for _ in range(len(hidden) + 1)], []
        for k in range(n_masks):
            ordering = (np.arange(1, n_pixels + 1) if (k == 0 and natural_order_first)
                        else rng.permutation(n_pixels) + 1)
            masks, direct = make_masks(n_pixels, list(hidden), ordering, rng)
            orderings.append(ordering)
            for layer, mask in enumerate(masks):
                per_layer[layer].append(mask)
            directs.append(direct)
        # ordering[k, d] = position (1..D) of pixel d in ordering k (saved in the state dict); the
        # masks are rebuilt from ``seed`` (NumPy's PCG64 stream is stable), not saved: they are large
        self.register_buffer("orderings", torch.as_tensor(np.stack(orderings), dtype=torch.long))
        for layer, masks in enumerate(per_layer):
            self.register_buffer(f"mask{layer}", torch.as_tensor(np.stack(masks)), persistent=False)
        self.register_buffer("direct_mask", torch.as_tensor(np.stack(directs)), persistent=False)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Load weights; refuses a state dict whose orderings differ from this model's (other seed)."""
        saved = state_dict.get("orderings")
        if saved is not None and not torch.equal(saved.cpu(), self.orderings.cpu()):
            raise ValueError("the saved orderings differ from this model's: build the MADE with the "
                             "same n_pixels, hidden, n_masks and seed as the saved one")
        return super().load_state_dict(state_dict, strict, assign)

    def masks(self, k: int) -> list[torch.Tensor]:
        """The weight masks of mask set ``k`` (hidden layers, then output)."""
        return [getattr(self, f"mask{layer}")[k] for layer in range(len(self.hidden) + 1)]

    def order(self, k: int = 0) -> torch.Tensor:
        """Pixel indices in the order mask set ``k`` generates them (D,)."""
        return torch.argsort(self.orderings[k])

    def check_images(self, x) -> torch.Tensor:
        """Images as a float (N, D) tensor; a clear error for wrong sizes or non-binary values."""
        x = torch.as_tensor(x)
        if x.ndim == 3:
            x = x.reshape(len(x), -1)
        if x.ndim != 2 or x.shape[1] != self.n_pixels:
            raise ValueError(f"expected images of {self.n_pixels} pixels as (N, {self.n_pixels}) or "
                             f"(N, H, W), got shape {tuple(x.shape)}")
        x = x.to(torch.float32)
        if not torch.all((x == 0) | (x == 1)):
            bad = x[(x != 0) & (x != 1)][:3].tolist()
            raise ValueError(f"pixels must be binary (0 or 1), found values such as {bad}; "
                             "binarize first, e.g. load(name, view='binary')")
        return x

    def logits(self, x: torch.Tensor, k: int = 0) -> torch.Tensor:
        """(N, D) float -> (N, D) logits of p(x_d = 1 | pixels before d in ordering k)."""
        masks = self.masks(k)
        h = x
        for layer, mask in zip(self.layers, masks[:-1]):
            h = F.relu(layer(h, mask))
            if self.dropout:
                h = F.dropout(h, self.dropout, self.training)
        return self.output(h, masks[-1]) + self.direct(x, self.direct_mask[k])

    def log_prob_per_mask(self, x) -> torch.Tensor:
        """(N, D) images -> (K, N) exact log p_k(x) in nats for every mask set k."""
        x = self.check_images(x)
        return torch.stack([-F.binary_cross_entropy_with_logits(self.logits(x, k), x, reduction="none")
                            .sum(1) for k in range(self.n_masks)])

    def log_prob(self, x) -> torch.Tensor:
        """(N, D) or (N, H, W) binary images -> (N,) exact log-likelihood in nats per image."""
        return torch.logsumexp(self.log_prob_per_mask(x), 0) - math.log(self.n_masks)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, mask_index: int | None = None) -> torch.Tensor:
        """Draw ``n`` images (n, D) in {0, 1}, one pixel at a time (D steps).

        Each image picks a mask set k uniformly (or ``mask_index``), then pixel o_1, o_2, ...
        of ordering k from its predicted Bernoulli. The same ``seed`` gives the same images.
        """
        generator = torch.Generator().manual_seed(int(seed))
        was_training = self.training
        self.eval()
        if mask_index is None:
            which = torch.randint(self.n_masks, (n,), generator=generator)
        else:
            which = torch.full((n,), int(mask_index), dtype=torch.long)
        uniforms = torch.rand(n, self.n_pixels, generator=generator).to(self.orderings.device)
        x = torch.zeros(n, self.n_pixels, device=self.orderings.device)
        for k in torch.unique(which).tolist():
            rows = (which == k).nonzero().flatten().to(x.device)
            x[rows] = self._sample_mask(k, uniforms[rows])
        self.train(was_training)
        return x

    def _sample_mask(self, k: int, uniforms: torch.Tensor) -> torch.Tensor:
        """Sample with mask set k, given one uniform per pixel (m, D) -> (m, D) images.

        Generating pixel d adds only column d of the first layer's masked weight to its
        pre-activation (a rank-one update), and only output row d is computed, so a step
        costs far less than a full forward pass (MADE paper, section 3.2, on sampling cost).
        """
        masks = self.masks(k)
        first = self.layers[0].weight * masks[0]                        # (H1, D)
        later = [(layer.weight * mask, layer.bias) for layer, mask in zip(self.layers[1:], masks[1:-1])]
        out_w, out_b = self.output.weight * masks[-1], self.output.bias  # (D, H_L), (D,)
        direct = self.direct.weight * self.direct_mask[k]                # (D, D)
        x = torch.zeros_like(uniforms)
        pre = self.layers[0].bias.expand(len(x), -1).clone()            # (m, H1): no pixel seen yet
        for d in self.order(k).tolist():
            h = F.relu(pre)
            for weight, bias in later:
                h = F.relu(F.linear(h, weight, bias))
            logit = h @ out_w[d] + out_b[d] + x @ direct[d]
            x[:, d] = (uniforms[:, d] < torch.sigmoid(logit)).float()
            pre += x[:, d:d + 1] * first[:, d]
        return x
