"""A scaling study of the book's Transformer: held-out loss against model size, data and compute.

Kaplan et al. 2020 ("Scaling Laws for Neural Language Models") found that a language model's
held-out loss falls as a power law in its non-embedding parameter count N when data do not limit
it, L(N) = (N_c / N)^alpha_N with alpha_N ~ 0.076, and that compute C ~ 6 N D floating-point
operations for D training tokens (2 N per token forward, 4 N backward). Hoffmann et al. 2022
("Training Compute-Optimal Large Language Models", Chinchilla) fit L(N, D) = E + A / N^alpha + B / D^beta
and found that at a fixed compute budget N and D should grow together (about 20 tokens per parameter).

This module holds both halves of such a study at a size a CPU can run:

* **training** (PyTorch): :func:`train_grid` trains one :class:`~book_utils.arm.transformer.TransformerLM`
  per :class:`ModelSize` with the book's ``train_steps`` at a constant learning rate (after a short
  linear warm-up) and measures held-out bits per character at several token counts. With a constant
  rate, a run of D tokens is exactly the first D tokens of a longer run (same seed, same windows),
  so one run per size gives every data size;
* **fits** (NumPy / SciPy, no training): :func:`fit_power_law` fits L(N) = a N^(-alpha) + c,
  :func:`bootstrap_exponent` gives alpha a percentile interval by resampling the fitted points,
  :func:`predict_from_smaller` extrapolates the largest model's loss from the smaller ones, and
  :func:`compute_frontier` finds the points no cheaper run beats.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from book_utils.arm.charmodel import train_steps
from book_utils.arm.transformer import TransformerConfig, TransformerLM, bits_per_token, parameter_count

# --- model sizes and compute -------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSize:
    """The shape of one model of the grid (width, depth, heads); the context and vocabulary are shared."""

    d_model: int
    layers: int
    heads: int = 4

    def config(self, vocab_size: int, context: int) -> TransformerConfig:
        return TransformerConfig(vocab_size, context=context, d_model=self.d_model, heads=self.heads,
                                 layers=self.layers)


def non_embedding_parameters(config: TransformerConfig) -> int:
    """N of Kaplan et al. 2020: every weight but the token and position embeddings (and the output
    head, tied to the token embedding here). For 4x MLPs, layers * (12 C^2 + 13 C) + 2 C."""
    embeddings = config.vocab_size * config.d_model * (1 if config.tie_weights else 2)
    positions = config.context * config.d_model if config.positions == "learned" else 0
    return parameter_count(config) - embeddings - positions


def training_flops(n_params, tokens):
    """C ~ 6 N D (Kaplan et al. 2020, section 2.1): 2 N multiply-adds per token forward, 4 N backward.
    It leaves out attention's own 6 * layers * context * d_model per token (see :func:`attention_share`)."""
    return 6.0 * np.asarray(n_params, dtype=float) * np.asarray(tokens, dtype=float)


def attention_share(config: TransformerConfig) -> float:
    """The share of a token's training FLOPs that 6 N leaves out: attention scores and their weighted
    sum, 6 * layers * context * d_model (Kaplan et al. 2020, Table 1, with the whole context attended)."""
    n = non_embedding_parameters(config)
    extra = 6.0 * config.layers * config.context * config.d_model
    return extra / (6.0 * n + extra)


# --- training a grid ---------------------------------------------------------------------------


def train_grid(train_ids: np.ndarray, heldout_ids: np.ndarray, vocab_size: int, sizes, checkpoints,
               *, context: int = 64, batch: int = 16, lr: float = 3e-3, warmup: int = 20, seed: int = 0,
               log=None) -> list[dict]:
    """Train one Transformer per size in ``sizes`` and measure it at each step count in ``checkpoints``.

    Every model sees the same random windows of ``train_ids`` (batch x context characters per Adam
    step, seeded by ``seed``) at the same learning rate ``lr`` (linear warm-up over ``warmup`` steps,
    then constant), and is scored on the same ``heldout_ids`` by :func:`bits_per_token`.
    Returns one row per (size, checkpoint): d_model, layers, heads, n_params (non-embedding),
    steps, tokens (= steps * batch * context), flops (6 N D), bits (held-out bits per character),
    train_bits (mean training loss of the last 10 % of steps so far) and seconds (training so far).
    ``log(row)``, if given, is called after each measurement.
    """
    checkpoints = sorted({int(s) for s in checkpoints})
    warmup = max(int(warmup), 1)
    if not checkpoints or checkpoints[0] < 1:
        raise ValueError(f"checkpoints must be positive step counts, got {checkpoints}")
    rows = []
    for size in sizes:
        config = size.config(vocab_size, context)
        n = non_embedding_parameters(config)
        torch.manual_seed(seed)
        model = TransformerLM(config)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
        windows = torch.Generator().manual_seed(seed)                # the same windows for every size
        done, losses, seconds = 0, [], 0.0
        for target in checkpoints:
            start = time.perf_counter()
            losses += train_steps(model, optimizer, train_ids, target - done, batch, context, windows,
                                  scheduler=schedule)
            seconds += time.perf_counter() - start
            done = target
            tokens = done * batch * context
            row = {**asdict(size), "n_params": n, "steps": done, "tokens": tokens,
                   "flops": float(training_flops(n, tokens)), "bits": bits_per_token(model, heldout_ids),
                   "train_bits": float(np.mean(losses[-max(1, done // 10):])), "seconds": seconds}
            rows.append(row)
            if log is not None:
                log(row)
    return rows


def select(rows: list[dict], **where) -> list[dict]:
    """The rows whose keys equal the given values, sorted by parameters then tokens."""
    chosen = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return sorted(chosen, key=lambda r: (r["n_params"], r["tokens"]))


# --- fits (no training) ------------------------------------------------------------------------


def power_law(n, a: float, alpha: float, c: float):
    """L(N) = a N^(-alpha) + c: a reducible part that shrinks with N plus a floor c."""
    return a * np.power(np.asarray(n, dtype=float), -alpha) + c


def _start(x: np.ndarray, loss: np.ndarray, alpha_max: float) -> tuple[float, float, float]:
    """A starting point for the fit: for each alpha on a grid, (a, c) by linear least squares
    (c kept in [0, min L], a >= 0); the best of the grid."""
    floor = float(loss.min())
    alphas = np.linspace(0.0, alpha_max, 151)[1:, None]               # (K, 1)
    u = x[None, :] ** -alphas                                          # (K, M): loss ~ a u + c
    du = u - u.mean(axis=1, keepdims=True)
    a = (du @ (loss - loss.mean())) / np.maximum((du ** 2).sum(axis=1), 1e-300)
    c = np.clip(loss.mean() - a * u.mean(axis=1), 0.0, floor)          # the floor kept in [0, min L]
    a = np.maximum(((loss[None, :] - c[:, None]) * u).sum(axis=1) / (u ** 2).sum(axis=1), 0.0)
    sse = ((a[:, None] * u + c[:, None] - loss[None, :]) ** 2).sum(axis=1)
    k = int(np.argmin(sse))
    return float(a[k]), float(alphas[k, 0]), float(c[k])


def fit_power_law(n, loss, alpha_max: float = 3.0) -> dict:
    """Least-squares fit of :func:`power_law` (``scipy.optimize.curve_fit``) to points (N_i, L_i).

    N is divided by its smallest value before fitting (so the numbers the optimiser sees are of
    order one), with a > 0, 0 <= alpha <= ``alpha_max`` and 0 <= c <= min L. Needs at least 3
    distinct N. Returns {"a", "alpha", "c"} in the original units of N and L.
    """
    from scipy.optimize import curve_fit

    n, loss = np.asarray(n, dtype=float), np.asarray(loss, dtype=float)
    if n.shape != loss.shape or n.ndim != 1:
        raise ValueError(f"n and loss must be 1-D arrays of the same length, got {n.shape} and {loss.shape}")
    if len(np.unique(n)) < 3:
        raise ValueError(f"a power law with a floor has 3 parameters: give at least 3 distinct N, got "
                         f"{len(np.unique(n))}")
    if np.any(n <= 0):
        raise ValueError("parameter counts must be positive")
    n0 = n.min()
    x = n / n0
    floor = float(loss.min())
    params = _start(x, loss, alpha_max)
    try:
        params, _ = curve_fit(power_law, x, loss, p0=params, maxfev=20_000,
                              bounds=([0.0, 0.0, 0.0], [np.inf, alpha_max, floor]))
    except RuntimeError as err:
        raise RuntimeError("the power-law fit did not converge") from err
    a, alpha, c = params
    return {"a": float(a * n0 ** alpha), "alpha": float(alpha), "c": float(c)}


def bootstrap_exponent(n, loss, n_boot: int = 1000, level: float = 0.9, seed: int = 0,
                       min_distinct: int = 4) -> dict:
    """A percentile bootstrap interval for alpha: resample the points (N_i, L_i) with replacement,
    refit, and take the (1 - level) / 2 and (1 + level) / 2 quantiles of the refitted alphas
    (Efron and Tibshirani 1993, ch. 13). Draws with fewer than ``min_distinct`` distinct N are
    drawn again (a 3-parameter curve through 3 points fits anything).

    Returns {"alpha": the fit on all points, "low", "high", "alphas": (n_boot,) refits}.
    """
    n, loss = np.asarray(n, dtype=float), np.asarray(loss, dtype=float)
    if len(np.unique(n)) < min_distinct:
        raise ValueError(f"need at least {min_distinct} distinct N to bootstrap, got {len(np.unique(n))}")
    rng = np.random.default_rng(seed)
    alphas = []
    while len(alphas) < n_boot:
        pick = rng.integers(len(n), size=len(n))
        if len(np.unique(n[pick])) < min_distinct:
            continue
        try:
            alphas.append(fit_power_law(n[pick], loss[pick])["alpha"])
        except RuntimeError:
            continue
    alphas = np.array(alphas)
    low, high = np.quantile(alphas, [(1 - level) / 2, (1 + level) / 2])
    return {"alpha": fit_power_law(n, loss)["alpha"], "low": float(low), "high": float(high),
            "alphas": alphas}


def predict_from_smaller(n, loss) -> dict:
    """Fit the power law on every point but the largest N and extrapolate to the largest.

    Returns {"fit": the fit on the smaller models, "n": the largest N, "predicted", "measured",
    "error": predicted - measured, "naive_error": the error of predicting no gain at all (the
    second-largest model's loss)}.
    """
    n, loss = np.asarray(n, dtype=float), np.asarray(loss, dtype=float)
    order = np.argsort(n)
    n, loss = n[order], loss[order]
    if n[-1] == n[-2]:
        raise ValueError("the largest N occurs twice: give one point per model size")
    fit = fit_power_law(n[:-1], loss[:-1])
    predicted = float(power_law(n[-1], fit["a"], fit["alpha"], fit["c"]))
    return {"fit": fit, "n": float(n[-1]), "predicted": predicted, "measured": float(loss[-1]),
            "error": predicted - float(loss[-1]), "naive_error": float(loss[-2] - loss[-1])}


def compute_frontier(flops, loss) -> np.ndarray:
    """Indices of the compute-efficient points, in order of compute: those whose loss is lower than
    that of every point with less or equal compute (the lower envelope of the learning curves
    in Kaplan et al. 2020, Figure 1, sampled at the measured points)."""
    flops, loss = np.asarray(flops, dtype=float), np.asarray(loss, dtype=float)
    order = np.lexsort((loss, flops))
    frontier, best = [], math.inf
    for i in order:
        if loss[i] < best:
            frontier.append(int(i))
            best = loss[i]
    return np.array(frontier, dtype=int)


def loss_at_compute(flops, loss, at):
    """One learning curve's loss at compute ``at``: log loss interpolated linearly in log compute between
    the measured points (``flops``, ``loss`` of one model); NaN outside the measured range."""
    flops, loss = np.asarray(flops, dtype=float), np.asarray(loss, dtype=float)
    order = np.argsort(flops)
    value = np.interp(np.log(np.asarray(at, dtype=float)), np.log(flops[order]), np.log(loss[order]),
                      left=np.nan, right=np.nan)
    return np.exp(value)


def equal_compute_pairs(rows: list[dict]) -> list[dict]:
    """Every comparison at equal compute that a grid allows: for each measurement of a model and each
    smaller model whose measured compute range covers it, the smaller model's loss at that compute
    (:func:`loss_at_compute`). The smaller model has then seen more tokens, flops / (6 N_small).

    Returns dicts with n_large, n_small, flops, bits_large, bits_small, tokens_large, tokens_small.
    """
    sizes = sorted({r["n_params"] for r in rows})
    pairs = []
    for i, big in enumerate(sizes):
        for row in select(rows, n_params=big):
            for small in sizes[:i]:
                curve = select(rows, n_params=small)
                flops, bits = [r["flops"] for r in curve], [r["bits"] for r in curve]
                at = float(loss_at_compute(flops, bits, row["flops"]))
                if np.isfinite(at):
                    pairs.append({"n_large": big, "n_small": small, "flops": row["flops"],
                                  "bits_large": row["bits"], "bits_small": at, "tokens_large": row["tokens"],
                                  "tokens_small": row["flops"] / (6.0 * small)})
    return pairs
