"""A class-conditional VAE (Sohn et al. 2015, "Learning structured output representation using deep
conditional generative models"; Kingma et al. 2014, "Semi-supervised learning with deep generative
models"): "draw me a 3" (Section 6.1).

The book's VAE (``book_utils.vae.model``) with the label y, one-hot, appended to the encoder's input
and to the decoder's input. The encoder then need not store the class in z, so z keeps the *style*
(thickness, slant, size) and the decoder draws that style as whichever digit it is asked for.

Shapes (B = batch, D = pixels, C = classes, L = latent size):
    encode:  x (B, D) binary, y (B,) int  ->  mu (B, L), logvar (B, L)
    decode:  z (B, L), y (B,) int         ->  logits (B, D)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from book_utils.vae.data import binarize_epoch
from book_utils.vae.loss import loss_terms
from book_utils.vae.model import Decoder, Encoder
from book_utils.vae.run import cosine_lr, kl_weight


class ConditionalVAE(nn.Module):
    """q(z|x, y) = N(mu, diag(sigma^2)), p(z) = N(0, I), p(x|z, y) Bernoulli; y is the class label."""

    def __init__(self, image_shape: tuple[int, int] = (8, 8), n_classes: int = 10, latent_dim: int = 8,
                 hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        self.data_dim = self.image_shape[0] * self.image_shape[1]
        self.n_classes, self.latent_dim = int(n_classes), int(latent_dim)
        self.encoder = Encoder(self.data_dim + self.n_classes, tuple(hidden), self.latent_dim)
        self.decoder = Decoder(self.latent_dim + self.n_classes, tuple(hidden)[::-1], self.data_dim)

    def one_hot(self, y: torch.Tensor) -> torch.Tensor:
        """Labels (B,) -> one-hot (B, C) floats, checking the range."""
        y = torch.as_tensor(y, dtype=torch.long, device=self.decoder.net[0].weight.device)
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= self.n_classes):
            raise ValueError(f"labels must be in 0..{self.n_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return F.one_hot(y, self.n_classes).float()

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(torch.cat([x.reshape(x.shape[0], -1), self.one_hot(y)], dim=1))

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, self.one_hot(y)], dim=1))

    def forward(self, x: torch.Tensor, y: torch.Tensor):
        """(x, y) -> (recon_logits (B, D), mu (B, L), logvar (B, L))."""
        mu, logvar = self.encode(x, y)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z, y), mu, logvar

    @torch.inference_mode()
    def sample(self, labels, generator: torch.Generator | None = None, binary: bool = True,
               z: torch.Tensor | None = None) -> torch.Tensor:
        """One image (H, W) per requested label: (n, H, W), binary draws or pixel probabilities.

        ``z`` (n, L) fixes the style codes (default: fresh draws from the prior N(0, I)).
        """
        y = self.one_hot(labels)
        if z is None:
            z = torch.randn(len(y), self.latent_dim, generator=generator, device=y.device)
        probs = torch.sigmoid(self.decoder(torch.cat([z.to(y.device), y], dim=1)))
        if binary:
            probs = torch.bernoulli(probs, generator=generator)
        return probs.reshape(len(y), *self.image_shape)


def train_cvae(model: ConditionalVAE, grey: torch.Tensor, labels: torch.Tensor, max_value: int,
               epochs: int = 100, batch_size: int = 64, lr: float = 1e-3, warmup_epochs: int = 10,
               seed: int = 0) -> list[float]:
    """Train on grey images (N, H, W) in 0..max_value with labels (N,); returns -ELBO per epoch (nats)."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    return train_conditioned(model, grey, lambda generator: labels, max_value, epochs=epochs,
                             batch_size=batch_size, lr=lr, warmup_epochs=warmup_epochs, seed=seed)


def train_conditioned(model, grey: torch.Tensor, conditions_for_epoch, max_value: int, epochs: int = 100,
                      batch_size: int = 64, lr: float = 1e-3, warmup_epochs: int = 10,
                      seed: int = 0) -> list[float]:
    """The book's VAE recipe (Section 5.2) for any ``model(x, c) -> (logits, mu, logvar)``.

    A fresh soft binarization of the grey images (N, H, W) every epoch, Adam with a cosine learning-rate
    decay, the KL weight warmed up linearly to 1. ``conditions_for_epoch(generator)`` gives each image's
    condition for the epoch, (N, ...): labels, or embeddings it may draw with the run's generator.
    Returns -ELBO per epoch (nats per image).
    """
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * math.ceil(len(grey) / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_lr(steps))
    history = []
    model.train()
    for epoch in range(epochs):
        beta = kl_weight(epoch, warmup_epochs)
        images = binarize_epoch(grey, max_value, "soft", generator)
        conditions = conditions_for_epoch(generator)
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(images), batch_size):
            idx = order[start:start + batch_size]
            recon, mu, logvar = model(images[idx], conditions[idx])
            reconstruction, kl = loss_terms(recon, images[idx], mu, logvar)
            loss = reconstruction + beta * kl
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += (reconstruction.item() + kl.item()) * len(idx)
        history.append(total / len(images))
    model.eval()
    return history
