"""A small VAE on low-dimensional toy data (PyTorch): Section 3.2's encoder, latent code and decoder.

Encoder q(z|x) = N(mu(x), diag exp(logvar(x))): x [B, D] -> mu, logvar [B, latent_dim].
Decoder p(x|z) = N(decoder(z), decoder_std^2 I): z [B, latent_dim] -> mean of x [B, D].
The loss is the negative beta-ELBO per example (in nats):
    recon + beta * KL,   recon = -log p(x|z) at z = mu + sigma * eps,   KL = KL(q(z|x) || N(0, I)).
beta = 1 is the true ELBO. This module imports PyTorch and never TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def mlp(in_dim: int, out_dim: int, hidden: int = 64, depth: int = 2) -> nn.Sequential:
    """``depth`` Linear+ReLU layers of width ``hidden`` then a linear layer: [B, in_dim] -> [B, out_dim]."""
    if depth < 1 or hidden < 1:
        raise ValueError(f"depth and hidden must be positive, got depth={depth}, hidden={hidden}")
    layers, width = [], in_dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


class ToyVAE(nn.Module):
    """Encoder and decoder MLPs with a Gaussian latent code of ``latent_dim`` dimensions."""

    def __init__(self, data_dim: int = 2, latent_dim: int = 2, hidden: int = 64, depth: int = 2,
                 decoder_std: float = 0.1):
        super().__init__()
        if data_dim < 1 or latent_dim < 1:
            raise ValueError(f"data_dim and latent_dim must be positive, got {data_dim}, {latent_dim}")
        if not decoder_std > 0:
            raise ValueError(f"decoder_std must be positive, got {decoder_std}")
        self.data_dim, self.latent_dim, self.decoder_std = data_dim, latent_dim, float(decoder_std)
        self.encoder = mlp(data_dim, 2 * latent_dim, hidden, depth)   # x -> [mu, logvar]
        self.decoder = mlp(latent_dim, data_dim, hidden, depth)       # z -> mean of p(x|z)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, D] -> (mu [B, L], logvar [B, L])."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None):
        """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I): a sample of q(z|x) that gradients flow through."""
        eps = torch.randn_like(mu) if eps is None else eps
        return mu + torch.exp(0.5 * logvar) * eps

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, L] -> mean of p(x|z) [B, D]."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor):
        """x [B, D] -> (reconstruction mean [B, D], mu [B, L], logvar [B, L])."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per example and latent dimension [B, L], in nats (closed form)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """-log N(x; mean, std^2 I) per example [B], in nats."""
    d = x.shape[1]
    return ((x - mean).pow(2).sum(dim=1) / (2 * std**2) + 0.5 * d * math.log(2 * math.pi * std**2))


def vae_loss(x, recon, mu, logvar, beta: float = 1.0, decoder_std: float = 0.1) -> dict:
    """The negative beta-ELBO, averaged over the batch: {'loss', 'recon', 'kl'} (scalar tensors, nats)."""
    if beta < 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    recon_term = gaussian_nll(x, recon, decoder_std).mean()
    kl = gaussian_kl(mu, logvar).sum(dim=1).mean()
    return {"loss": recon_term + beta * kl, "recon": recon_term, "kl": kl}


@dataclass
class VAEFit:
    """A trained model and its per-step history ('loss', 'recon', 'kl')."""

    model: ToyVAE
    history: dict


def train_vae(data, beta: float = 1.0, latent_dim: int = 2, steps: int = 2000, batch_size: int = 256,
              lr: float = 1e-3, hidden: int = 64, depth: int = 2, decoder_std: float = 0.1,
              seed: int = 0) -> VAEFit:
    """Train a :class:`ToyVAE` on ``data`` [N, D] with Adam for ``steps`` minibatch steps (seeded)."""
    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0 or not np.all(np.isfinite(data)):
        raise ValueError(f"data must be a finite N x D array, got shape {data.shape}")
    if steps < 0 or batch_size < 1:
        raise ValueError(f"steps must be >= 0 and batch_size >= 1, got {steps}, {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)                               # the initial weights
    model = ToyVAE(data.shape[1], latent_dim, hidden, depth, decoder_std)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x_all = torch.from_numpy(data)
    history = {"loss": [], "recon": [], "kl": []}
    for _ in range(steps):
        x = x_all[torch.randint(len(x_all), (batch_size,), generator=generator)]
        mu, logvar = model.encode(x)
        eps = torch.randn(mu.shape, generator=generator)
        recon = model.decode(model.reparameterize(mu, logvar, eps))
        terms = vae_loss(x, recon, mu, logvar, beta, decoder_std)
        optimizer.zero_grad()
        terms["loss"].backward()
        optimizer.step()
        for key, value in terms.items():
            history[key].append(value.item())
    return VAEFit(model, history)


@torch.no_grad()
def posterior_means(model: ToyVAE, data) -> np.ndarray:
    """The encoder's means mu(x) [N, L] (the point each input is mapped to in latent space)."""
    return model.encode(torch.as_tensor(np.asarray(data, dtype=np.float32)))[0].numpy().astype(np.float64)


@torch.no_grad()
def reconstruct(model: ToyVAE, data) -> np.ndarray:
    """Decoder mean at the posterior mean, decode(mu(x)) [N, D]."""
    mu, _ = model.encode(torch.as_tensor(np.asarray(data, dtype=np.float32)))
    return model.decode(mu).numpy().astype(np.float64)


@torch.no_grad()
def sample_prior(model: ToyVAE, n: int, seed: int = 0) -> np.ndarray:
    """Decoder means of ``n`` prior draws z ~ N(0, I): the VAE used as a generator [n, D]."""
    z = torch.randn((n, model.latent_dim), generator=torch.Generator().manual_seed(seed))
    return model.decode(z).numpy().astype(np.float64)


@torch.no_grad()
def latent_report(model: ToyVAE, data, threshold: float = 0.01) -> dict:
    """How the model uses its latent code on ``data`` [N, D].

    'kl_per_dim' [L]: mean KL(q(z_j|x) || N(0,1)) in nats; 'active_units': the number of dimensions
    whose posterior mean varies with x, Var_x(mu_j(x)) > ``threshold`` (Burda et al. 2016);
    'recon_mse': mean squared error of decode(mu(x)); 'aggregate_kl': KL of a Gaussian with the
    moments of all posterior samples z ~ q(z|x) to N(0, I) (0 when the aggregate posterior matches
    the prior in mean and covariance); 'posterior_std': the mean over x and dimensions of the
    posterior's standard deviation sigma_j(x) (1 when q(z|x) is the prior, near 0 when x pins z down).
    """
    x = torch.as_tensor(np.asarray(data, dtype=np.float32))
    mu, logvar = model.encode(x)
    z = model.reparameterize(mu, logvar, torch.randn(mu.shape, generator=torch.Generator().manual_seed(0)))
    mean, cov = z.double().mean(0), torch.cov(z.double().T).reshape(model.latent_dim, model.latent_dim)
    aggregate_kl = 0.5 * (torch.trace(cov) + mean @ mean - model.latent_dim - torch.logdet(cov))
    recon = model.decode(mu)
    return {"kl_per_dim": gaussian_kl(mu, logvar).mean(0).double().numpy(),
            "active_units": int((mu.var(0) > threshold).sum()),
            "recon_mse": float((x - recon).pow(2).sum(1).mean()),
            "aggregate_kl": float(aggregate_kl),
            "posterior_std": float(torch.exp(0.5 * logvar).mean())}


@torch.no_grad()
def prior_holes(model: ToyVAE, data, n: int = 2500, ratio: float = 10.0, seed: int = 0) -> float:
    """Share of ``n`` prior draws z ~ N(0, I) that fall where no code lives (a fraction in [0, 1]).

    The aggregate posterior q(z) = (1/N) sum_x q(z|x) over ``data`` [N, D] is the density of the
    codes the decoder was trained on; a draw is in a hole when q(z) < p(z) / ``ratio``. Matching
    the prior's mean and covariance ('aggregate_kl' of :func:`latent_report`) does not rule holes
    out: narrow posteriors leave gaps that the prior still samples (Rosca et al. 2018, "Distribution
    matching in variational inference"; Hoffman and Johnson 2016, "ELBO surgery").
    """
    if n < 1 or not ratio > 0:
        raise ValueError(f"n must be >= 1 and ratio > 0, got n={n}, ratio={ratio}")
    mu, logvar = model.encode(torch.as_tensor(np.asarray(data, dtype=np.float32)))
    mu, logvar = mu.double(), logvar.double()
    z = torch.randn((n, model.latent_dim), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    log_norm = -0.5 * math.log(2 * math.pi) * model.latent_dim
    log_p = log_norm - 0.5 * z.pow(2).sum(1)
    log_q = torch.cat([torch.logsumexp(log_norm - 0.5 * (((c[:, None] - mu) ** 2) / logvar.exp()
                                                         + logvar).sum(2), dim=1)
                       for c in z.split(256)]) - math.log(len(mu))
    return float((log_q < log_p - math.log(ratio)).double().mean())
