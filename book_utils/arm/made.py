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

With ``n_cond > 0`` the model is conditional, p(x | c) for a vector c of ``n_cond`` numbers (a
temperature, a class): c enters the first hidden layer's pre-activation and the output logits
through unmasked linear maps. c is not a pixel, so every output may see it and the chain rule
still holds for each c (Germain et al. 2015, section 3; the same device conditions PixelCNN,
van den Oord et al. 2016). With ``n_cond = 0`` (the default) nothing changes.
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
                 dropout: float = 0.0, seed: int = 0, natural_order_first: bool = True, n_cond: int = 0):
        super().__init__()
        if n_pixels < 2:
            raise ValueError(f"a MADE needs at least 2 pixels, got {n_pixels}")
        if n_masks < 1 or not hidden:
            raise ValueError("n_masks must be >= 1 and hidden must list at least one layer size")
        if n_cond < 0:
            raise ValueError(f"n_cond must be >= 0, got {n_cond}")
        self.n_pixels, self.hidden, self.n_masks, self.n_cond = n_pixels, tuple(hidden), n_masks, n_cond
        self.dropout = dropout
        sizes = [n_pixels, *hidden]
        self.layers = nn.ModuleList(MaskedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = MaskedLinear(sizes[-1], n_pixels)
        self.direct = MaskedLinear(n_pixels, n_pixels, bias=False)
        if n_cond:  # unmasked: the condition may reach every hidden unit and every output
            self.cond_hidden = nn.Linear(n_cond, hidden[0], bias=False)
            self.cond_output = nn.Linear(n_cond, n_pixels, bias=False)
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

    def check_cond(self, cond, n: int) -> torch.Tensor | None:
        """The condition as a float (n, n_cond) tensor (None for an unconditional model).

        A single vector (n_cond,) is repeated for all n rows; a clear error when a conditional
        model gets none or an unconditional one gets one.
        """
        if not self.n_cond:
            if cond is not None:
                raise ValueError("this MADE is unconditional (n_cond=0): call it without cond")
            return None
        if cond is None:
            raise ValueError(f"this MADE is conditional: pass cond of shape (N, {self.n_cond})")
        device = self.orderings.device
        cond = torch.as_tensor(cond, dtype=torch.float32, device=device)
        if cond.ndim == 1:
            cond = cond.expand(n, -1)
        if cond.shape != (n, self.n_cond):
            raise ValueError(f"expected cond of shape ({n}, {self.n_cond}), got {tuple(cond.shape)}")
        return cond

    def logits(self, x: torch.Tensor, k: int = 0, cond: torch.Tensor | None = None) -> torch.Tensor:
        """(N, D) float [, (N, n_cond) cond] -> (N, D) logits of p(x_d = 1 | earlier pixels in ordering k)."""
        cond = self.check_cond(cond, len(x))
        masks = self.masks(k)
        h = x
        for index, (layer, mask) in enumerate(zip(self.layers, masks[:-1])):
            pre = layer(h, mask)
            if index == 0 and cond is not None:
                pre = pre + self.cond_hidden(cond)
            h = F.relu(pre)
            if self.dropout:
                h = F.dropout(h, self.dropout, self.training)
        out = self.output(h, masks[-1]) + self.direct(x, self.direct_mask[k])
        return out if cond is None else out + self.cond_output(cond)

    def log_prob_per_mask(self, x, cond=None) -> torch.Tensor:
        """(N, D) images [, (N, n_cond) cond] -> (K, N) exact log p_k(x [| cond]) in nats for every k."""
        x = self.check_images(x)
        return torch.stack([-F.binary_cross_entropy_with_logits(self.logits(x, k, cond), x, reduction="none")
                            .sum(1) for k in range(self.n_masks)])

    def log_prob(self, x, cond=None) -> torch.Tensor:
        """(N, D) or (N, H, W) binary images [, (N, n_cond) cond] -> (N,) exact log-likelihood in nats."""
        return torch.logsumexp(self.log_prob_per_mask(x, cond), 0) - math.log(self.n_masks)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, mask_index: int | None = None, cond=None) -> torch.Tensor:
        """Draw ``n`` images (n, D) in {0, 1}, one pixel at a time (D steps).

        Each image picks a mask set k uniformly (or ``mask_index``), then pixel o_1, o_2, ...
        of ordering k from its predicted Bernoulli. The same ``seed`` gives the same images.
        A conditional model needs ``cond``: (n, n_cond), or one (n_cond,) vector for all n.
        """
        cond = self.check_cond(cond, n)
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
            x[rows] = self._sample_mask(k, uniforms[rows], None if cond is None else cond[rows])
        self.train(was_training)
        return x

    def _sample_mask(self, k: int, uniforms: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Sample with mask set k, given one uniform per pixel (m, D) [and cond (m, n_cond)] -> (m, D).

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
        cond_out = 0.0
        if cond is not None:
            pre += self.cond_hidden(cond)
            cond_out = self.cond_output(cond)                           # (m, D)
        for d in self.order(k).tolist():
            h = F.relu(pre)
            for weight, bias in later:
                h = F.relu(F.linear(h, weight, bias))
            logit = h @ out_w[d] + out_b[d] + x @ direct[d]
            if cond is not None:
                logit = logit + cond_out[:, d]
            x[:, d] = (uniforms[:, d] < torch.sigmoid(logit)).float()
            pre += x[:, d:d + 1] * first[:, d]
        return x
