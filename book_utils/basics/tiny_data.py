"""Input checks shared by the two twins of Section 2.2, :mod:`book_utils.basics.tiny_tf` and
:mod:`book_utils.basics.tiny_torch` (NumPy only, so both frameworks' modules can use it)."""

from __future__ import annotations

import numpy as np


def check_two_class_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Points x [N, D] and labels y [N] in {0, 1} -> float32 arrays; else a ValueError saying why."""
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32).ravel()
    if x.ndim != 2 or len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need x [N, D] and y [N] with N >= 1, got shapes {x.shape} and {y.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels y must be 0 or 1")
    return x, y


def check_schedule(epochs: int, batch_size: int) -> None:
    """Raise a ValueError unless both ``epochs`` and ``batch_size`` are at least 1."""
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
