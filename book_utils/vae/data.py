"""The VAE's data: binary images, a validation split carved from the training split, and
per-epoch binarization of grey levels (augmentation) for training.

The test split always stays the protocol's fixed binarization (pixel >= half the maximum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from book_utils.data import binarize, load
from book_utils.errors import ConfigError

VAL_SEED = 0
AUGMENTATIONS = ("fixed", "dynamic", "soft")


@dataclass
class VAEData:
    """Training grey levels 0..max_value as floats (N, H, W); binary validation and test splits."""

    name: str
    train_grey: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor | None
    y_test: np.ndarray | None
    max_value: int

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.train_grey.shape[1:3])


def load_vae_data(dataset: str, val_fraction: float = 0.1) -> VAEData:
    """Load ``dataset`` (name or .npz path) for the VAE; ``val_fraction`` of TRAIN becomes validation."""
    if not 0.0 < val_fraction < 0.5:
        raise ConfigError(f"val_fraction must be in (0, 0.5), got {val_fraction}")
    ds = load(dataset, view="raw")
    max_value = ds.max_value
    order = np.random.default_rng(VAL_SEED).permutation(len(ds.x_train))
    n_val = max(1, int(round(val_fraction * len(order))))
    train_raw, val_raw = ds.x_train[order[n_val:]], ds.x_train[order[:n_val]]
    test = None if ds.x_test is None else torch.from_numpy(binarize(ds.x_test, max_value))
    return VAEData(ds.name, torch.from_numpy(train_raw.astype(np.float32)),
                   torch.from_numpy(binarize(val_raw, max_value)), test, ds.y_test, max_value)


def binarize_epoch(grey: torch.Tensor, max_value: int, augment: str, generator: torch.Generator,
                   softness: float = 1.0) -> torch.Tensor:
    """One epoch's binary training images from grey levels 0..max_value.

    fixed:   pixel >= max_value / 2 (the protocol's binarization, the same every epoch);
    dynamic: pixel ~ Bernoulli(grey / max_value) (Salakhutdinov & Murray 2008; standard for MNIST);
    soft:    pixel ~ Bernoulli(sigmoid((grey - c) / softness)) with c halfway between the
             protocol's last "off" and first "on" level: a fresh binarization each epoch that agrees
             with the protocol far from the threshold and varies near it (``softness`` in grey levels).
    """
    if augment == "fixed":
        return (grey >= max_value / 2).float()
    if augment == "dynamic":
        return torch.bernoulli(grey / max_value, generator=generator)
    if augment == "soft":
        centre = math.ceil(max_value / 2) - 0.5
        return torch.bernoulli(torch.sigmoid((grey - centre) / softness), generator=generator)
    raise ValueError(f"unknown augmentation {augment!r}: choose one of {', '.join(AUGMENTATIONS)}")
