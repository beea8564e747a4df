"""A statistical watermark for generated text: the green list of Kirchenbauer et al. 2023.

Kirchenbauer et al. 2023 ("A Watermark for Large Language Models") change only the sampler. Before
each token is drawn, the previous token and a secret key are hashed into a seed, the seed splits the
vocabulary into a *green list* (a share gamma of the V tokens) and a red list, and every green
token's logit is raised by delta. The text reads almost as before, but it holds more green tokens
than chance would give. Whoever knows the key recounts them: with T scored tokens of which s are
green, under "this text was written without the key" s ~ Binomial(T, gamma), so

    z = (s - gamma T) / sqrt(T gamma (1 - gamma))

is about standard normal, and a large z (the paper uses z > 4) says "watermarked". Human text and
text sampled without the watermark score about 0; watermarked text scores about
sqrt(T) (share_green - gamma) / sqrt(gamma (1 - gamma)), so detection needs fewer tokens where the
model's next-token distribution has more entropy to steer.

One caution the paper's later work raises (Kirchenbauer et al. 2023b, "On the Reliability of
Watermarks for Large Language Models"): a repeated (previous, current) pair is green or red every
time it recurs, so repeats (runs of spaces in indented text) break the independence that the
binomial assumes. ``z_score(..., ignore_repeats=True)`` scores each distinct pair once.

Shapes: V tokens, B texts, T tokens per text. The green lists of a key are one (V, V) bool matrix:
row p holds the green list that follows previous token p.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import torch
from torch.nn import functional as F


def green_lists(vocab_size: int, gamma: float = 0.5, key: int = 15485863) -> np.ndarray:
    """(V, V) bool: ``greens[p, t]`` is True when token t is green after previous token p.

    Row p is the first round(gamma V) tokens of a permutation seeded by SHA-256 of (key, p).
    """
    if not 0.0 < gamma < 1.0:
        raise ValueError(f"gamma must be between 0 and 1, got {gamma}")
    n_green = max(1, round(gamma * vocab_size))
    greens = np.zeros((vocab_size, vocab_size), dtype=bool)
    for prev in range(vocab_size):
        digest = hashlib.sha256(f"{key}:{prev}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        greens[prev, rng.permutation(vocab_size)[:n_green]] = True
    return greens


@torch.no_grad()
def sample(model, prompts: torch.Tensor, length: int, greens: np.ndarray | None = None, delta: float = 0.0,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Continue each prompt by ``length`` tokens, with the watermark when ``greens`` is given.

    ``model(ids, cache)`` returns (logits (B, T, V), cache) (the book's character models); ``prompts``
    (B, P) ids. Returns the new tokens (B, length) and the log2-probability each one had under the
    *unwatermarked* model (B, length): their mean is the text's bits per token without the key.
    """
    model.eval()
    generator = torch.Generator().manual_seed(int(seed))
    green = None if greens is None else torch.as_tensor(greens, dtype=torch.float32) * float(delta)
    logits, cache = model(prompts)
    last = prompts[:, -1]
    tokens, log2p = [], []
    for _ in range(length):
        plain = F.log_softmax(logits[:, -1], dim=-1)                               # (B, V) nats
        steered = plain if green is None else plain + green[last]                  # + delta on green
        nxt = torch.multinomial(torch.softmax(steered, dim=-1), 1, generator=generator).squeeze(-1)
        tokens.append(nxt)
        log2p.append(plain.gather(1, nxt[:, None]).squeeze(1) / math.log(2))
        logits, cache = model(nxt[:, None], cache)
        last = nxt
    return torch.stack(tokens, 1).numpy(), torch.stack(log2p, 1).numpy()


def green_flags(tokens: np.ndarray, first_previous, greens: np.ndarray) -> np.ndarray:
    """(B, T) bool: is token t green given the token before it? ``first_previous`` (B,) is the token
    before each text's first one (the prompt's last)."""
    tokens = np.atleast_2d(np.asarray(tokens))
    previous = np.concatenate([np.asarray(first_previous).reshape(-1, 1), tokens[:, :-1]], axis=1)
    return greens[previous, tokens]


def distinct_pairs(tokens, first_previous, vocab_size: int) -> np.ndarray:
    """(B,) the number of distinct (previous, token) pairs in each text: what ``z_score`` scores
    with ``ignore_repeats``."""
    tokens = np.atleast_2d(np.asarray(tokens))
    previous = np.concatenate([np.asarray(first_previous).reshape(-1, 1), tokens[:, :-1]], axis=1)
    return np.array([len(np.unique(p * vocab_size + t)) for p, t in zip(previous, tokens)])


def z_score(tokens, first_previous, greens: np.ndarray, gamma: float, ignore_repeats: bool = True
            ) -> np.ndarray:
    """The detector's z of each text (B,): (green - gamma T) / sqrt(T gamma (1 - gamma)).

    With ``ignore_repeats`` each distinct (previous, token) pair of a text is scored once, so T is
    the number of distinct pairs."""
    tokens = np.atleast_2d(np.asarray(tokens))
    previous = np.concatenate([np.asarray(first_previous).reshape(-1, 1), tokens[:, :-1]], axis=1)
    z = np.empty(len(tokens))
    for i, (p, t) in enumerate(zip(previous, tokens)):
        if ignore_repeats:
            pairs = np.unique(p * greens.shape[0] + t)
            p, t = pairs // greens.shape[0], pairs % greens.shape[0]
        n, s = len(t), greens[p, t].sum()
        z[i] = (s - gamma * n) / math.sqrt(n * gamma * (1 - gamma))
    return z


def expected_cost_bits(logits: torch.Tensor, previous: torch.Tensor, greens: np.ndarray,
                       delta: float) -> float:
    """Mean KL(watermarked || plain) in bits over the rows of next-token ``logits`` (B, V) that follow
    the tokens ``previous`` (B,): the expected extra bits per token that the unwatermarked model pays
    for reading watermarked text, at these contexts."""
    plain = F.log_softmax(logits, dim=-1)
    steered = F.log_softmax(plain + torch.as_tensor(greens, dtype=torch.float32)[previous] * delta, dim=-1)
    return float((steered.exp() * (steered - plain)).sum(-1).mean() / math.log(2))
