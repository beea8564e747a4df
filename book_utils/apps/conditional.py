"""Fitting a conditional MADE p(x | c) by maximum likelihood (PyTorch), for chapter 6's applications.

The model is :class:`book_utils.arm.made.MADE` with ``n_cond > 0`` (Germain et al. 2015); this module
only holds the short training loop and a batched scorer, so a section can condition the book's
pixel model on a temperature (Section 6.3's Ising surrogate) or on a digit class.
"""

from __future__ import annotations

import numpy as np
import torch

from book_utils.arm.made import MADE


def fit_made(x: np.ndarray, cond: np.ndarray | None = None, hidden: tuple[int, ...] = (256,),
             n_masks: int = 1, epochs: int = 20, batch_size: int = 256, lr: float = 3e-3,
             dropout: float = 0.0, seed: int = 0) -> tuple[MADE, list[float]]:
    """Train MADE(n_cond = cond.shape[1]) on binary x (N, D) with conditions cond (N, C) (or none).

    Adam with a learning rate that decays linearly to zero; returns (model in eval mode, mean
    training NLL in nats per example for each epoch).
    """
    x_t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    c_t = torch.as_tensor(np.zeros((len(x_t), 0), np.float32) if cond is None
                          else np.asarray(cond, np.float32))
    if len(x_t) != len(c_t) or c_t.ndim != 2:
        raise ValueError(f"x (N, D) and cond (N, C) must have the same N, got {tuple(x_t.shape)} and "
                         f"{tuple(c_t.shape)}")
    torch.manual_seed(seed)
    model = MADE(x_t.shape[1], hidden, n_masks, dropout, seed=seed, n_cond=c_t.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = -(-len(x_t) // batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: max(0.0, 1.0 - step / (epochs * steps_per_epoch)))
    generator = torch.Generator().manual_seed(seed)
    history = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_t), generator=generator)
        total = 0.0
        for start in range(0, len(x_t), batch_size):
            rows = order[start:start + batch_size]
            k = int(torch.randint(n_masks, (1,), generator=generator))
            logits = model.logits(x_t[rows], k, c_t[rows] if model.n_cond else None)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x_t[rows], reduction="none").sum(1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        history.append(total / len(x_t))
    return model.eval(), history


@torch.no_grad()
def log_prob(model: MADE, x: np.ndarray, cond: np.ndarray | None = None, batch: int = 2000) -> np.ndarray:
    """Exact log p(x [| cond]) in nats, (N,) NumPy, computed in batches."""
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    parts = []
    for start in range(0, len(x), batch):
        c = None if cond is None else np.asarray(cond[start:start + batch], dtype=np.float32)
        parts.append(model.log_prob(torch.as_tensor(x[start:start + batch]), c).numpy())
    return np.concatenate(parts) if parts else np.zeros(0)
