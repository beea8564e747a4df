"""Run directories for the autoregressive models: train (resumable), evaluate, load.

``python -m book_utils train arm --dataset digits --out DIR`` trains the pixel
model (:class:`~book_utils.arm.made.MADE`) on binarized images;
``--text FILE`` or ``--text python-docs`` trains the character model
(:class:`~book_utils.arm.charmodel.CharGRU`) instead. The directory holds
``run.json``, ``checkpoint.pt`` (written atomically after an epoch, at most every
``save_every_s`` seconds and always after the last one; it holds the model, the
optimizer, every random-number state and the early-stopping state, so a run
killed and started again ends exactly where an uninterrupted run would),
``samples.npy`` (1,000 samples), ``metrics.json`` and PNG figures.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from book_utils.arm.charmodel import CharGRU, CharVocab, bits_per_char, generate, train_steps
from book_utils.arm.made import MADE
from book_utils.runs import (
    atomic_write_bytes,
    check_finite,
    load_json,
    prepare_run_dir,
    read_run,
    save_json,
    save_npy,
)

MODEL = "arm"
CHECKPOINT = "checkpoint.pt"
N_SAMPLES = 1000

# pixel-model defaults: small images (8x8 digits) vs large ones (28x28 MNIST)
PIXEL_DEFAULTS = {
    "small": dict(hidden=[1024], n_masks=16, dropout=0.3, lr=1e-3, weight_decay=0.0, epochs=500,
                  batch_size=32, valid_fraction=0.1),
    "large": dict(hidden=[2000], n_masks=8, dropout=0.1, lr=1e-3, weight_decay=1e-4, epochs=100,
                  batch_size=100, valid_fraction=0.1),
}
CHAR_DEFAULTS = dict(embed=32, hidden=256, layers=1, seq_len=128, lr=3e-3, epochs=5, batch_size=32,
                     valid_fraction=0.1)


def _save_checkpoint(out: Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(out / CHECKPOINT, buffer.getvalue())


def _load_checkpoint(out: Path) -> dict | None:
    path = Path(out) / CHECKPOINT
    return torch.load(path, weights_only=True) if path.exists() else None


def _training_state(model, optimizer, data_rng: torch.Generator) -> dict:
    """What a checkpoint needs besides the run's bookkeeping to continue exactly where it stopped."""
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "data_rng": data_rng.get_state(), "torch_rng": torch.get_rng_state()}


def _resume(out: Path, state: dict, model, optimizer, data_rng: torch.Generator) -> dict:
    """Restore model, optimizer and both random generators from ``out``'s checkpoint in place and
    return its bookkeeping (the keys of ``state``); without a checkpoint, return ``state``."""
    saved = _load_checkpoint(out)
    if saved is None:
        return state
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    data_rng.set_state(saved["data_rng"])
    torch.set_rng_state(saved["torch_rng"])
    return {k: saved[k] for k in state}


def _clone(state_dict: dict) -> dict:
    return {k: v.detach().clone() for k, v in state_dict.items()}


def count_parameters(model: torch.nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))


# --- the pixel model -----------------------------------------------------------------

def pixel_split(dataset: str, valid_fraction: float, seed: int):
    """Binarized (train, valid, test, image_shape): the validation images are carved from the
    training split only (seeded), so the test split never steers training."""
    from book_utils.data import load

    ds = load(dataset, view="binary")
    x = ds.x_train.reshape(len(ds.x_train), -1).astype(np.float32)
    n_valid = max(1, int(round(valid_fraction * len(x))))
    if len(x) - n_valid < 1:
        raise ValueError(f"{dataset}: {len(x)} training images are too few to hold out {n_valid} "
                         "for validation")
    perm = np.random.default_rng(seed).permutation(len(x))
    x_test = None if ds.x_test is None else ds.x_test.reshape(len(ds.x_test), -1).astype(np.float32)
    return x[perm[n_valid:]], x[perm[:n_valid]], x_test, tuple(ds.image_shape)


def build_pixel_model(config: dict) -> MADE:
    h, w = config["image_shape"]
    return MADE(h * w, tuple(config["hidden"]), config["n_masks"], config["dropout"], seed=config["seed"])


@torch.no_grad()
def mean_nll(model: MADE, x: np.ndarray, batch: int = 1000) -> float:
    """Mean exact negative log-likelihood in nats per image."""
    model.eval()
    total = sum(-model.log_prob(torch.as_tensor(x[i:i + batch])).sum().item()
                for i in range(0, len(x), batch))
    return total / len(x)


def _train_pixel(out, dataset: str, seed: int, save_every_s: float, options: dict) -> dict:
    from book_utils.data import load

    probe = load(dataset, view="binary")
    size = "small" if np.prod(probe.image_shape) <= 256 else "large"
    config = {"kind": "pixel", "dataset": str(dataset), "seed": int(seed),
              "image_shape": list(probe.image_shape), **PIXEL_DEFAULTS[size]}
    for key, value in options.items():
        if key not in config:
            raise ValueError(f"unknown option {key!r} for the pixel model; known: "
                             f"{', '.join(sorted(PIXEL_DEFAULTS['small']))}")
        config[key] = list(value) if key == "hidden" else value
    x_train, x_valid, _, _ = pixel_split(dataset, config["valid_fraction"], seed)
    out, _ = prepare_run_dir(out, MODEL, config)

    torch.manual_seed(seed)
    model = build_pixel_model(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])
    batches = math.ceil(len(x_train) / config["batch_size"])
    shuffle = torch.Generator().manual_seed(seed)
    state = {"epoch": 0, "history": {"train": [], "valid": []}, "best_valid": float("inf"),
             "best_epoch": 0, "best_model": _clone(model.state_dict()), "train_seconds": 0.0,
             "train_cpu_seconds": 0.0}
    state = _resume(out, state, model, optimizer, shuffle)
    x_train_t = torch.as_tensor(x_train)
    last_save = time.perf_counter()
    for epoch in range(state["epoch"], config["epochs"]):
        wall, cpu = time.perf_counter(), time.process_time()
        model.train()
        order = torch.randperm(len(x_train_t), generator=shuffle)
        total = 0.0
        for i in range(batches):
            xb = x_train_t[order[i * config["batch_size"]:(i + 1) * config["batch_size"]]]
            k = (epoch * batches + i) % config["n_masks"]        # connectivity-agnostic training
            loss = F.binary_cross_entropy_with_logits(model.logits(xb, k), xb, reduction="sum") / len(xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        train_nll = check_finite(total / len(x_train), "the training NLL", out)
        valid_nll = mean_nll(model, x_valid)
        state["history"]["train"].append(train_nll)
        state["history"]["valid"].append(valid_nll)
        if valid_nll < state["best_valid"]:                      # early stopping: keep the best epoch
            state.update(best_valid=valid_nll, best_epoch=epoch + 1, best_model=_clone(model.state_dict()))
        state["epoch"] = epoch + 1
        state["train_seconds"] += time.perf_counter() - wall
        state["train_cpu_seconds"] += time.process_time() - cpu
        if epoch + 1 == config["epochs"] or time.perf_counter() - last_save >= save_every_s:
            _save_checkpoint(out, {**state, "config": config, **_training_state(model, optimizer, shuffle)})
            last_save = time.perf_counter()
    return evaluate_run(out)


def _evaluate_pixel(out: Path, config: dict, checkpoint: dict) -> dict:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from book_utils.metrics.likelihood import nll_summary
    from book_utils.plotting import image_grid, plot_losses, save_figure

    model = load(out)
    h, w = config["image_shape"]
    _, x_valid, x_test, _ = pixel_split(config["dataset"], config["valid_fraction"], config["seed"])
    metrics = {"model": "arm", "kind": "pixel (MADE)", "dataset": config["dataset"],
               "epochs": checkpoint["epoch"], "best_epoch": checkpoint["best_epoch"],
               "valid_nll": checkpoint["best_valid"], "parameters": count_parameters(model),
               "train_seconds": checkpoint["train_seconds"],
               "train_cpu_seconds": checkpoint["train_cpu_seconds"]}
    if x_test is not None:
        with torch.no_grad():
            summary = nll_summary(model.log_prob(torch.as_tensor(x_test)).numpy(), h * w)
        metrics.update(test_nll=summary["nats_per_image"], test_nll_sem=summary["nats_sem"],
                       test_bits_per_dim=summary["bits_per_dim"])
    start = time.perf_counter()
    samples = model.sample(N_SAMPLES, seed=config["seed"]).reshape(N_SAMPLES, h, w).numpy()
    metrics["samples_per_second"] = N_SAMPLES / (time.perf_counter() - start)
    save_npy(out / "samples.npy", samples.astype(np.float32))
    if config["dataset"] == "digits":
        from book_utils.metrics.evaluate import evaluate_samples

        scored = evaluate_samples(samples, dataset="digits", view="binary")
        metrics["sample_metrics"] = {k: scored[k] for k in ("fid", "fid_matched", "fid_real_matched",
                                                            "precision", "recall", "coverage_entropy",
                                                            "near_copy_share") if k in scored}
    ax = image_grid(samples[:64], ncols=8, title="MADE samples", size=4)
    save_figure(ax.figure, out / "samples.png")
    plt.close(ax.figure)
    ax = plot_losses({"train": checkpoint["history"]["train"], "validation": checkpoint["history"]["valid"]},
                     ylabel="NLL (nats per image)", title="MADE training")
    save_figure(ax.figure, out / "loss.png")
    plt.close(ax.figure)
    save_json(out / "metrics.json", metrics)
    return metrics


# --- the character model -------------------------------------------------------------

def _read_corpus(source: str) -> tuple[str, str]:
    from book_utils.data.corpus import read_text

    text = read_text(source)
    return text, hashlib.sha256(text.encode()).hexdigest()


def char_split(text: str, valid_fraction: float) -> tuple[CharVocab, np.ndarray, np.ndarray]:
    """Vocabulary of the whole text (train + validation ids use the same symbols), then the
    last ``valid_fraction`` of characters held out."""
    from book_utils.data.corpus import split_text

    train, valid = split_text(text, valid_fraction)
    vocab = CharVocab(text)
    return vocab, vocab.encode(train), vocab.encode(valid)


def build_char_model(config: dict, vocab_size: int) -> CharGRU:
    return CharGRU(vocab_size, config["embed"], config["hidden"], config["layers"])


def _train_char(out, text_source: str, seed: int, save_every_s: float, options: dict) -> dict:
    text, digest = _read_corpus(text_source)
    config = {"kind": "char", "text": str(text_source), "text_sha256": digest, "seed": int(seed),
              **CHAR_DEFAULTS}
    for key, value in options.items():
        if key not in config:
            raise ValueError(f"unknown option {key!r} for the character model; known: "
                             f"{', '.join(sorted(CHAR_DEFAULTS))}")
        config[key] = value
    vocab, train_ids, _ = char_split(text, config["valid_fraction"])
    out, _ = prepare_run_dir(out, MODEL, config)
    torch.manual_seed(seed)
    model = build_char_model(config, len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    steps = math.ceil(len(train_ids) / (config["batch_size"] * config["seq_len"]))   # one epoch
    windows = torch.Generator().manual_seed(seed)
    state = {"epoch": 0, "history": {"train": []}, "train_seconds": 0.0, "train_cpu_seconds": 0.0}
    state = _resume(out, state, model, optimizer, windows)
    last_save = time.perf_counter()
    for epoch in range(state["epoch"], config["epochs"]):
        wall, cpu = time.perf_counter(), time.process_time()
        losses = train_steps(model, optimizer, train_ids, steps, config["batch_size"], config["seq_len"],
                             windows)
        state["history"]["train"].append(check_finite(float(np.mean(losses)), "the training loss", out))
        state["epoch"] = epoch + 1
        state["train_seconds"] += time.perf_counter() - wall
        state["train_cpu_seconds"] += time.process_time() - cpu
        if epoch + 1 == config["epochs"] or time.perf_counter() - last_save >= save_every_s:
            _save_checkpoint(out, {**state, "config": config, "vocab": vocab.chars,
                                   **_training_state(model, optimizer, windows)})
            last_save = time.perf_counter()
    return evaluate_run(out)


def _evaluate_char(out: Path, config: dict, checkpoint: dict) -> dict:
    text, digest = _read_corpus(config["text"])
    if digest != config["text_sha256"]:
        raise ValueError(f"the text {config['text']!r} changed since this run was trained (SHA-256 "
                         "differs); evaluate it on the same text")
    model = load(out)
    vocab, _, valid_ids = char_split(text, config["valid_fraction"])
    valid_bpc = bits_per_char(model, valid_ids)
    start = time.perf_counter()
    prompt = "\n" if "\n" in vocab.ids else text[0]
    samples = generate(model, vocab, 100, prompt=prompt, n=N_SAMPLES, seed=config["seed"])
    seconds = time.perf_counter() - start
    save_npy(out / "samples.npy", np.stack([vocab.encode(s) for s in samples]).astype(np.int32))
    atomic_write_bytes(out / "samples.txt", "\n----\n".join(samples[:20]).encode())
    metrics = {"model": "arm", "kind": "char (GRU)", "text": config["text"], "vocab_size": len(vocab),
               "valid_bits_per_char": valid_bpc, "valid_chars": int(len(valid_ids)),
               "epochs": checkpoint["epoch"], "train_bits_per_char": checkpoint["history"]["train"],
               "parameters": count_parameters(model), "train_seconds": checkpoint["train_seconds"],
               "train_cpu_seconds": checkpoint["train_cpu_seconds"],
               "chars_per_second": N_SAMPLES * 100 / seconds}
    save_json(out / "metrics.json", metrics)
    return metrics


# --- the contract called by book_utils.cli --------------------------------------------

def train_run(out, dataset: str = "digits", epochs: int | None = None, batch_size: int | None = None,
              seed: int = 0, text: str | None = None, save_every_s: float = 5.0, **options) -> dict:
    """Train into run directory ``out`` (resumes a killed run) and return its metrics.

    Without ``text``: the pixel MADE on binarized ``dataset`` (digits | mnist | PATH.npz).
    With ``text`` (a UTF-8 file or ``python-docs``): the character GRU. Other keyword
    options override the model defaults (see PIXEL_DEFAULTS / CHAR_DEFAULTS).
    """
    if "latent_dim" in options:
        raise ValueError("the autoregressive model has no latent space: drop --latent-dim")
    if epochs is not None:
        options["epochs"] = int(epochs)
    if batch_size is not None:
        options["batch_size"] = int(batch_size)
    if text is not None:
        return _train_char(out, text, seed, save_every_s, options)
    return _train_pixel(out, dataset, seed, save_every_s, options)


def evaluate_run(out) -> dict:
    """Recompute ``metrics.json``, ``samples.npy`` and the figures of a finished run."""
    out = Path(out)
    config = read_run(out)["config"]
    checkpoint = _load_checkpoint(out)
    if checkpoint is None:
        raise FileNotFoundError(f"{out} has no {CHECKPOINT} yet: train it first")
    if checkpoint["epoch"] < config["epochs"]:
        raise RuntimeError(f"{out} stopped after epoch {checkpoint['epoch']} of {config['epochs']}; run "
                           "the same training command again to resume it")
    if config["kind"] == "pixel":
        return _evaluate_pixel(out, config, checkpoint)
    return _evaluate_char(out, config, checkpoint)


def load(out) -> torch.nn.Module:
    """The trained module of a run directory, in eval mode (weights_only loading).

    Pixel runs give the :class:`MADE` at its best validation epoch; character runs give
    the :class:`CharGRU` with its :class:`CharVocab` as ``model.vocab``.
    """
    out = Path(out)
    run = read_run(out)
    if run.get("model") != MODEL:
        raise ValueError(f"{out} holds a {run.get('model')!r} run, not an autoregressive one")
    config = run["config"]
    checkpoint = _load_checkpoint(out)
    if checkpoint is None:
        raise FileNotFoundError(f"{out} has no {CHECKPOINT}: train it first")
    if config["kind"] == "pixel":
        model = build_pixel_model(config)
        model.load_state_dict(checkpoint["best_model"])
    else:
        vocab = CharVocab(checkpoint["vocab"])
        model = build_char_model(config, len(vocab))
        model.load_state_dict(checkpoint["model"])
        model.vocab = vocab
    return model.eval()


def read_metrics(out) -> dict:
    """The metrics.json of a run directory."""
    return load_json(Path(out) / "metrics.json")
