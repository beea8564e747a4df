"""Decoding a language model: one function that turns a batch of prompts into continuations with any
of the usual strategies (PyTorch).

Greedy decoding takes the most likely token at every step; sampling draws from the model's
distribution reshaped by temperature, top-k or top-p (:mod:`book_utils.arm.sampling`), optionally after
a repetition penalty on the tokens of the last ``penalty_window`` positions (Keskar et al. 2019).
Holtzman et al. 2020 ("The Curious Case of Neural Text Degeneration") compare these strategies on
GPT-2; :mod:`book_utils.arm.textstats` holds the measurements used to compare them here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from book_utils.arm.sampling import filter_logits, penalize_repeats


@dataclass(frozen=True)
class Strategy:
    """How to pick each next token. ``greedy=True`` ignores the sampling knobs."""

    greedy: bool = False
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0     # CTRL's theta; 1 = none
    penalty_window: int = 32            # the penalty looks at this many latest tokens

    def __post_init__(self):
        if self.penalty_window < 1:
            raise ValueError(f"penalty_window must be a positive integer, got {self.penalty_window}")
        filter_logits(torch.zeros(1, 2), self.temperature, self.top_k, self.top_p)   # checks the knobs
        penalize_repeats(torch.zeros(1, 2), torch.zeros(1, 0, dtype=torch.long), self.repetition_penalty)

    def options(self) -> dict:
        return asdict(self)


@torch.no_grad()
def continue_ids(model, prompts, n_tokens: int, strategy: Strategy = Strategy(), seed: int = 0) -> np.ndarray:
    """Continue each of B prompts by ``n_tokens`` tokens.

    ``model(ids (B, T), state)`` returns (logits (B, T, V), state), as the book's GRU and
    Transformer do; ``prompts``: (B, P) int token ids, P >= 1, all prompts of one length.
    Returns (B, n_tokens) int64 ids (the prompts not included). Deterministic for a seed.
    """
    prompts = torch.as_tensor(np.asarray(prompts), dtype=torch.long)
    if prompts.ndim != 2 or prompts.shape[1] < 1:
        raise ValueError(f"prompts must be a (B, P) array of token ids with P >= 1, got shape "
                         f"{tuple(prompts.shape)}")
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    model.eval()
    generator = torch.Generator().manual_seed(int(seed))
    text = prompts
    logits, state = model(prompts)
    s = strategy
    for _ in range(n_tokens):
        last = penalize_repeats(logits[:, -1], text[:, -s.penalty_window:], s.repetition_penalty)  # (B, V)
        if s.greedy:
            nxt = last.argmax(-1)
        else:
            probs = torch.softmax(filter_logits(last, s.temperature, s.top_k, s.top_p), dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        text = torch.cat([text, nxt[:, None]], dim=1)
        logits, state = model(nxt[:, None], state)
    return text[:, prompts.shape[1]:].numpy()
