"""Texture synthesis from one image with a random-weight network (Section 6.1). PyTorch.

Gatys et al. 2015 ("Texture synthesis using convolutional neural networks") describe a texture by
the Gram matrices of a CNN's feature maps (which features fire together, wherever they fire) and
synthesise a new texture by optimising the pixels of a noise image until its Gram matrices match the
source's. Ustyuzhaninov et al. 2016 ("Texture synthesis using shallow convolutional networks with
random filters") showed that the network need not be trained: one layer of random filters at several
scales suffices. That is what :class:`RandomFeatures` is.

Images are (H, W, 3) NumPy arrays in [0, 1]; inside, (1, 3, H, W) tensors.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from book_utils.metrics import frechet_distance

#: the dahlia of scikit-learn's ``flower.jpg``: rows and columns of its petals
FLOWER_CROP = (slice(110, 238), slice(270, 398))


def load_source(name: str = "flower.jpg", crop=FLOWER_CROP, factor: int = 2) -> np.ndarray:
    """A photo that ships with scikit-learn, cropped and shrunk by ``factor`` (block mean): (H, W, 3)."""
    from sklearn.datasets import load_sample_image

    image = load_sample_image(name)[crop].astype(np.float64) / 255.0
    h, w = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    return image[:h, :w].reshape(h // factor, factor, w // factor, factor, 3).mean(axis=(1, 3))


class RandomFeatures(nn.Module):
    """One convolutional layer of random, fixed filters at several sizes, then ReLU.

    image (1, 3, H, W) -> list of feature maps, one per kernel size, each (1, filters, H, W).
    Weights are drawn once (He-normal, from ``seed``) and never trained (Ustyuzhaninov et al. 2016).
    """

    def __init__(self, kernel_sizes: tuple[int, ...] = (3, 5, 7, 11), filters: int = 64, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.convs = nn.ModuleList()
        for k in kernel_sizes:
            conv = nn.Conv2d(3, filters, k, padding=k // 2, padding_mode="reflect")
            with torch.no_grad():
                std = (2 / (3 * k * k)) ** 0.5
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * std)
                conv.bias.zero_()
            conv.requires_grad_(False)
            self.convs.append(conv)

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        x = image - 0.5                                  # centre the pixels so ReLU sees both signs
        return [F.relu(conv(x)) for conv in self.convs]


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of feature maps (1, C, H, W) -> (C, C): mean over positions of f_i * f_j."""
    f = features.reshape(features.shape[1], -1)
    return f @ f.T / f.shape[1]


def gram_loss(net: RandomFeatures, image: torch.Tensor, targets: list[torch.Tensor]) -> torch.Tensor:
    """Sum over scales of the squared Gram differences, each scaled by the target's squared norm."""
    return sum(((gram(f) - t) ** 2).sum() / (t ** 2).sum() for f, t in zip(net(image), targets))


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) in [0, 1] -> (1, 3, H, W) float32."""
    return torch.as_tensor(np.asarray(image, dtype=np.float32)).permute(2, 0, 1)[None]


def synthesize(source: np.ndarray, size: tuple[int, int] | None = None, steps: int = 300, lr: float = 0.05,
               net: RandomFeatures | None = None, seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """A new texture (H, W, 3) whose random-feature Gram matrices match ``source``'s, and the loss per step.

    Starts from uniform noise and runs Adam on the pixels (kept in [0, 1]); ``size`` defaults to the
    source's size.
    """
    net = net or RandomFeatures(seed=seed)
    with torch.no_grad():
        targets = [gram(f) for f in net(to_tensor(source))]
    h, w = size or source.shape[:2]
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, h, w, generator=generator).requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    history = []
    for _ in range(steps):
        loss = gram_loss(net, image, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(0.0, 1.0)
        history.append(float(loss.detach()))
    return image.detach()[0].permute(1, 2, 0).numpy().astype(np.float64), history


def pixel_shuffle(image: np.ndarray, seed: int = 0) -> np.ndarray:
    """The same pixels in a random order: the source's colour histogram, none of its structure."""
    flat = np.asarray(image).reshape(-1, image.shape[-1])
    return flat[np.random.default_rng(seed).permutation(len(flat))].reshape(image.shape)


def patches(image: np.ndarray, size: int = 5) -> np.ndarray:
    """Every ``size`` x ``size`` patch of an (H, W, 3) image, flattened: (P, size * size * 3)."""
    image = np.asarray(image, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size), axis=(0, 1))
    return windows.reshape(-1, windows.shape[2] * size * size)


def patch_distance(a: np.ndarray, b: np.ndarray, size: int = 5) -> float:
    """Fréchet distance between Gaussian fits of the two images' ``size`` x ``size`` patches.

    0 for two images with the same patch statistics (mean colour, local contrast, edges, their
    correlations); the same formula as the sample metrics' FD, on raw patches instead of features.
    """
    return float(frechet_distance(patches(a, size), patches(b, size)))
