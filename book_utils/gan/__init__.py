"""A complete GAN in TensorFlow / Keras 3 (Chapter 5.1). Imports TensorFlow.

- :mod:`book_utils.gan.models`: ``generator_model``, ``discriminator_model``;
- :mod:`book_utils.gan.losses`: ``discriminator_loss``, ``generator_loss`` (+ hinge, R1);
- :mod:`book_utils.gan.training`: ``GANConfig``, ``make_optimizers``, ``GAN`` (``train_step``);
- :mod:`book_utils.gan.run`: ``train_run``, ``evaluate_run``, ``load`` (the run directory, CLI).
"""

from book_utils.gan.losses import discriminator_loss, generator_loss
from book_utils.gan.models import ImageShapeError, discriminator_model, generator_model
from book_utils.gan.run import evaluate_run, load, recipe, restore, train_run
from book_utils.gan.training import GAN, GANConfig, fixed_noise, make_dataset, make_optimizers

__all__ = ["GAN", "GANConfig", "ImageShapeError", "discriminator_loss", "discriminator_model",
           "evaluate_run", "fixed_noise", "generator_loss", "generator_model", "load", "make_dataset",
           "make_optimizers", "recipe", "restore", "train_run"]
