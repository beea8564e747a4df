"""A minimal decoder-only Transformer language model (GPT style), over characters or any tokens.

The architecture of Vaswani et al. 2017 ("Attention Is All You Need"), decoder half only, as in
GPT (Radford et al. 2018, 2019): every position attends to itself and the positions before it,
never to later ones, so one forward pass over a sequence gives every conditional
p(x_t | x_<t) at once, exactly like MADE's masks in Section 3.3. Blocks are *pre-norm*
(LayerNorm before each sub-layer, inside the residual branch, as GPT-2, Radford et al. 2019),
which Xiong et al. 2020 show trains stably without a learning-rate warm-up.

Shapes: B sequences, T positions, C = d_model channels, H heads of D = C / H channels each,
V tokens in the vocabulary, S = positions held in a key/value cache plus T.

``TransformerLM.forward(ids, cache)`` returns ``(logits, cache)``, the same signature as
:class:`~book_utils.arm.charmodel.CharGRU` (its cache plays the GRU state's role), so the book's
``train_steps`` and ``generate`` drive either model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

POSITIONS = ("learned", "sinusoidal")


@dataclass(frozen=True)
class TransformerConfig:
    """The shape of a :class:`TransformerLM` (a frozen dataclass: saved with a run, compared on resume)."""

    vocab_size: int
    context: int = 128              # longest sequence read at once (positions 0 .. context - 1)
    d_model: int = 128              # C: width of the residual stream
    heads: int = 4                  # H: attention heads, each of d_model / heads channels
    layers: int = 4                 # Transformer blocks
    dropout: float = 0.0            # on embeddings, attention weights and each residual branch
    mlp_ratio: int = 4              # the MLP's hidden width is mlp_ratio * d_model
    positions: str = "learned"      # "learned" (a table, as GPT-2) or "sinusoidal" (Vaswani et al. 2017)
    tie_weights: bool = True        # output head = token embedding transposed (Press and Wolf 2017)

    def __post_init__(self):
        for name in ("vocab_size", "context", "d_model", "heads", "layers", "mlp_ratio"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.d_model % self.heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of heads ({self.heads}): "
                             "each head gets d_model / heads channels")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.positions not in POSITIONS:
            raise ValueError(f"positions must be one of {POSITIONS}, got {self.positions!r}")


def parameter_count(config: TransformerConfig) -> int:
    """The number of weights, from the shapes alone.

    V C (token embedding) + T C (learned positions only) + layers (2 (m + 2) C^2 + (m + 9) C)
    + 2 C (final LayerNorm) + V C (output head, unless tied), with m = mlp_ratio. Per block with
    m = 4: 12 C^2 + 13 C (queries/keys/values 3 C^2 + 3 C, output projection C^2 + C,
    MLP 8 C^2 + 5 C, two LayerNorms 4 C).
    """
    c, m, v = config.d_model, config.mlp_ratio, config.vocab_size
    per_block = (3 * c * c + 3 * c) + (c * c + c) + (2 * m * c * c + m * c + c) + 4 * c
    return (v * c + (config.context * c if config.positions == "learned" else 0)
            + config.layers * per_block + 2 * c + (0 if config.tie_weights else v * c))


def sinusoidal_positions(context: int, d_model: int) -> torch.Tensor:
    """(context, C) fixed position codes of Vaswani et al. 2017, section 3.5:
    PE[p, 2i] = sin(p / 10000^(2i/C)), PE[p, 2i+1] = cos(p / 10000^(2i/C))."""
    position = torch.arange(context, dtype=torch.float32)[:, None]                  # (T, 1)
    frequency = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2) / d_model)  # (ceil(C/2),)
    table = torch.zeros(context, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, :d_model // 2]
    return table


def causal_mask(t: int, s: int | None = None) -> torch.Tensor:
    """(T, S) bool: True where query i may attend to key j.

    The T queries are the last T of S positions (S - T of them cached), so query i sits at
    position S - T + i and sees keys j <= S - T + i: a lower triangle shifted right by S - T.
    """
    s = t if s is None else s
    return torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with a causal mask, written out (Vaswani et al. 2017, section 3.2).

    (B, T, C) -> (B, T, C), plus this layer's keys and values (B, H, S, D) for a cache.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.heads, self.head_dim = config.heads, config.d_model // config.heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)   # queries, keys, values of every head
        self.proj = nn.Linear(config.d_model, config.d_model)      # heads side by side -> residual stream
        self.attn_drop = nn.Dropout(config.dropout)
        self.resid_drop = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=-1)                                   # 3 x (B, T, C)
        q, k, v = (z.view(b, t, self.heads, self.head_dim).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        if past is not None:                                                     # earlier positions' keys
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, H, S, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)             # (B, H, T, S)
        scores = scores.masked_fill(~causal_mask(t, k.shape[2]), float("-inf"))  # no looking ahead
        weights = self.attn_drop(torch.softmax(scores, dim=-1))                 # each row sums to 1
        y = (weights @ v).transpose(1, 2).reshape(b, t, c)                       # (B, T, C)
        return self.resid_drop(self.proj(y)), (k, v)


class Block(nn.Module):
    """A pre-norm Transformer block: x + attention(LN(x)), then x + MLP(LN(x)). (B, T, C) -> (B, T, C)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        c = config.d_model
        self.ln1, self.attn = nn.LayerNorm(c), CausalSelfAttention(config)
        self.ln2 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, config.mlp_ratio * c), nn.GELU(),
                                 nn.Linear(config.mlp_ratio * c, c), nn.Dropout(config.dropout))

    def forward(self, x: torch.Tensor, past=None):
        attended, kv = self.attn(self.ln1(x), past)
        x = x + attended                        # tokens exchange information (only with earlier ones)
        x = x + self.mlp(self.ln2(x))           # each position computes on its own
        return x, kv


@dataclass
class KVCache:
    """What a decoder keeps between sampling steps: the token ids read so far (B, S) and, per block,
    its keys and values (B, H, S, D). Later positions reuse them instead of recomputing."""

    ids: torch.Tensor
    layers: list[tuple[torch.Tensor, torch.Tensor]]

    @property
    def length(self) -> int:
        return self.ids.shape[1]


class TransformerLM(nn.Module):
    """Token embedding + positions -> ``layers`` pre-norm blocks -> LayerNorm -> head (C -> V).

    ``forward(ids (B, T), cache=None)`` returns (logits (B, T, V), :class:`KVCache`). With a cache,
    ``ids`` continue the cached sequence. The model reads at most ``context`` positions: when a
    cached sequence would grow past it, the last ``context // 2`` tokens are read again from
    scratch (positions restart at 0), so every token is predicted from between ``context // 2``
    and ``context`` tokens before it; :func:`bits_per_token` scores text the same way.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.vocab_size = config.vocab_size
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        if config.positions == "learned":
            self.positions = nn.Embedding(config.context, config.d_model)
        else:
            self.register_buffer("position_table", sinusoidal_positions(config.context, config.d_model),
                                 persistent=False)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        if config.tie_weights:
            self.head.weight = self.tokens.weight
        for name, p in self.named_parameters():         # GPT-2: shrink the residual branches' last layers
            if name.endswith(("attn.proj.weight", "mlp.2.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * config.layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def position_codes(self, start: int, t: int) -> torch.Tensor:
        """(T, C) codes of positions start .. start + T - 1."""
        if self.config.positions == "learned":
            return self.positions(torch.arange(start, start + t, device=self.tokens.weight.device))
        return self.position_table[start:start + t]

    def forward(self, ids: torch.Tensor, cache: KVCache | None = None):
        t, context = ids.shape[1], self.config.context
        if t > context:
            raise ValueError(f"the model reads at most {context} positions at once, got {t}; use windows "
                             f"of at most {context} tokens (or a model with a longer context)")
        if cache is not None and cache.length + t > context:       # the window is full: slide it
            keep = min(context // 2, context - t)
            logits, cache = self.forward(torch.cat([cache.ids[:, cache.length - keep:], ids], dim=1))
            return logits[:, -t:], cache
        start = 0 if cache is None else cache.length
        x = self.drop(self.tokens(ids) + self.position_codes(start, t))         # (B, T, C)
        layers = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if cache is None else cache.layers[i])
            layers.append(kv)
        logits = self.head(self.ln_f(x))                                         # (B, T, V)
        seen = ids if cache is None else torch.cat([cache.ids, ids], dim=1)
        return logits, KVCache(seen, layers)


def _windows(n: int, context: int) -> list[tuple[int, int]]:
    """(start, first scored offset) of windows of ``context`` inputs that score targets 1 .. n - 1
    of an n-token sequence exactly once, each from at least context // 2 earlier tokens (but the
    first window's)."""
    if n - 1 <= context:
        return [(0, 0)]
    stride = context // 2 if context > 1 else 1
    windows, scored = [], 0                           # scored: the last target scored so far
    start = 0
    while scored < n - 1:
        start = min(start, n - 1 - context)
        windows.append((start, scored - start))       # target start + j + 1 for j >= scored - start
        scored = start + context
        start += stride
    return windows


@torch.no_grad()
def bits_per_token(model: TransformerLM, ids, batch: int = 64) -> float:
    """Average -log2 p(x_t | up to ``context`` tokens before t) over a held-out id sequence.

    Windows of ``context`` tokens slide by ``context // 2``; each scores only its targets that no
    earlier window scored, so every token but the first ``context`` is predicted from at least
    ``context // 2`` tokens before it (as :meth:`TransformerLM.forward` samples).
    """
    model.eval()
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    if len(ids) < 2:
        raise ValueError("need at least 2 tokens to measure bits per token")
    context = min(model.config.context, len(ids) - 1)
    windows = _windows(len(ids), context)
    total, count = 0.0, 0
    for i in range(0, len(windows), batch):
        group = windows[i:i + batch]
        x = torch.stack([ids[s:s + context] for s, _ in group])                # (B, T)
        y = torch.stack([ids[s + 1:s + context + 1] for s, _ in group])        # (B, T)
        logits, _ = model(x)
        nll = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")    # (B, T) nats
        for row, (_, first) in enumerate(group):
            total += nll[row, first:].sum().item()
            count += context - first
    assert count == len(ids) - 1, (count, len(ids))
    return total / count / math.log(2)
