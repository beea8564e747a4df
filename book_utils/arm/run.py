"""The autoregressive models in the book's run lifecycle (:mod:`book_utils.runs.lifecycle`).

    python -m book_utils train arm --dataset digits --out runs/arm           # the pixel model
    python -m book_utils train arm --text python-docs --out runs/arm-docs    # the character model (GRU)
    python -m book_utils train arm --text python-docs --option arch=transformer --out runs/arm-tf

Without ``--text`` the family trains the pixel model (:class:`~book_utils.arm.made.MADE`) on
binarized images, with early stopping on a validation split carved from the training split;
with ``--text FILE`` (or ``python-docs``) it trains the character model: a GRU
(:class:`~book_utils.arm.charmodel.CharGRU`) or, with ``arch="transformer"``, a decoder-only
Transformer (:class:`~book_utils.arm.transformer.TransformerLM`). A checkpoint holds the weights,
the optimizer, every random state (and the pixel model's best-on-validation weights), so a killed run resumes
where it stopped and ends where an uninterrupted run would. Training runs on the CPU.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from book_utils.arm.charmodel import CharGRU, CharVocab, bits_per_char, generate, random_windows, train_steps
from book_utils.arm.config import CharConfig, PixelConfig, recipe
from book_utils.arm.made import MADE
from book_utils.arm.transformer import TransformerConfig, TransformerLM, bits_per_token
from book_utils.errors import ConfigError
from book_utils.runs import Evaluation, Plan, data_reference, data_source
from book_utils.runs.config import make_config, require
from book_utils.runs.lifecycle import N_SAMPLES
from book_utils.runs.torch_io import (
    clone_state,
    count_parameters,
    load_torch,
    rng_state,
    save_torch,
    set_rng_state,
)

STATE_FILE = "arm.pt"
TEXTS = ("python-docs",)      # named texts (else a UTF-8 file)
SAMPLE_CHARS = 100            # characters per text sample


# --- the pixel model ---------------------------------------------------------------------------

@dataclass
class PixelData:
    """Binarized images flattened to (N, D) float32: training, validation (carved from the training
    split), test (``None`` when the data has no test split), and the image shape."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray | None
    image_shape: tuple[int, int]


def pixel_split(dataset, valid_fraction: float, seed: int) -> PixelData:
    """The validation images are carved from the training split only (seeded), so the test split
    never steers training. ``dataset``: an :class:`~book_utils.data.ImageDataset` in the binary view."""
    x = dataset.x_train.reshape(len(dataset.x_train), -1).astype(np.float32)
    n_valid = max(1, int(round(valid_fraction * len(x))))
    require(len(x) - n_valid >= 1, f"{dataset.name}: {len(x)} training images are too few to hold out "
                                   f"{n_valid} for validation; give an x_train with at least 2 images")
    perm = np.random.default_rng(seed).permutation(len(x))
    x_test = None if dataset.x_test is None else \
        dataset.x_test.reshape(len(dataset.x_test), -1).astype(np.float32)
    return PixelData(x[perm[n_valid:]], x[perm[:n_valid]], x_test, tuple(dataset.image_shape))


@torch.no_grad()
def mean_nll(model: MADE, x: np.ndarray, batch: int = 1000) -> float:
    """Mean exact negative log-likelihood in nats per image."""
    model.eval()
    total = sum(-model.log_prob(torch.as_tensor(x[i:i + batch])).sum().item()
                for i in range(0, len(x), batch))
    return total / len(x)


class PixelTrainer:
    """A MADE, its optimizer, the data and the random streams of one pixel-model run."""

    def __init__(self, config: PixelConfig, data: PixelData):
        self.config, self.data = config, data
        torch.manual_seed(config.seed)                      # the weights; dropout draws from it too
        h, w = data.image_shape
        self.model = MADE(h * w, config.hidden, config.n_masks, config.dropout, seed=config.seed)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr,
                                           weight_decay=config.weight_decay)
        self.x_train = torch.as_tensor(data.train)
        self.batches = math.ceil(len(data.train) / config.batch_size)
        self.generator = torch.Generator().manual_seed(config.seed)     # the order of the images
        self.best = {"model": clone_state(self.model), "valid": math.inf, "epoch": 0}

    def train_epoch(self, epoch: int) -> dict[str, float]:
        c, model = self.config, self.model
        model.train()
        order = torch.randperm(len(self.x_train), generator=self.generator)
        total = 0.0
        for i in range(self.batches):
            xb = self.x_train[order[i * c.batch_size:(i + 1) * c.batch_size]]
            k = ((epoch - 1) * self.batches + i) % c.n_masks     # connectivity-agnostic training
            loss = F.binary_cross_entropy_with_logits(model.logits(xb, k), xb, reduction="sum") / len(xb)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(xb)
        train_nll = total / len(self.x_train)
        valid_nll = mean_nll(model, self.data.valid)
        if valid_nll < self.best["valid"]:                       # early stopping: keep the best epoch
            self.best = {"model": clone_state(model), "valid": valid_nll, "epoch": epoch}
        return {"train_nll": train_nll, "valid_nll": valid_nll}

    def save(self, folder: Path) -> None:
        save_torch(folder / STATE_FILE, {
            "model": clone_state(self.model), "optimizer": self.optimizer.state_dict(),
            "rng": rng_state(self.generator), "best_model": self.best["model"],
            "best_valid": self.best["valid"], "best_epoch": self.best["epoch"]})

    def restore(self, folder: Path) -> None:
        saved = load_torch(folder / STATE_FILE)
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        set_rng_state(saved["rng"], self.generator)
        self.best = {"model": saved["best_model"], "valid": saved["best_valid"], "epoch": saved["best_epoch"]}

    def trained_model(self) -> MADE:
        """The MADE at its best validation epoch, in eval mode."""
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.best["model"])
        return model.eval()

    def evaluate(self) -> Evaluation:
        from book_utils.metrics.likelihood import nll_summary

        c, data = self.config, self.data
        h, w = data.image_shape
        model = self.trained_model()
        heldout, name = (data.test, "test") if data.test is not None else (data.valid, "validation")
        with torch.no_grad():
            summary = nll_summary(model.log_prob(torch.as_tensor(heldout)).numpy(), h * w)
        start = time.perf_counter()
        samples = model.sample(N_SAMPLES, seed=c.seed).reshape(N_SAMPLES, h, w).numpy()
        seconds = time.perf_counter() - start
        return Evaluation(
            samples=samples.astype(np.float32), parameters=count_parameters(model),
            test_nll=summary["nats_per_image"], test_nll_kind="exact",
            details={"evaluated_on": name, "test_nll_sem": summary["nats_sem"],
                     "test_bits_per_dim": summary["bits_per_dim"], "best_epoch": self.best["epoch"],
                     "valid_nll": self.best["valid"], "samples_per_second": N_SAMPLES / seconds})


# --- the character model -----------------------------------------------------------------------

@dataclass
class TextData:
    """A text, its vocabulary (every character of the whole text) and the ids of both parts."""

    text: str
    vocab: CharVocab
    train: np.ndarray
    valid: np.ndarray


def char_split(text: str, valid_fraction: float) -> tuple[CharVocab, np.ndarray, np.ndarray]:
    """Vocabulary of the whole text (train and validation ids use the same symbols), then the
    last ``valid_fraction`` of characters held out."""
    from book_utils.data.corpus import split_text

    train, valid = split_text(text, valid_fraction)
    vocab = CharVocab(text)
    return vocab, vocab.encode(train), vocab.encode(valid)


def char_model(config: CharConfig, vocab_size: int) -> CharGRU | TransformerLM:
    """The character model a config describes (weights drawn from torch's global generator)."""
    if config.arch == "transformer":
        return TransformerLM(TransformerConfig(vocab_size, context=config.seq_len, d_model=config.d_model,
                                               heads=config.heads, layers=config.blocks,
                                               dropout=config.dropout))
    return CharGRU(vocab_size, config.embed, config.hidden, config.layers)


def heldout_bits_per_char(model: CharGRU | TransformerLM, ids: np.ndarray) -> float:
    """Bits per character on held-out ids: the GRU carries its state through the text, the
    Transformer reads it in overlapping windows of its context (see each function)."""
    if isinstance(model, TransformerLM):
        return bits_per_token(model, ids)
    return bits_per_char(model, ids)


def train_steps_distributed(ddp, optimizer, ids: np.ndarray, steps: int, batch: int, length: int,
                            generator: torch.Generator, dist, clip: float = 1.0) -> list[float]:
    """:func:`~book_utils.arm.charmodel.train_steps` under DDP (``ddp`` wraps the model; ``batch`` is the
    global batch of windows): every rank draws the same windows and trains on its equal slice, so
    DDP's mean of the gradients is the global batch's. Returns each step's global loss in bits/char
    (one all-reduce per epoch)."""
    ddp.train()
    losses = []
    for _ in range(steps):
        x, y = random_windows(ids, batch, length, generator)
        x, y = dist.shard(x), dist.shard(y)
        logits, _ = ddp(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ddp.parameters(), clip)   # on the all-reduced gradients
        optimizer.step()
        losses.append(loss.item())
    return (dist.all_sum(torch.tensor(losses)) / dist.world_size / math.log(2)).tolist()


class CharTrainer:
    """A character model (GRU or Transformer), its optimizer, the text and the random streams of one
    character-model run."""

    def __init__(self, config: CharConfig, data: TextData):
        self.config, self.data = config, data
        torch.manual_seed(config.seed)
        self.model = char_model(config, len(data.vocab))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.steps = math.ceil(len(data.train) / (config.batch_size * config.seq_len))   # one epoch
        self.generator = torch.Generator().manual_seed(config.seed)     # where the windows start
        self.dist, self.ddp = None, None
        self.step_losses: list[float] = []    # the last epoch's loss at each step (bits per character)

    def distribute(self, dist) -> None:
        """Train data-parallel from now on (:mod:`book_utils.runs.distributed`)."""
        from book_utils.runs.distributed import per_rank_batch

        per_rank_batch(self.config.batch_size, dist.world_size)
        self.dist, self.ddp = dist, dist.wrap(self.model)

    def train_epoch(self, epoch: int) -> dict[str, float]:
        c = self.config
        if self.dist is None:
            losses = train_steps(self.model, self.optimizer, self.data.train, self.steps, c.batch_size,
                                 c.seq_len, self.generator)
        else:
            losses = train_steps_distributed(self.ddp, self.optimizer, self.data.train, self.steps,
                                             c.batch_size, c.seq_len, self.generator, self.dist)
        self.step_losses = losses
        return {"train_bits_per_char": float(np.mean(losses))}

    def save(self, folder: Path) -> None:
        save_torch(folder / STATE_FILE, {
            "model": clone_state(self.model), "optimizer": self.optimizer.state_dict(),
            "rng": rng_state(self.generator), "vocab": self.data.vocab.chars})

    def restore(self, folder: Path) -> None:
        saved = load_torch(folder / STATE_FILE)
        if saved["vocab"] != self.data.vocab.chars:
            raise ValueError("the checkpoint's vocabulary differs from the text's")
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        set_rng_state(saved["rng"], self.generator)

    def trained_model(self) -> CharGRU | TransformerLM:
        """The model after its last epoch, in eval mode, with its :class:`CharVocab` as ``.vocab``."""
        model = copy.deepcopy(self.model).eval()
        model.vocab = self.data.vocab
        return model

    def evaluate(self) -> Evaluation:
        data, model = self.data, self.trained_model()
        valid_bpc = heldout_bits_per_char(model, data.valid)
        prompt = "\n" if "\n" in data.vocab.ids else data.text[0]
        start = time.perf_counter()
        texts = generate(model, data.vocab, SAMPLE_CHARS, prompt=prompt, n=N_SAMPLES, seed=self.config.seed)
        seconds = time.perf_counter() - start
        samples = np.stack([data.vocab.encode(t) for t in texts]).astype(np.int32)
        return Evaluation(
            samples=samples, parameters=count_parameters(model), test_nll=valid_bpc * math.log(2),
            test_nll_kind="exact (held-out text)", text_samples=texts,
            details={"arch": self.config.arch, "valid_bits_per_char": valid_bpc,
                     "valid_chars": int(len(data.valid)),
                     "vocab_size": len(data.vocab), "chars_per_second": N_SAMPLES * SAMPLE_CHARS / seconds})


# --- the family --------------------------------------------------------------------------------

def _names(cls) -> set[str]:
    return {f.name for f in fields(cls)}


def _refuse_other_models_options(options: dict, text: bool) -> None:
    """A clear message for an option of the other model (or of another family)."""
    if options.get("latent_dim") is not None:
        raise ConfigError("the autoregressive models have no latent space: drop --latent-dim")
    here, other = (CharConfig, PixelConfig) if text else (PixelConfig, CharConfig)
    foreign = sorted(set(options) & (_names(other) - _names(here)))
    if foreign:
        where = ("the pixel model's (train without --text)" if text
                 else "the character model's (train with --text FILE or --text python-docs)")
        raise ConfigError(f"{', '.join(foreign)}: {where} option(s); this run's options are: "
                          f"{', '.join(sorted(_names(here)))}")


class ARMFamily:
    name = "arm"
    sample_view = "binary"        # the pixel model's samples; text runs are recognised by their data kind
    loss_panels = {"NLL (nats per image)": ["train_nll", "valid_nll"],
                   "training loss (bits per character)": ["train_bits_per_char"]}
    smoke_limits = {"epochs": 2}

    def plan(self, dataset, text, options: dict) -> Plan:
        options = dict(options)
        _refuse_other_models_options(options, text is not None)
        options.pop("latent_dim", None)
        return self._plan_pixel(dataset, options) if text is None else self._plan_char(text, options)

    def _plan_pixel(self, dataset, options: dict) -> Plan:
        from book_utils.data import DATASETS, load

        make_config(PixelConfig, {}, options, model="arm")           # the options, before loading any data
        reference = data_reference(dataset, DATASETS)
        images = load(data_source(reference), view="binary")
        config = make_config(PixelConfig, recipe(images.image_shape), options, model="arm")
        require(images.image_shape[0] * images.image_shape[1] >= 2,
                f"{reference['name']}: images of {images.image_shape} have fewer than 2 pixels")
        return Plan(config, reference, pixel_split(images, config.valid_fraction, config.seed))

    def _plan_char(self, text, options: dict) -> Plan:
        from book_utils.data.corpus import read_text

        config = make_config(CharConfig, {}, options, model="arm")    # the options, before reading the text
        reference = data_reference(text, TEXTS, kind="text")
        source = data_source(reference)
        content = read_text(source)
        require(len(content) >= 2,
                f"{source}: a text of {len(content)} character(s) is too short to train on")
        vocab, train_ids, valid_ids = char_split(content, config.valid_fraction)
        n = len(train_ids)
        shorter = f"shorter windows (e.g. --option seq_len={max(1, min(n // 2, n - 2))})" if n >= 3 else ""
        require(n > config.seq_len + 1,
                f"{source}: the training part of the text has {n} characters, fewer than one window of "
                f"seq_len + 1 = {config.seq_len + 1}; give a longer text{' or ' if shorter else ''}{shorter}")
        require(len(valid_ids) >= 2,
                f"{source}: the held-out part of the text has {len(valid_ids)} character(s), too few to "
                "measure the model on; give a longer text or a larger --option valid_fraction=0.2")
        return Plan(config, reference, TextData(content, vocab, train_ids, valid_ids))

    def build(self, plan: Plan) -> PixelTrainer | CharTrainer:
        if isinstance(plan.loaded, TextData):
            return CharTrainer(plan.config, plan.loaded)
        return PixelTrainer(plan.config, plan.loaded)


FAMILY = ARMFamily()


def train_run(out, dataset: str = "digits", text: str | None = None, **options) -> dict:
    """Train (or resume) an autoregressive model into run directory ``out``: :func:`book_utils.runs.train`
    for the family. Without ``text`` the pixel MADE on binarized ``dataset`` (digits | mnist | PATH.npz);
    with ``text`` (a UTF-8 file or ``python-docs``) the character model (``arch="gru"``, the default,
    or ``"transformer"``)."""
    from book_utils.runs import train

    return train(FAMILY, out, None if text is not None else dataset, text=text, **options)
