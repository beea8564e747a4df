"""Personalised generation: adapt a pretrained character Transformer to one user's text with LoRA.

Low-rank adaptation (LoRA, Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models")
freezes every pretrained weight W (d_out x d_in) and learns a low-rank change beside it:

    h = W x + (alpha / r) B A x,    A: (r, d_in), B: (d_out, r), r << min(d_in, d_out),

with B starting at zero, so training starts from the pretrained model exactly. Only A and B are
trained and saved: r (d_in + d_out) numbers per adapted layer instead of d_in d_out. After training,
W + (alpha / r) B A is one matrix again (``merge_and_unload``), so the adapted model costs nothing
extra at inference. The ``peft`` library (Hugging Face) wraps any ``torch.nn.Module``: the layers to
adapt are named in ``LoraConfig.target_modules`` (a name matches a module whose dotted name ends
with it). Here they are the ``nn.Linear`` layers of :class:`~book_utils.arm.transformer.TransformerLM`:
each block's ``attn.qkv`` and ``attn.proj`` and its MLP's ``mlp.0`` and ``mlp.2``.

Biderman et al. 2024 ("LoRA Learns Less and Forgets Less") measure the trade-off this module lets a
reader measure at small scale: the gain on the new text against the loss on the old.

Nothing here touches the network: ``peft`` reads no model from the Hugging Face Hub when it wraps a
local module (the book sets ``HF_HUB_OFFLINE=1`` all the same).
"""

from __future__ import annotations

import copy
import importlib.util
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from book_utils.arm.charmodel import train_steps
from book_utils.arm.transformer import TransformerLM, bits_per_token

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")   # what PeftModel.from_pretrained reads
TARGETS = ("qkv", "proj", "mlp.0", "mlp.2")   # every nn.Linear inside the blocks (not the tied output head)


def user_text(module: str = "statistics") -> str:
    """The source file of a standard-library module read from this machine (str): one "user's" text.

    A module written by one author in one style (code, docstrings, doctests) stands in for the text
    a user would personalise a model with; the book ships none of it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ValueError(f"{module!r} is not a pure-Python module of this Python: name one that is "
                         "(e.g. 'statistics', 'argparse', 'fractions')")
    return Path(spec.origin).read_text(encoding="utf-8")


def lora_model(base: TransformerLM, rank: int, alpha: float | None = None, targets=TARGETS,
               dropout: float = 0.0):
    """A copy of ``base`` with LoRA adapters of rank ``rank`` on the layers named ``targets``
    (``peft.get_peft_model``): every base weight frozen, only the adapters trainable.

    ``alpha`` scales the update by alpha / rank (``None``: alpha = rank, a scale of 1)."""
    from peft import LoraConfig, get_peft_model

    if not isinstance(rank, int) or rank < 1:
        raise ValueError(f"rank must be a positive integer, got {rank!r}")
    config = LoraConfig(r=rank, lora_alpha=rank if alpha is None else alpha, target_modules=list(targets),
                        lora_dropout=dropout, bias="none")
    return get_peft_model(copy.deepcopy(base), config)


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) numbers of weights; a weight shared by two layers (the tied head) counts once."""
    params = list(model.parameters())            # parameters() yields a shared tensor once
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def fine_tune(model: nn.Module, ids: np.ndarray, steps: int, batch: int, length: int, lr: float,
              seed: int = 0, every: int = 0, heldout: dict[str, np.ndarray] | None = None
              ) -> tuple[list[float], list[dict]]:
    """``steps`` Adam steps on random windows of ``ids`` (batch x length characters each), updating
    only the trainable weights (all of them for full fine-tuning, the adapters for LoRA).

    Returns each step's training loss in bits per character and, when ``heldout`` names id arrays,
    the held-out bits per character on each, before training and every ``every`` steps (and at the
    end): a list of ``{"step": s, name: bits, ...}``."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("the model has no trainable weights")
    optimizer = torch.optim.Adam(trainable, lr=lr)
    generator = torch.Generator().manual_seed(seed)
    heldout = heldout or {}
    every = every if every and heldout else steps

    def measure(step: int) -> dict:
        return {"step": step, **{name: held_out_bits(model, x) for name, x in heldout.items()}}

    losses, curve = [], [measure(0)] if heldout else []
    while len(losses) < steps:
        chunk = min(every, steps - len(losses))
        losses += train_steps(model, optimizer, ids, chunk, batch, length, generator)
        if heldout:
            curve.append(measure(len(losses)))
    return losses, curve


def language_model(model: nn.Module) -> TransformerLM:
    """The :class:`TransformerLM` inside ``model`` (a peft wrapper's base model, adapters included)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def held_out_bits(model: nn.Module, ids: np.ndarray) -> float:
    """Bits per character on held-out ``ids`` (:func:`~book_utils.arm.transformer.bits_per_token`)."""
    return bits_per_token(language_model(model), ids)


def folder_bytes(folder: str | Path) -> int:
    """Total size in bytes of the files in ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def save_adapter(model, folder: str | Path) -> int:
    """Save only the adapter into ``folder`` (``save_pretrained``: ``adapter_model.safetensors`` and
    ``adapter_config.json``, plus a model-card README); returns the bytes of the two files a loader reads."""
    model.save_pretrained(str(folder))
    return sum((Path(folder) / name).stat().st_size for name in ADAPTER_FILES)


def save_full(model: nn.Module, path: str | Path) -> int:
    """Save every weight of a model as safetensors (shared weights once); returns the file's bytes."""
    from safetensors.torch import save_model

    save_model(language_model(model), str(path))
    return Path(path).stat().st_size


def load_adapter(base: TransformerLM, folder: str | Path):
    """A copy of ``base`` with the adapter saved in ``folder`` (``PeftModel.from_pretrained``)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(copy.deepcopy(base), str(folder))


def merged(model) -> TransformerLM:
    """A plain :class:`TransformerLM` whose weights are W + (alpha / r) B A (``merge_and_unload`` on a
    copy): no adapter layers left, the same function as the adapted model up to float rounding."""
    return copy.deepcopy(model).merge_and_unload()


@torch.no_grad()
def max_logit_difference(a: nn.Module, b: nn.Module, ids: np.ndarray, context: int) -> float:
    """Largest |logit_a - logit_b| over windows of ``context`` characters covering ``ids``."""
    a, b = language_model(a).eval(), language_model(b).eval()
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    n = (len(ids) // context) * context
    x = ids[:n].view(-1, context)                                  # (B, T)
    return (a(x)[0] - b(x)[0]).abs().max().item()
