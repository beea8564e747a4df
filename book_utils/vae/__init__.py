"""The VAE family: Section 3.2's toy VAE, Section 4.2's mathematics, Chapter 5.2's image VAE.

Importing this package imports no framework. The PyTorch modules load on first use, so
``from book_utils.vae import VAE, loss_function`` imports torch then, while the NumPy-only
module ``math`` never does.

PyTorch (Chapter 5.2, Section 3.2):

    model.py       Encoder, Decoder, VAE (Gaussian q(z|x), N(0, I) prior, Bernoulli p(x|z))
    loss.py        loss_function: the negative ELBO in nats, term by term
    likelihood.py  the ELBO and the importance-weighted bound on log p(x)
    data.py        binary images, a validation split from TRAIN, per-epoch binarization
    config.py      VAEConfig and the recipes (framework-free)
    run.py         the VAE in the run lifecycle: train_epoch, VAETrainer, train_run
    toy.py         the small VAE on low-dimensional toy data of Section 3.2

NumPy / SciPy only:

    math.py        the exact linear-Gaussian model, the ELBO gap, KL formulas, gradient estimators

The number of threads and OpenMP's wait policy are left to PyTorch; on a machine whose cores
are busy with other work, ``OMP_WAIT_POLICY=PASSIVE`` (set before torch is imported) stops idle
threads from spinning (book_utils/bench/vae_speed.py measures both).
"""

from typing import TYPE_CHECKING

from book_utils.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.vae.config import VAEConfig
    from book_utils.vae.likelihood import importance_weighted_nll, iw_log_likelihood, negative_elbo
    from book_utils.vae.loss import check_binary, kl_divergence, loss_function, loss_terms, reconstruction_nll
    from book_utils.vae.model import VAE, Decoder, Encoder
    from book_utils.vae.run import VAETrainer, train_run

_EXPORTS = {
    "importance_weighted_nll": "likelihood", "iw_log_likelihood": "likelihood", "negative_elbo": "likelihood",
    "check_binary": "loss", "kl_divergence": "loss", "loss_function": "loss", "loss_terms": "loss",
    "reconstruction_nll": "loss",
    "VAE": "model", "Decoder": "model", "Encoder": "model",
    "VAEConfig": "config", "VAETrainer": "run", "train_run": "run",
}
_SUBMODULES = ("config", "data", "likelihood", "loss", "math", "model", "run", "toy")

__all__ = [
    "VAE", "VAEConfig", "VAETrainer", "Decoder", "Encoder", "check_binary", "importance_weighted_nll",
    "iw_log_likelihood", "kl_divergence", "loss_function", "loss_terms",
    "negative_elbo", "reconstruction_nll", "train_run",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBMODULES)
