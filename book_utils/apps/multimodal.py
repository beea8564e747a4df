"""Images and words in one space: a small CLIP on the digits, with captions in English and Chinese,
and a generator that draws what a caption asks for (Section 8.1.2).

Contrastive pre-training follows Radford et al. 2021 ("Learning transferable visual models from
natural language supervision", CLIP): an image encoder and a text encoder map into one space of
unit vectors; a batch of B (image, caption) pairs gives a B x B matrix of cosine similarities, scaled
by a learned temperature, and a cross-entropy in both directions asks each image to pick out its
own caption among the batch's captions and each caption its own image. Text-to-image uses the
conditional VAE of Section 6.1 (Sohn et al. 2015) with the caption's text embedding in place of the
one-hot label.

Captions are written from the image itself: the digit's name, its thickness (ink relative to other
digits of its class) and its slant (a second moment of the ink), for example "a thick seven,
slanting right" / "一个粗的七，向右倾斜".

Shapes (B = batch, D = pixels, T = tokens per caption, E = embedding size, L = latent size):
    ImageEncoder:   x (B, D) in [0, 1]           -> (B, E) unit vectors
    TextEncoder:    tokens (B, T) int, 0 = pad   -> (B, E) unit vectors
    CaptionVAE:     decode z (B, L), c (B, E)    -> logits (B, D)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from book_utils.vae.conditional import train_conditioned
from book_utils.vae.latent import ink, slant
from book_utils.vae.model import Decoder, Encoder
from book_utils.vae.run import cosine_lr

LANGUAGES = ("en", "zh")
NUMBERS = {"en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
           "zh": tuple("零一二三四五六七八九")}
THICKNESS = {"en": ("thin", "", "thick"), "zh": ("细", "", "粗")}                 # level 0, 1, 2
SLANT = {"en": ("slanting left", "", "slanting right"), "zh": ("向左倾斜", "", "向右倾斜")}
PAD = "<pad>"


# ---------------------------------------------------------------- captions from measured attributes

@dataclass
class AttributeScale:
    """Tertile thresholds that turn measured ink and slant into levels 0 (low), 1 (middle), 2 (high).

    ``ink_cuts`` (C, 2): per class, because a one has less ink than an eight at the same thickness;
    ``slant_cuts`` (2,): one pair for all classes (slant in pixels of shear per row, + = right).
    """

    ink_cuts: np.ndarray
    slant_cuts: np.ndarray

    @classmethod
    def fit(cls, images, labels, n_classes: int = 10) -> AttributeScale:
        """Images (N, H, W) in [0, 1] with labels (N,): thresholds at the 1/3 and 2/3 quantiles."""
        labels = np.asarray(labels)
        amount, lean = ink(images), slant(images)
        ink_cuts = np.stack([np.quantile(amount[labels == c], [1 / 3, 2 / 3]) for c in range(n_classes)])
        return cls(ink_cuts, np.quantile(lean, [1 / 3, 2 / 3]))

    def levels(self, images, labels) -> tuple[np.ndarray, np.ndarray]:
        """(thickness level (N,), slant level (N,)), each in {0, 1, 2}."""
        cuts = self.ink_cuts[np.asarray(labels)]
        amount, lean = ink(images), slant(images)
        thick = (amount > cuts[:, 0]).astype(int) + (amount > cuts[:, 1]).astype(int)
        return thick, np.searchsorted(self.slant_cuts, lean)


def caption(digit: int, thickness: int = 1, lean: int = 1, lang: str = "en") -> str:
    """One caption: "a thick seven, slanting right" / "一个粗的七，向右倾斜" (level 1 = unmarked)."""
    if lang == "en":
        adjective = THICKNESS["en"][thickness]
        noun = f"{adjective} {NUMBERS['en'][digit]}".strip()
        text = ("an " if noun.startswith("eight") else "a ") + noun
        return text + (f", {SLANT['en'][lean]}" if lean != 1 else "")
    if lang == "zh":
        adjective = THICKNESS["zh"][thickness]
        text = "一个" + (f"{adjective}的" if adjective else "") + NUMBERS["zh"][digit]
        return text + (f"，{SLANT['zh'][lean]}" if lean != 1 else "")
    raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")


def all_captions(lang: str) -> list[tuple[int, int, int, str]]:
    """Every (digit, thickness, slant, caption) of one language: 10 x 3 x 3 = 90 rows."""
    return [(d, t, s, caption(d, t, s, lang)) for d in range(10) for t in range(3) for s in range(3)]


def tokenize(text: str) -> list[str]:
    """English by words (the comma a token of its own), Chinese by characters."""
    return re.findall(r"[a-z]+|[\u4e00-\u9fff]|[,，]", text.lower())


class Vocab:
    """Token <-> id over both languages' captions; id 0 is padding."""

    def __init__(self, texts):
        tokens = sorted({t for text in texts for t in tokenize(text)})
        self.itos = [PAD, *tokens]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, texts, length: int = 12) -> torch.Tensor:
        """Captions -> (B, length) int64 ids, padded with 0; an unknown token is an error."""
        out = torch.zeros(len(texts), length, dtype=torch.long)
        for i, text in enumerate(texts):
            tokens = tokenize(text)
            unknown = [t for t in tokens if t not in self.stoi]
            if unknown or len(tokens) > length:
                raise ValueError(f"caption {text!r}: unknown tokens {unknown} or longer than {length}")
            out[i, :len(tokens)] = torch.tensor([self.stoi[t] for t in tokens])
        return out


# ---------------------------------------------------------------- the two encoders and the loss

class ImageEncoder(nn.Module):
    """Pixels (B, D) in [0, 1] -> unit vectors (B, E): a two-layer ReLU MLP."""

    def __init__(self, data_dim: int, embed_dim: int = 32, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(data_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, embed_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(x.reshape(len(x), -1)), dim=-1)


class TextEncoder(nn.Module):
    """Token ids (B, T), 0 = pad -> unit vectors (B, E).

    Each token's embedding plus its position's embedding (so "一个一" and "一个七" differ by where
    the 一 stands, not only by how often it occurs), averaged over the caption's tokens, then an MLP.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, width: int = 64, max_len: int = 12):
        super().__init__()
        self.token = nn.Embedding(vocab_size, width, padding_idx=0)
        self.position = nn.Embedding(max_len, width)
        self.head = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, embed_dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens > 0).unsqueeze(-1).float()                                      # (B, T, 1)
        h = self.token(tokens) + self.position(torch.arange(tokens.shape[1], device=tokens.device))
        h = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)                             # (B, width)
        return F.normalize(self.head(h), dim=-1)


class CLIP(nn.Module):
    """Image and text encoders into one space, with a learned temperature (logit scale = exp(t))."""

    def __init__(self, data_dim: int, vocab_size: int, embed_dim: int = 32):
        super().__init__()
        self.image = ImageEncoder(data_dim, embed_dim)
        self.text = TextEncoder(vocab_size, embed_dim)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))               # CLIP's start value

    def logit_scale(self) -> torch.Tensor:
        return self.log_scale.clamp(max=math.log(100.0)).exp()                 # capped at 100 as in CLIP


def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric cross-entropy over the (B, B) similarity matrix: pair i's match is column i (nats)."""
    logits = logit_scale * image_emb @ text_emb.T                                     # (B, B)
    target = torch.arange(len(logits), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def train_clip(model: CLIP, images: torch.Tensor, tokens: dict, epochs: int = 60, batch_size: int = 128,
               lr: float = 2e-3, seed: int = 0) -> list[float]:
    """Train on images (N, D) in [0, 1] and their captions' ids per language, {"en": (N, T), "zh": (N, T)}.

    Each step sums the loss of the batch's images against its English and its Chinese captions, so both
    languages are pulled to the same image embeddings. Adam with a cosine decay; returns the mean loss
    per epoch (nats per language).
    """
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * math.ceil(len(images) / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_lr(steps))
    history = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(images), batch_size):
            idx = order[start:start + batch_size]
            image_emb = model.image(images[idx])
            scale = model.logit_scale()
            loss = sum(clip_loss(image_emb, model.text(ids[idx]), scale) for ids in tokens.values())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(idx) / len(tokens)
        history.append(total / len(images))
    model.eval()
    return history


@torch.inference_mode()
def zero_shot(model: CLIP, images: torch.Tensor, prompt_tokens: torch.Tensor, prompt_class) -> np.ndarray:
    """Classify images (N, D) by their most similar class prompt embedding.

    ``prompt_tokens`` (P, T) with ``prompt_class`` (P,): the prompts of a class are averaged and
    re-normalised (prompt ensembling, Radford et al. 2021) before the comparison. Returns (N,) classes.
    """
    prompt_class = np.asarray(prompt_class)
    classes = np.unique(prompt_class)
    text = model.text(prompt_tokens)
    centres = torch.stack([text[torch.as_tensor(prompt_class == c)].mean(0) for c in classes])
    sims = model.image(images) @ F.normalize(centres, dim=-1).T                      # (N, classes)
    return classes[sims.argmax(1).numpy()]


def recall_at_1(similarity: np.ndarray, query_keys, item_keys) -> tuple[float, float]:
    """Recall@1 of queries (rows) against items (columns) and its chance level.

    A retrieval counts as right when the best item's key equals the query's key (captions repeat, so
    "right" means "the same caption", not "the same index"); chance is the mean share of items whose key
    equals the query's, what picking an item at random scores.
    """
    query_keys, item_keys = np.asarray(query_keys), np.asarray(item_keys)
    best = np.asarray(similarity).argmax(axis=1)
    match = query_keys[:, None] == item_keys[None, :]
    return float(match[np.arange(len(best)), best].mean()), float(match.mean())


# ---------------------------------------------------------------- text-to-image

class CaptionVAE(nn.Module):
    """Section 6.1's conditional VAE with a caption's text embedding c (B, E) in place of the one-hot label.

    q(z|x, c) = N(mu, diag(sigma^2)), p(z) = N(0, I), p(x|z, c) Bernoulli over the D pixels.
    The unit vector c is multiplied by sqrt(E) on the way in, so that its coordinates have the size of
    z's (about 1) rather than 1 / sqrt(E): otherwise the decoder first learns to read the class from z.
    """

    def __init__(self, image_shape: tuple[int, int], cond_dim: int, latent_dim: int = 8,
                 hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        self.data_dim, self.latent_dim = self.image_shape[0] * self.image_shape[1], int(latent_dim)
        self.cond_scale = math.sqrt(cond_dim)
        self.encoder = Encoder(self.data_dim + cond_dim, tuple(hidden), self.latent_dim)
        self.decoder = Decoder(self.latent_dim + cond_dim, tuple(hidden)[::-1], self.data_dim)

    def forward(self, x: torch.Tensor, c: torch.Tensor):
        """(x (B, D), c (B, E)) -> (recon_logits (B, D), mu (B, L), logvar (B, L))."""
        c = c * self.cond_scale
        mu, logvar = self.encoder(torch.cat([x.reshape(len(x), -1), c], dim=1))
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decoder(torch.cat([z, c], dim=1)), mu, logvar

    @torch.inference_mode()
    def sample(self, c: torch.Tensor, generator: torch.Generator | None = None, binary: bool = True):
        """One image per condition row: (n, H, W), Bernoulli draws (or pixel probabilities)."""
        z = torch.randn(len(c), self.latent_dim, generator=generator)
        probs = torch.sigmoid(self.decoder(torch.cat([z, c * self.cond_scale], dim=1)))
        if binary:
            probs = torch.bernoulli(probs, generator=generator)
        return probs.reshape(len(c), *self.image_shape)


def train_caption_vae(model: CaptionVAE, grey: torch.Tensor, conditions: list[torch.Tensor], max_value: int,
                      epochs: int = 60, batch_size: int = 64, lr: float = 1e-3, warmup_epochs: int = 10,
                      seed: int = 0) -> list[float]:
    """Train on grey images (N, H, W) in 0..max_value; ``conditions``: one (N, E) embedding per language.

    Section 6.1's recipe (soft binarization afresh each epoch, Adam with cosine decay, KL warm-up), with
    each image shown under one of its captions' embeddings, the language drawn at random per image and
    epoch. Returns -ELBO per epoch (nats per image).
    """
    cond = torch.stack(conditions)                                                    # (languages, N, E)
    every = torch.arange(len(grey))

    def captions_for_epoch(generator):                  # one language per image, drawn afresh each epoch
        return cond[torch.randint(len(cond), (len(grey),), generator=generator), every]

    return train_conditioned(model, grey, captions_for_epoch, max_value, epochs=epochs, batch_size=batch_size,
                             lr=lr, warmup_epochs=warmup_epochs, seed=seed)
