"""How good is the model? The ELBO and the importance-weighted bound on log p(x) (Burda et al., 2015).

    log p(x) >= log (1/k) sum_{i=1..k} p(x, z_i) / q(z_i|x),   z_i ~ q(z|x)

k = 1 gives the ELBO; the bound tightens as k grows. All functions return nats per image.
"""

from __future__ import annotations

import math

import torch

from book_utils.vae.loss import check_binary, kl_divergence, reconstruction_nll

LOG_2PI = math.log(2 * math.pi)


def normal_log_prob(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z | mu, diag(exp(logvar))), summed over the last axis."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


def _device(model) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def iw_log_likelihood(model, x: torch.Tensor, k: int = 1000, chunk: int = 250,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) for each image: x (B, ...) -> (B,) nats.

    The k samples are drawn ``chunk`` at a time for the whole batch at once (one decoder call of
    chunk * B rows), and combined with log-sum-exp so nothing underflows.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1 importance samples, got {k}")
    check_binary(x)
    model.eval()
    x = model.flatten(x.to(_device(model)))
    mu, logvar = model.encode(x)                                    # (B, L)
    std = (0.5 * logvar).exp()
    log_w = []
    for start in range(0, k, chunk):
        s = min(chunk, k - start)
        eps = torch.randn((s, *mu.shape), generator=generator, device=mu.device)  # (s, B, L)
        z = mu + std * eps
        logits = model.decode(z.reshape(-1, model.latent_dim))     # (s*B, D)
        log_px_z = -reconstruction_nll(logits, x.repeat(s, 1)).reshape(s, -1)
        log_pz = -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)           # (s, B)
        log_qz = normal_log_prob(z, mu, logvar)
        log_w.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)


@torch.inference_mode()
def negative_elbo(model, x: torch.Tensor, samples: int = 10,
                  generator: torch.Generator | None = None) -> dict[str, float]:
    """-ELBO averaged over images (and ``samples`` draws of z each): reconstruction, KL, total."""
    check_binary(x)
    model.eval()
    x = model.flatten(x.to(_device(model)))
    mu, logvar = model.encode(x)
    std = (0.5 * logvar).exp()
    rec = 0.0
    for _ in range(samples):
        z = mu + std * torch.randn(mu.shape, generator=generator, device=mu.device)
        rec += reconstruction_nll(model.decode(z), x).mean().item() / samples
    kl = kl_divergence(mu, logvar).mean().item()
    return {"reconstruction": rec, "kl": kl, "neg_elbo": rec + kl}


def importance_weighted_nll(model, x: torch.Tensor, k: int = 1000, batch_size: int = 100, seed: int = 0,
             chunk: int = 250, progress: bool = False) -> float:
    """Mean importance-weighted -log p(x) over a dataset, nats per image (fixed seed: reproducible).

    ``progress`` shows a bar over the batches (worth it for 28 x 28 images and k in the thousands).
    """
    generator = torch.Generator(device=_device(model)).manual_seed(seed)
    starts = range(0, len(x), batch_size)
    if progress:
        from book_utils.progress import progress as progress_bar

        starts = progress_bar(starts, desc=f"log p(x), k = {k}", leave=False)
    total = 0.0
    for start in starts:
        batch = x[start:start + batch_size]
        total += -iw_log_likelihood(model, batch, k, chunk, generator).sum().item()
    return total / len(x)
