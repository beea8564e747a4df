"""Reproducibility: one call seeds Python, NumPy, TensorFlow and PyTorch."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

FRAMEWORKS = ("tensorflow", "torch")


def seed_everything(seed: int, frameworks: tuple[str, ...] | None = None,
                    deterministic: bool = True) -> list[str]:
    """Seed every random number generator the book uses.

    Python's ``random``, NumPy's global generator and ``PYTHONHASHSEED`` are
    always seeded. TensorFlow and PyTorch are seeded when they are already
    imported, or when named in ``frameworks`` (then they are imported here), so
    seeding never pays for importing a framework the notebook does not use.
    With ``deterministic`` the frameworks' determinism switches are turned on
    (TensorFlow's op determinism; PyTorch's deterministic algorithms in
    warn-only mode, plus cuDNN's deterministic flag).

    Returns the names of the frameworks that were seeded.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    unknown = set(frameworks or ()) - set(FRAMEWORKS)
    if unknown:
        raise ValueError(f"unknown framework(s) {sorted(unknown)}: choose from {FRAMEWORKS}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)

    wanted = set(frameworks or ()) | {name for name in FRAMEWORKS if name in sys.modules}
    seeded = []
    if "tensorflow" in wanted:
        import tensorflow as tf

        tf.keras.utils.set_random_seed(seed)
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        seeded.append("tensorflow")
    if "torch" in wanted:
        import torch

        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
        seeded.append("torch")
    return seeded
