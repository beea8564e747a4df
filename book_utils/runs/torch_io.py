"""Checkpoint files of the PyTorch models (imports torch; the TensorFlow GAN never imports this).

Written to memory and then atomically to disk; read with ``weights_only=True`` (tensors and plain
data only, never code), and a damaged file raises :class:`CorruptFileError` naming it.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from book_utils.errors import CorruptFileError
from book_utils.runs.files import atomic_write_bytes


def save_torch(path: str | Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_torch(path: str | Path, device="cpu") -> dict:
    path = Path(path)
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # noqa: BLE001 - truncated, garbage, or a pickle that is not plain data
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CorruptFileError(f"{path} is damaged or not a checkpoint of this book ({type(err).__name__}: "
                               f"{first[:160]})") from err


def rng_state(generator: torch.Generator) -> dict:
    """The global and ``generator``'s random states (and CUDA's when present)."""
    state = {"torch": torch.get_rng_state(), "data": generator.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict, generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    generator.set_state(state["data"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def count_parameters(model: torch.nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def clone_state(model: torch.nn.Module) -> dict:
    """A detached CPU copy of ``model``'s weights."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
