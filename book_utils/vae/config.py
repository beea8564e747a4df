"""The VAE's configuration and recipes (framework-free: ``--help`` reads them without torch)."""

from __future__ import annotations

from dataclasses import dataclass

from book_utils.runs.config import require, require_positive

AUGMENTATIONS = ("fixed", "dynamic", "soft")


@dataclass(frozen=True)
class VAEConfig:
    """Everything that defines a VAE run (saved in run.json; a resumed run must match it)."""

    epochs: int = 700
    batch_size: int = 64
    latent_dim: int = 8
    hidden: tuple[int, ...] = (256, 256)
    dropout: float = 0.0
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_epochs: int = 50        # KL weight beta rises linearly to 1 (over at most half the epochs)
    augment: str = "soft"          # per-epoch binarization of the training grey levels (vae/data.py)
    softness: float = 1.0          # width of the soft threshold, in grey levels (augment="soft")
    val_fraction: float = 0.1      # carved from the TRAINING split, for choosing the epoch
    eval_k: int = 1000             # importance samples for the test log-likelihood
    checkpoint_every: int = 10     # epochs between checkpoints (and at the last epoch)
    seed: int = 0

    def __post_init__(self):
        require_positive(self, "epochs", "batch_size", "latent_dim", "eval_k", "checkpoint_every")
        require(isinstance(self.hidden, tuple) and len(self.hidden) > 0
                and all(isinstance(h, int) and h >= 1 for h in self.hidden),
                f"hidden must be a list of positive layer sizes, e.g. [256, 256]; got {self.hidden!r}")
        require(self.augment in AUGMENTATIONS,
                f"unknown augment {self.augment!r}: choose one of {', '.join(AUGMENTATIONS)}")
        require(0.0 < self.val_fraction < 0.5, f"val_fraction must be in (0, 0.5), got {self.val_fraction}")
        require(0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.lr > 0 and self.softness > 0 and self.weight_decay >= 0 and self.warmup_epochs >= 0,
                "lr and softness must be positive, weight_decay and warmup_epochs at least 0")
        require(isinstance(self.seed, int) and self.seed >= 0,
                f"seed must be an integer >= 0, got {self.seed!r}")


#: 8 x 8 digits: the book's recipe (Section 5.2).
SMALL_IMAGES = {}
#: 28 x 28 images: Burda et al. (2015)'s one-layer VAE (200-200 hidden, 50 latent, dynamic
#: binarization; they report 86.76 nats with a 5,000-sample bound on binarized MNIST).
LARGE_IMAGES = dict(epochs=1000, batch_size=100, latent_dim=50, hidden=(200, 200), warmup_epochs=0,
                    augment="dynamic", eval_k=5000, checkpoint_every=1)


def recipe(image_shape: tuple[int, int]) -> dict:
    """The default options for images of ``image_shape`` (a copy: change it freely)."""
    return dict(LARGE_IMAGES if image_shape[0] * image_shape[1] > 64 else SMALL_IMAGES)
