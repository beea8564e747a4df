"""The GAN family: Section 3.1's toy GAN, Section 4.1's mathematics, Chapter 5.1's image GAN.

Importing this package imports no framework. The TensorFlow modules load on first use, so
``from book_utils.gan import GAN`` or ``gan.train_run(...)`` imports TensorFlow then, while the
NumPy-only modules (``math``, ``modes``, ``clusters``) never do.

TensorFlow / Keras 3 (Chapter 5.1, Section 3.1):

- :mod:`book_utils.gan.plain`: the source's skeleton filled in plainly (``PlainGAN``: two Adam(1e-4),
  a ``tf.function`` ``train_step``, the epoch loop; Section 5.1 starts with it);
- :mod:`book_utils.gan.models`: ``generator_model``, ``discriminator_model``;
- :mod:`book_utils.gan.losses`: ``discriminator_loss``, ``generator_loss`` (+ hinge, R1);
- :mod:`book_utils.gan.training`: ``make_optimizers``, ``make_dataset``, ``GAN`` (``train_step``);
- :mod:`book_utils.gan.run`: the GAN in the run lifecycle: ``GANTrainer``, ``train_run``,
  ``load_generator`` (``book_utils.runs.load(out)`` gives a finished run's ``GAN``);
- :mod:`book_utils.gan.augment`: differentiable augmentation of real and generated images;
- :mod:`book_utils.gan.toy`: the small GAN on 2-D points of Section 3.1.

NumPy / SciPy only:

- :mod:`book_utils.gan.config`: ``GANConfig``, ``recipe``, ``pick_arch`` (no framework at all);
- :mod:`book_utils.gan.math`: D*, V(D, G), the JS divergence, generator-loss gradients (Section 4.1);
- :mod:`book_utils.gan.modes`: counting the modes a generator covers on a Gaussian-mixture toy;
- :mod:`book_utils.gan.clusters`: k-means clusters for a cluster-conditioned GAN.
"""

from typing import TYPE_CHECKING

from book_utils.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.gan.config import GANConfig, ImageShapeError, recipe
    from book_utils.gan.losses import discriminator_loss, generator_loss
    from book_utils.gan.models import discriminator_model, generator_model
    from book_utils.gan.run import GANTrainer, load_generator, to_unit, train_run
    from book_utils.gan.training import GAN, fixed_noise, make_dataset, make_optimizers

_EXPORTS = {
    "GANConfig": "config", "ImageShapeError": "config", "recipe": "config",
    "discriminator_loss": "losses", "generator_loss": "losses",
    "discriminator_model": "models", "generator_model": "models",
    "GANTrainer": "run", "load_generator": "run", "to_unit": "run", "train_run": "run",
    "GAN": "training", "fixed_noise": "training", "make_dataset": "training", "make_optimizers": "training",
}
_SUBMODULES = ("augment", "clusters", "config", "losses", "math", "models", "modes", "plain", "run", "toy",
               "training")

__all__ = ["GAN", "GANConfig", "GANTrainer", "ImageShapeError", "discriminator_loss", "discriminator_model",
           "fixed_noise", "generator_loss", "generator_model", "load_generator", "make_dataset",
           "make_optimizers", "recipe", "to_unit", "train_run"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBMODULES)
