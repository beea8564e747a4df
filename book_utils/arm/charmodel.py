"""A character-level language model: a GRU that predicts the next character.

p(c_1 ... c_T) = prod_t p(c_t | c_<t): the recurrent state h_t summarises the
characters read so far, and a linear layer turns it into logits over the
vocabulary. A recurrence is autoregressive by construction (h_t never sees
c_{t+1}), so no mask is needed, and one sampling step costs one GRU step,
whatever the length of the text so far.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from book_utils.arm.sampling import sample_next


class CharVocab:
    """The characters of a training text, each mapped to an integer id (sorted order)."""

    def __init__(self, chars: str):
        if not chars:
            raise ValueError("the vocabulary is empty: a language model needs a non-empty text")
        self.chars = "".join(sorted(set(chars)))
        self.ids = {ch: i for i, ch in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        return cls(text)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """str -> int64 ids; a clear error names the first character outside the vocabulary."""
        try:
            return np.fromiter((self.ids[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            pos = next(i for i, ch in enumerate(text) if ch not in self.ids)
            raise ValueError(f"character {err.args[0]!r} at position {pos} is not in the model's "
                             f"vocabulary of {len(self)} characters; use only characters of the "
                             "training text") from None

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class CharGRU(nn.Module):
    """Embedding (V -> E) -> GRU (E -> H, ``layers``) -> Linear (H -> V).

    ``forward(ids (B, T), state)`` returns (logits (B, T, V), new state (layers, B, H)).
    """

    def __init__(self, vocab_size: int, embed: int = 32, hidden: int = 256, layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embed)
        self.gru = nn.GRU(embed, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None):
        out, state = self.gru(self.embed(ids), state)
        return self.head(out), state


def random_windows(ids: np.ndarray, batch: int, length: int, generator: torch.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-character targets (batch, length) from random places in ``ids``."""
    if len(ids) <= length + 1:
        raise ValueError(f"the training text has {len(ids)} characters, fewer than one window of "
                         f"{length + 1}; give more text or shorter windows (--option seq_len=N)")
    starts = torch.randint(len(ids) - length - 1, (batch,), generator=generator).numpy()
    chunk = np.stack([ids[s:s + length + 1] for s in starts])
    chunk = torch.as_tensor(chunk)
    return chunk[:, :-1], chunk[:, 1:]


def train_steps(model: nn.Module, optimizer: torch.optim.Optimizer, ids: np.ndarray, steps: int,
                batch: int, length: int, generator: torch.Generator, clip: float = 1.0,
                scheduler: torch.optim.lr_scheduler.LRScheduler | None = None) -> list[float]:
    """``steps`` Adam steps on random windows; returns the loss of each step in bits/char.

    ``model(ids (B, T))`` returns (logits (B, T, V), state): a :class:`CharGRU` or a
    :class:`~book_utils.arm.transformer.TransformerLM`. ``scheduler``, if given, steps after each step.
    """
    model.train()
    losses = []
    for _ in range(steps):
        x, y = random_windows(ids, batch, length, generator)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item() / math.log(2))
    return losses


@torch.no_grad()
def bits_per_char(model: CharGRU, ids: np.ndarray, streams: int = 16, chunk: int = 256) -> float:
    """Average -log2 p(c_t | c_<t) over a held-out id sequence.

    The text is cut into ``streams`` contiguous pieces read in parallel, and the GRU state
    is carried from chunk to chunk, so every character but the first of each piece is
    predicted from all the text before it in its piece.
    """
    model.eval()
    ids = np.asarray(ids)
    if len(ids) < 2:
        raise ValueError("need at least 2 characters to measure bits per character")
    streams = max(1, min(streams, (len(ids) - 1) // 2))
    length = (len(ids) - 1) // streams
    x = torch.as_tensor(ids[:streams * length].reshape(streams, length))
    y = torch.as_tensor(ids[1:streams * length + 1].reshape(streams, length))
    total, state = 0.0, None
    for start in range(0, length, chunk):
        logits, state = model(x[:, start:start + chunk], state)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, start:start + chunk].reshape(-1),
                                 reduction="sum").item()
    return total / (streams * length) / math.log(2)


@torch.no_grad()
def generate(model: CharGRU, vocab: CharVocab, n_chars: int, prompt: str = "\n", n: int = 1, seed: int = 0,
             temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None) -> list[str]:
    """Sample ``n`` continuations of ``prompt``, ``n_chars`` characters each, one step at a time."""
    if not prompt:
        raise ValueError("give a non-empty prompt (e.g. '\\n') to start sampling from")
    model.eval()
    generator = torch.Generator().manual_seed(int(seed))
    ids = torch.as_tensor(vocab.encode(prompt)).repeat(n, 1)
    logits, state = model(ids)
    out = []
    for _ in range(n_chars):
        nxt = sample_next(logits[:, -1], generator, temperature, top_k, top_p)
        out.append(nxt)
        logits, state = model(nxt[:, None], state)
    codes = torch.stack(out, 1).numpy() if out else np.zeros((n, 0), dtype=np.int64)
    return [vocab.decode(row) for row in codes]
