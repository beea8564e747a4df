"""Canary exposure: how much a language model memorised a secret it saw in its training text.

Carlini et al. 2019 ("The Secret Sharer: Evaluating and Testing Unintended Memorization in Neural
Networks") insert random *canaries* such as "my PIN is 4 8 1 9 3" into the training text, some of
them several times, train as usual, and then ask how the model ranks each inserted secret among
every secret of the same format (the candidate space R, here all 10^digits digit strings):

    exposure = log2 |R| - log2 rank,     rank 1 = the most likely candidate.

A secret the model knows nothing about has a rank spread uniformly over 1 .. |R| (exposure about
log2 e = 1.44 bits on average); a secret it has memorised is ranked first (exposure log2 |R|, the
maximum). Here the candidates' log-likelihoods are computed exactly over all of R: every candidate
shares the prefix, so one forward pass over the 10^(digits - 1) strings without their last digit
gives the log-probability of every digit at every position, and so of all 10^digits candidates.

Shapes: V characters in the vocabulary, R = 10^digits candidates.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F

PREFIX = "\n\nmy PIN is "     # the start of every canary paragraph (a blank line before it)


def random_secrets(n: int, digits: int = 5, seed: int = 0) -> list[str]:
    """``n`` distinct random digit strings of length ``digits`` (e.g. '48193')."""
    if n > 10 ** digits:
        raise ValueError(f"only {10 ** digits} distinct secrets of {digits} digits exist, asked for {n}")
    rng = np.random.default_rng(seed)
    values = rng.choice(10 ** digits, size=n, replace=False)
    return [f"{v:0{digits}d}" for v in values]


def canary_text(secret: str, prefix: str = PREFIX) -> str:
    """The canary paragraph for ``secret``: '\\n\\nmy PIN is 4 8 1 9 3' (digits separated by spaces)."""
    if not secret.isdigit():
        raise ValueError(f"a secret is a string of digits, got {secret!r}")
    return prefix + " ".join(secret)


def insert_canaries(text: str, counts: dict[str, int], seed: int = 0, prefix: str = PREFIX) -> str:
    """``text`` with each secret's canary paragraph inserted ``counts[secret]`` times, each copy
    at a random paragraph break ('\\n\\n') of the original text (str -> str)."""
    breaks = np.array([i for i in range(len(text) - 1) if text[i:i + 2] == "\n\n"])
    copies = [canary_text(s, prefix) for s, k in counts.items() for _ in range(int(k))]
    if len(breaks) < len(copies):
        raise ValueError(f"the text has {len(breaks)} paragraph breaks, fewer than the {len(copies)} "
                         "canary copies to insert; give a longer text")
    rng = np.random.default_rng(seed)
    places = rng.choice(breaks, size=len(copies), replace=False)
    order = np.argsort(places)
    pieces, last = [], 0
    for j in order:
        pieces += [text[last:places[j]], copies[j]]
        last = places[j]
    pieces.append(text[last:])
    return "".join(pieces)


@torch.no_grad()
def candidate_log2_probs(model, vocab, digits: int, prefix: str = PREFIX, batch: int = 2000) -> np.ndarray:
    """log2 p(candidate | prefix) of every candidate secret, indexed by its value: (10^digits,).

    ``model(ids (B, T))`` returns (logits (B, T, V), state) (the book's character models);
    ``vocab`` encodes text to ids and must hold the ten digits and the space.
    """
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    model.eval()
    prefix_ids = vocab.encode(prefix)
    digit_ids = torch.as_tensor(vocab.encode("0123456789"))
    space = int(vocab.encode(" ")[0])
    n_stems = 10 ** (digits - 1)
    out = np.empty(10 ** digits)
    for start in range(0, n_stems, batch):
        stems = np.arange(start, min(start + batch, n_stems))
        # the first digits - 1 digits of each stem, most significant first: (b, digits - 1)
        stem_digits = (stems[:, None] // 10 ** np.arange(digits - 2, -1, -1)[None, :]) % 10 \
            if digits > 1 else np.zeros((len(stems), 0), dtype=np.int64)
        b = len(stems)
        ids = np.empty((b, len(prefix_ids) + 2 * (digits - 1)), dtype=np.int64)
        ids[:, :len(prefix_ids)] = prefix_ids
        ids[:, len(prefix_ids)::2] = digit_ids.numpy()[stem_digits]
        ids[:, len(prefix_ids) + 1::2] = space
        logp = F.log_softmax(model(torch.as_tensor(ids))[0], dim=-1)             # (b, T, V)
        # positions whose next character is a digit: after the prefix, then after each space
        at = len(prefix_ids) - 1 + 2 * np.arange(digits)                          # (digits,)
        lp = logp[:, at][:, :, digit_ids].numpy()                                 # (b, digits, 10)
        known = np.zeros(b)
        for k in range(digits - 1):                                    # the stem's digits and spaces
            known += lp[np.arange(b), k, stem_digits[:, k]]
            known += logp[:, at[k] + 1, space].numpy()
        out[start * 10:(start + b) * 10] = (known[:, None] + lp[:, digits - 1, :]).reshape(-1)
    return out / math.log(2)


def rank_of(log_probs: np.ndarray, index: int) -> int:
    """1 + the number of candidates strictly more likely than candidate ``index`` (rank 1 = the top)."""
    return int(1 + np.sum(log_probs > log_probs[index]))


def exposure(log_probs: np.ndarray, secret: str) -> float:
    """log2 |R| - log2 rank of ``secret`` among all candidates (bits; 0 .. log2 |R|)."""
    if len(log_probs) != 10 ** len(secret):
        raise ValueError(f"{len(log_probs)} candidates do not match a secret of {len(secret)} digits")
    return math.log2(len(log_probs)) - math.log2(rank_of(log_probs, int(secret)))


def sampled_exposure(log_probs: np.ndarray, secret: str, n: int, seed: int = 0) -> float:
    """Exposure estimated from ``n`` random candidates (Carlini et al. 2019, section 4.2's sampling):
    -log2 of the share of random candidates at least as likely as the secret (at most log2 n)."""
    rng = np.random.default_rng(seed)
    sample = log_probs[rng.integers(len(log_probs), size=n)]
    share = max(np.mean(sample >= log_probs[int(secret)]), 1.0 / n)
    return float(-math.log2(share))
