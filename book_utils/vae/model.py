"""The VAE's three modules: ``Encoder`` q(z|x), ``Decoder`` p(x|z), and ``VAE`` joining them.

Shapes (B = batch, D = pixels per image, L = latent size):
    Encoder:  x (B, D) in {0, 1}  ->  mu (B, L), logvar (B, L)
    Decoder:  z (B, L)            ->  logits (B, D)   (Bernoulli log-odds of each pixel being on)
Images may also be given as (B, H, W); they are flattened.
"""

from __future__ import annotations

import torch
from torch import nn


def mlp(sizes: list[int], dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of the given sizes with ELU (and optional dropout) between them."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ELU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """q(z|x) = N(mu(x), diag(exp(logvar(x)))): x (B, D) -> (mu, logvar), each (B, L)."""

    def __init__(self, data_dim: int, hidden: tuple[int, ...], latent_dim: int, dropout: float = 0.0):
        super().__init__()
        self.body = mlp([data_dim, *hidden], dropout)
        self.body.append(nn.ELU())
        self.to_mu = nn.Linear(hidden[-1], latent_dim)
        self.to_logvar = nn.Linear(hidden[-1], latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)                       # (B, hidden[-1])
        return self.to_mu(h), self.to_logvar(h)


class Decoder(nn.Module):
    """p(x|z) = prod_d Bernoulli(x_d | sigmoid(logits_d)): z (B, L) -> logits (B, D)."""

    def __init__(self, latent_dim: int, hidden: tuple[int, ...], data_dim: int, dropout: float = 0.0):
        super().__init__()
        self.net = mlp([latent_dim, *hidden, data_dim], dropout)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)                     # (B, D) logits, not probabilities


class VAE(nn.Module):
    """Gaussian encoder, standard normal prior p(z) = N(0, I), Bernoulli decoder.

    ``VAE()`` builds the book's digits model (8x8 images); ``config`` holds
    everything needed to rebuild it (it is saved with every checkpoint).
    """

    def __init__(self, image_shape: tuple[int, int] = (8, 8), latent_dim: int = 8,
                 hidden: tuple[int, ...] = (256, 256), dropout: float = 0.0):
        super().__init__()
        if latent_dim < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"latent_dim and hidden sizes must be positive, got {latent_dim}, {hidden}")
        self.image_shape = tuple(int(s) for s in image_shape)
        self.data_dim = self.image_shape[0] * self.image_shape[1]
        self.latent_dim = int(latent_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.dropout = float(dropout)
        self.encoder = Encoder(self.data_dim, self.hidden, self.latent_dim, self.dropout)
        self.decoder = Decoder(self.latent_dim, self.hidden[::-1], self.data_dim, self.dropout)

    @property
    def config(self) -> dict:
        return {"image_shape": list(self.image_shape), "latent_dim": self.latent_dim,
                "hidden": list(self.hidden), "dropout": self.dropout}

    def flatten(self, x: torch.Tensor) -> torch.Tensor:
        """(B, H, W) or (B, D) -> (B, D), checking the image size."""
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.data_dim:
            raise ValueError(f"this VAE models {self.image_shape[0]}x{self.image_shape[1]} images "
                             f"({self.data_dim} pixels), got {x.shape[1]} pixels per image")
        return x

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, D) or (B, H, W) -> mu (B, L), logvar (B, L)."""
        return self.encoder(self.flatten(x))

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I): a sample of q(z|x) that gradients flow through."""
        eps = torch.randn_like(mu)
        return mu + torch.exp(0.5 * logvar) * eps

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, L) -> Bernoulli logits (B, D)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x -> (recon_logits (B, D), mu (B, L), logvar (B, L))."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar

    @torch.inference_mode()
    def sample(self, n: int, generator: torch.Generator | None = None, binary: bool = True
               ) -> torch.Tensor:
        """n images (n, H, W) from p(z) p(x|z): binary draws, or pixel probabilities if not ``binary``."""
        z = torch.randn(n, self.latent_dim, generator=generator, device=self.decoder.net[0].weight.device)
        probs = torch.sigmoid(self.decode(z))
        if binary:
            probs = torch.bernoulli(probs, generator=generator)
        return probs.reshape(n, *self.image_shape)
