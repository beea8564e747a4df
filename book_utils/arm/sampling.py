"""Turning next-token logits into a choice: temperature, top-k and nucleus (top-p) sampling.

Every autoregressive sampler ends each step with one categorical draw from
softmax(logits). Three knobs reshape that distribution first:

- temperature T: softmax(logits / T); T < 1 sharpens (safer, less diverse),
  T > 1 flattens (more diverse, more mistakes), T -> 0 is greedy decoding;
- top-k: keep only the k most likely tokens (Fan et al., 2018);
- top-p (nucleus): keep the smallest set of most likely tokens whose total
  probability reaches p (Holtzman et al., 2020, "The Curious Case of Neural Text
  Degeneration");
- a repetition penalty: make tokens already in the recent text less likely (Keskar et al., 2019,
  CTRL), applied to the logits before the three knobs above.
"""

from __future__ import annotations

import torch


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None) -> torch.Tensor:
    """(..., V) logits -> (..., V) logits of the reshaped distribution (-inf where removed)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 (use a small value such as 0.01 for near-greedy), "
                         f"got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs          # mass of strictly more likely tokens
        drop_sorted = before >= top_p                         # the most likely token is always kept
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def sample_next(logits: torch.Tensor, generator: torch.Generator | None = None, temperature: float = 1.0,
                top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """(B, V) logits -> (B,) sampled token ids."""
    probs = torch.softmax(filter_logits(logits, temperature, top_k, top_p), dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def penalize_repeats(logits: torch.Tensor, previous: torch.Tensor, penalty: float) -> torch.Tensor:
    """(B, V) logits, (B, S) ids of the recent text -> (B, V) logits with every token that occurs in
    ``previous`` made less likely: its logit divided by ``penalty`` where positive, multiplied where
    negative (Keskar et al. 2019, CTRL, section 4.1). ``penalty`` = 1 changes nothing."""
    if penalty < 1.0:
        raise ValueError(f"penalty must be >= 1 (1 = no penalty), got {penalty}")
    if penalty == 1.0 or previous.shape[-1] == 0:
        return logits
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, previous.long(), True)
    penalized = torch.where(logits > 0, logits / penalty, logits * penalty)
    return torch.where(seen, penalized, logits)
