"""The GAN's configuration and recipes (framework-free: ``--help`` reads them without TensorFlow).

``GANConfig`` is everything that defines a GAN run; it is saved in run.json, and a resumed run
must match it. ``recipe(image_shape)`` gives the book's defaults for images of that size.
"""

from __future__ import annotations

from dataclasses import dataclass

from book_utils.errors import ConfigError
from book_utils.runs.config import require, require_positive

ARCHS = ("auto", "mlp", "dcgan")
LOSSES = ("bce", "hinge")          # non-saturating cross-entropy, or the hinge loss
AUGMENTS = ("none", "translation")
MLP_MAX_PIXELS = 16 * 16           # arch="auto" and recipe(): the MLP pair up to 16 x 16 pixels


class ImageShapeError(ConfigError):
    """The networks cannot take images of this size; the message says which sizes work."""


def pick_arch(image_shape, arch: str = "auto") -> str:
    """Resolve ``arch`` for ``image_shape`` (H, W) and check the networks can take it."""
    if arch not in ARCHS:
        raise ConfigError(f"unknown arch {arch!r}: choose one of {', '.join(ARCHS)}")
    h, w = (int(s) for s in image_shape)
    if h < 4 or w < 4:
        raise ImageShapeError(f"images of {h} x {w} pixels are too small for a GAN here: "
                              "give images of at least 4 x 4 pixels")
    if arch == "auto":
        arch = "mlp" if h * w <= MLP_MAX_PIXELS else "dcgan"
    if arch == "dcgan" and (h % 4 or w % 4):
        raise ImageShapeError(
            f"the DCGAN generator upsamples twice (x4), so image height and width must be "
            f"divisible by 4; got {h} x {w}. Crop or pad the images (e.g. to "
            f"{h - h % 4} x {w - w % 4} or {h + (-h) % 4} x {w + (-w) % 4}) or use the MLP nets "
            "(--option arch=mlp; in Python arch='mlp').")
    if arch == "mlp" and h * w > 64 * 64:
        raise ImageShapeError(f"{h} x {w} images are too large for the MLP nets; use --option arch=dcgan "
                              "(in Python arch='dcgan')")
    return arch


@dataclass(frozen=True)
class GANConfig:
    """Every number that defines a GAN run. The defaults are the source's skeleton (Adam(1e-4) with
    beta_1 = 0.9, batch 32, 100 epochs); :func:`recipe` gives the book's."""

    image_shape: tuple[int, int] = (8, 8)   # set from the data by the run
    latent_dim: int = 32
    arch: str = "auto"          # "mlp" | "dcgan" | "auto" (mlp up to 16 x 16); saved resolved
    width: int = 256            # units per hidden layer of the MLP nets
    g_width: int = 0            # the MLP generator's width when it differs (0 = ``width``)
    dropout: float = 0.3        # discriminator dropout
    loss: str = "bce"           # "bce" (non-saturating) | "hinge"
    label_smoothing: float = 0.0
    r1_gamma: float = 0.0       # weight of the R1 gradient penalty (0 = off)
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    batch_size: int = 32
    ema_decay: float = 0.0      # 0 = no EMA generator
    augment: str = "none"       # DiffAugment for D's input: "none" | "translation"
    augment_shift: int = 1      # largest translation in pixels
    mbstd: bool = False         # minibatch standard-deviation feature in the MLP discriminator
    clusters: int = 0           # condition both networks on k-means clusters of the data (0 = off)
    temperature: float = 1.0    # sampling: the noise is N(0, temperature^2 I) (< 1 narrows, > 1 widens)
    # XLA-compile the step: faster for the MLP pair on a CPU, and its result does not depend on the
    # machine's load; its normal noise comes from another random stream than eager TensorFlow's.
    # The 28 x 28 DCGAN recipe turns it off (Section 5.1, "Speed", has the measurements).
    jit_compile: bool = True
    epochs: int = 100
    checkpoint_every: int = 10  # epochs between checkpoints (and at the last epoch)
    gif_every: int = 10         # epochs between the frames of progress.gif (and at the last epoch)
    seed: int = 0

    def __post_init__(self):
        shape = self.image_shape
        require(isinstance(shape, (tuple, list)) and len(shape) == 2
                and all(isinstance(s, int) and not isinstance(s, bool) for s in shape),
                f"image_shape must be two integers (H, W), got {shape!r}")
        object.__setattr__(self, "image_shape", tuple(int(s) for s in shape))
        object.__setattr__(self, "arch", pick_arch(self.image_shape, self.arch))
        require_positive(self, "latent_dim", "width", "batch_size", "augment_shift", "epochs",
                         "checkpoint_every", "gif_every")
        require(self.loss in LOSSES, f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        require(self.augment in AUGMENTS,
                f"unknown augment {self.augment!r}: choose one of {', '.join(AUGMENTS)}")
        for name in ("g_width", "clusters"):
            value = getattr(self, name)
            require(isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                    f"{name} must be 0 (off) or a positive integer, got {value!r}")
        for name in ("mbstd", "jit_compile"):
            require(isinstance(getattr(self, name), bool),
                    f"{name} must be True or False, got {getattr(self, name)!r}")
        require(self.lr_g > 0 and self.lr_d > 0,
                f"lr_g and lr_d must be positive, got {self.lr_g}, {self.lr_d}")
        require(0.0 <= self.beta_1 < 1.0 and 0.0 <= self.beta_2 < 1.0,
                f"beta_1 and beta_2 must be in [0, 1), got {self.beta_1}, {self.beta_2}")
        require(0.0 <= self.ema_decay < 1.0, f"ema_decay must be in [0, 1), got {self.ema_decay}")
        require(0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}")
        require(0.0 <= self.label_smoothing < 1.0,
                f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        require(self.r1_gamma >= 0, f"r1_gamma must be 0 (off) or positive, got {self.r1_gamma}")
        require(self.temperature > 0, f"temperature must be positive, got {self.temperature}")
        require(isinstance(self.seed, int) and not isinstance(self.seed, bool) and self.seed >= 0,
                f"seed must be an integer >= 0, got {self.seed!r}")


#: Images of at most 16 x 16 pixels (the book's 8 x 8 digits, Section 5.1): MLP networks
#: conditioned on 50 k-means clusters of the training images, sampled at temperature 1.4. The
#: clusters and the temperature were chosen on a validation split of the training digits by
#: ``python -m book_utils.bench.gan_recipe`` (results in book_utils/bench/results/gan_recipe.json).
SMALL_IMAGES = dict(arch="mlp", latent_dim=32, width=256, dropout=0.0, batch_size=64, lr_g=5e-4, lr_d=1e-3,
                    beta_1=0.5, r1_gamma=2.0, ema_decay=0.999, clusters=50, temperature=1.4,
                    epochs=650, gif_every=50, checkpoint_every=25)
#: Larger images (28 x 28 MNIST, Fashion-MNIST, a reader's .npz): the DCGAN of TensorFlow's
#: tutorial, with a plain tf.function step (not XLA).
LARGE_IMAGES = dict(arch="auto", latent_dim=100, batch_size=64, lr_g=2e-4, lr_d=2e-4, beta_1=0.5,
                    ema_decay=0.999, epochs=50, gif_every=1, checkpoint_every=1, jit_compile=False)


def recipe(image_shape: tuple[int, int]) -> dict:
    """The default options for images of ``image_shape`` (a copy: change it freely).

    The recipe is picked by the image size, not the dataset's name: images of at most 16 x 16
    pixels get the book's digits recipe (MLP networks, 50 clusters), larger ones the 28 x 28 DCGAN.
    """
    h, w = (int(s) for s in image_shape)
    return dict(SMALL_IMAGES if h * w <= MLP_MAX_PIXELS else LARGE_IMAGES)
