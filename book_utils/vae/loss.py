"""The VAE's loss: the negative ELBO, term by term, in nats.

    -ELBO(x) = E_q[-log p(x|z)]            reconstruction (Bernoulli, summed over pixels)
               + KL(q(z|x) || N(0, I))     closed form (derived in Chapter 4.2)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def check_binary(x: torch.Tensor, what: str = "x") -> None:
    """Raise a clear error unless every value of ``x`` is 0 or 1 (the Bernoulli decoder's data)."""
    if not bool(((x == 0) | (x == 1)).all()):
        bad = x[(x != 0) & (x != 1)].flatten()[:3].tolist()
        raise ValueError(
            f"{what} must hold binary pixels (0 or 1) for the Bernoulli decoder, found values such as "
            f"{bad}. Binarize first, e.g. book_utils.data.load(name, view='binary'); a Bernoulli "
            "'likelihood' of grey levels is not a likelihood.")


def reconstruction_nll(recon_logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per example (B,), nats: Bernoulli cross-entropy summed over the D pixels."""
    x = x.reshape(x.shape[0], -1)
    return F.binary_cross_entropy_with_logits(recon_logits, x, reduction="none").sum(dim=1)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per example (B,), nats:
    0.5 * sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j)."""
    return 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).sum(dim=1)


def loss_terms(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction, KL), each averaged over the batch (nats per image)."""
    check_binary(x)
    return reconstruction_nll(recon_x, x).mean(), kl_divergence(mu, logvar).mean()


def loss_function(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  beta: float = 1.0) -> torch.Tensor:
    """The negative ELBO in nats per image: summed over pixels, averaged over the batch.

    recon_x: decoder logits (B, D); x: binary images (B, D) or (B, H, W); mu, logvar: (B, L).
    With ``beta`` = 1 (the default) this is exactly -ELBO, a bound on -log p(x);
    training may warm ``beta`` up from 0 to 1 (then it is not a bound until beta = 1).
    """
    reconstruction, kl = loss_terms(recon_x, x, mu, logvar)
    return reconstruction + beta * kl
