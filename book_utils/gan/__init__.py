"""The GAN family: Section 3.1's toy GAN, Section 4.1's mathematics, Chapter 5.1's image GAN.

Importing this package imports no framework. The TensorFlow modules load on first use, so
``from book_utils.gan import GAN`` or ``gan.train_run(...)`` imports TensorFlow then, while the
NumPy-only modules (``math``, ``modes``, ``clusters``) never do.

TensorFlow / Keras 3 (Chapter 5.1, Section 3.1):

- :mod:`book_utils.gan.models`: ``generator_model``, ``discriminator_model``;
- :mod:`book_utils.gan.losses`: ``discriminator_loss``, ``generator_loss`` (+ hinge, R1);
- :mod:`book_utils.gan.training`: ``GANConfig``, ``make_optimizers``, ``GAN`` (``train_step``);
- :mod:`book_utils.gan.run`: ``train_run``, ``evaluate_run``, ``load`` (the run directory, CLI);
- :mod:`book_utils.gan.augment`: differentiable augmentation of real and generated images;
- :mod:`book_utils.gan.toy`: the small GAN on 2-D points of Section 3.1.

NumPy / SciPy only:

- :mod:`book_utils.gan.math`: D*, V(D, G), the JS divergence, generator-loss gradients (Section 4.1);
- :mod:`book_utils.gan.modes`: counting the modes a generator covers on a Gaussian-mixture toy;
- :mod:`book_utils.gan.clusters`: k-means clusters for a cluster-conditioned GAN.
"""

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.gan.losses import discriminator_loss, generator_loss
    from book_utils.gan.models import ImageShapeError, discriminator_model, generator_model
    from book_utils.gan.run import evaluate_run, load, recipe, restore, train_run
    from book_utils.gan.training import GAN, GANConfig, fixed_noise, make_dataset, make_optimizers

_EXPORTS = {
    "discriminator_loss": "losses", "generator_loss": "losses",
    "ImageShapeError": "models", "discriminator_model": "models", "generator_model": "models",
    "evaluate_run": "run", "load": "run", "recipe": "run", "restore": "run", "train_run": "run",
    "GAN": "training", "GANConfig": "training", "fixed_noise": "training", "make_dataset": "training",
    "make_optimizers": "training",
}
_SUBMODULES = ("augment", "clusters", "losses", "math", "models", "modes", "run", "toy", "training")

__all__ = ["GAN", "GANConfig", "ImageShapeError", "discriminator_loss", "discriminator_model",
           "evaluate_run", "fixed_noise", "generator_loss", "generator_model", "load", "make_dataset",
           "make_optimizers", "recipe", "restore", "train_run"]


def __getattr__(name: str):
    """PEP 562: import the submodule that defines ``name`` on first access."""
    if name in _EXPORTS:
        value = getattr(_import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return _import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
