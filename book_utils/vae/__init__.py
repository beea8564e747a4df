"""Chapter 5.2's VAE in PyTorch (this package imports torch; ``import book_utils`` does not).

    model.py       Encoder, Decoder, VAE (Gaussian q(z|x), N(0, I) prior, Bernoulli p(x|z))
    loss.py        loss_function: the negative ELBO in nats, term by term
    likelihood.py  the ELBO and the importance-weighted bound on log p(x)
    data.py        binary images, a validation split from TRAIN, per-epoch binarization
    train.py       train_run / evaluate_run / load: the resumable run directory

The number of threads and OpenMP's wait policy are left to PyTorch; on a machine whose cores
are busy with other work, ``OMP_WAIT_POLICY=PASSIVE`` (set before torch is imported) stops idle
threads from spinning (book_utils/bench/vae_speed.py measures both).
"""

from book_utils.vae.likelihood import importance_weighted_nll, iw_log_likelihood, negative_elbo
from book_utils.vae.loss import check_binary, kl_divergence, loss_function, loss_terms, reconstruction_nll
from book_utils.vae.model import VAE, Decoder, Encoder
from book_utils.vae.train import Recipe, evaluate_run, load, make_recipe, train_run

__all__ = [
    "VAE", "Decoder", "Encoder", "Recipe", "check_binary", "evaluate_run", "importance_weighted_nll",
    "iw_log_likelihood", "kl_divergence", "load", "loss_function", "loss_terms", "make_recipe",
    "negative_elbo", "reconstruction_nll", "train_run",
]
