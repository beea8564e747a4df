"""The VAE's data: binary images, a validation split carved from the training split, and
per-epoch binarization of grey levels (augmentation) for training.

The test split always stays the protocol's fixed binarization (pixel >= half the maximum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from book_utils.data import binarize, load

VAL_SEED = 0
AUGMENTATIONS = ("fixed", "dynamic", "jitter")


@dataclass
class VAEData:
    """Training grey levels as probabilities in [0, 1] (N, H, W), binary val/test splits."""

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
        raise ValueError(f"val_fraction must be in (0, 0.5), got {val_fraction}")
    ds = load(dataset, view="raw")
    max_value = ds.max_value
    if int(np.max(ds.x_train)) <= 1:  # an .npz that is already binary (0/1) would binarize to all zeros
        max_value = 1
    order = np.random.default_rng(VAL_SEED).permutation(len(ds.x_train))
    n_val = max(1, int(round(val_fraction * len(order))))
    train_raw, val_raw = ds.x_train[order[n_val:]], ds.x_train[order[:n_val]]
    test = None if ds.x_test is None else torch.from_numpy(binarize(ds.x_test, max_value))
    return VAEData(ds.name, torch.from_numpy(train_raw.astype(np.float32) / max_value),
                   torch.from_numpy(binarize(val_raw, max_value)), test, ds.y_test, max_value)


def binarize_epoch(grey: torch.Tensor, augment: str, generator: torch.Generator) -> torch.Tensor:
    """One epoch's binary training images from grey levels in [0, 1].

    fixed:   pixel >= 0.5 (the protocol's binarization, the same every epoch);
    dynamic: pixel ~ Bernoulli(grey) (Salakhutdinov & Murray 2008; the standard for MNIST);
    jitter:  pixel >= t with one threshold t ~ U(0.375, 0.625) per image (a mild augmentation
             for coarse grey levels, close to the protocol's binarization).
    """
    if augment == "fixed":
        return (grey >= 0.5).float()
    if augment == "dynamic":
        return torch.bernoulli(grey, generator=generator)
    if augment == "jitter":
        t = 0.375 + 0.25 * torch.rand((len(grey),) + (1,) * (grey.dim() - 1), generator=generator,
                                      device=grey.device)
        return (grey >= t).float()
    raise ValueError(f"unknown augmentation {augment!r}: choose one of {', '.join(AUGMENTATIONS)}")
