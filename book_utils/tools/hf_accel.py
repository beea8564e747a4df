"""One training loop, with and without Hugging Face ``accelerate``.

``accelerate`` lets the same loop run on a CPU, one GPU, several GPUs or machines, in mixed
precision, by changing only the launch (``accelerate launch``), not the loop: ``prepare`` wraps the
model, optimiser and data loader for the devices it finds, and ``accelerator.backward(loss)``
replaces ``loss.backward()``. On one CPU process the wrapped loop computes exactly what the plain
one does, which :func:`train_loop` lets a reader check.
"""

from __future__ import annotations

import torch


def train_loop(model, loader, optimizer, steps: int, accelerator=None, clip: float = 1.0) -> list[float]:
    """``steps`` optimiser steps of a causal LM over ``loader`` (batches with ``input_ids`` and
    ``labels``, (B, T)); returns each step's loss (nats per token).

    With ``accelerator`` (an ``accelerate.Accelerator``), the model, optimiser and loader go through
    ``accelerator.prepare`` and the backward pass and clipping through the accelerator; the loop is
    otherwise the same lines.
    """
    if accelerator is not None:
        model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    model.train()
    losses: list[float] = []
    while len(losses) < steps:
        for batch in loader:
            loss = model(input_ids=batch["input_ids"], labels=batch["labels"]).loss
            optimizer.zero_grad()
            if accelerator is None:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            else:
                accelerator.backward(loss)
                accelerator.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses
