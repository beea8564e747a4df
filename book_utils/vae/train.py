"""Training a VAE into a run directory: resumable, checked, the same for the notebook and the CLI.

    metrics = train_run("runs/vae", "digits")      # python -m book_utils train vae --out runs/vae
    model = load("runs/vae")

The run directory holds run.json (the recipe), checkpoint.pt (weights, optimizer, epoch, RNG
states; rewritten atomically), samples.npy, metrics.json, losses.png and samples.png.
"""

from __future__ import annotations

import dataclasses
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from book_utils.runs import (
    RunDirError,
    atomic_write_bytes,
    check_finite,
    load_json,
    prepare_run_dir,
    read_run,
    save_json,
    save_npy,
)
from book_utils.vae.data import AUGMENTATIONS, VAEData, binarize_epoch, load_vae_data
from book_utils.vae.likelihood import importance_weighted_nll, negative_elbo
from book_utils.vae.loss import loss_terms
from book_utils.vae.model import VAE

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"
N_SAMPLES = 1000


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a run (saved in run.json; a resumed run must match it)."""

    dataset: str = "digits"
    epochs: int = 700
    batch_size: int = 64
    latent_dim: int = 8
    hidden: tuple[int, ...] = (256, 256)
    dropout: float = 0.0
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_epochs: int = 50        # KL weight beta rises linearly to 1 (over at most half the epochs)
    augment: str = "soft"          # per-epoch binarization of the training grey levels (data.py)
    softness: float = 1.0          # width of the soft threshold, in grey levels (augment="soft")
    val_fraction: float = 0.1      # carved from the TRAINING split, for choosing the epoch
    eval_k: int = 1000             # importance samples for the test log-likelihood
    checkpoint_every: int = 10     # epochs between checkpoints (and at the last epoch)
    seed: int = 0

    def config(self) -> dict:
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}


#: Paper-scale defaults for 28x28 data (Burda et al. 2015's one-layer VAE: 200-200 hidden, 50 latent,
#: dynamic binarization; they report 86.76 nats with a 5,000-sample bound on MNIST).
LARGE_IMAGE_DEFAULTS = dict(epochs=1000, batch_size=100, latent_dim=50, hidden=(200, 200), warmup_epochs=0,
                            augment="dynamic", eval_k=5000, checkpoint_every=1)


def make_recipe(dataset: str = "digits", image_shape: tuple[int, int] | None = None, **options) -> Recipe:
    """The default recipe for ``dataset`` with ``options`` (epochs, batch_size, latent_dim, ...) applied."""
    fields = {f.name for f in dataclasses.fields(Recipe)}
    unknown = set(options) - fields
    if unknown:
        raise ValueError(f"unknown VAE option(s) {sorted(unknown)}; known: {sorted(fields - {'dataset'})}")
    base = {}
    if image_shape is not None and image_shape[0] * image_shape[1] > 64:
        base = dict(LARGE_IMAGE_DEFAULTS)
    base.update({k: v for k, v in options.items() if v is not None})
    if "hidden" in base:
        base["hidden"] = tuple(int(h) for h in base["hidden"])
    recipe = Recipe(dataset=str(dataset), **base)
    if recipe.augment not in AUGMENTATIONS:
        raise ValueError(f"unknown augment {recipe.augment!r}: choose one of {', '.join(AUGMENTATIONS)}")
    for name in ("epochs", "batch_size", "latent_dim", "eval_k", "checkpoint_every"):
        if getattr(recipe, name) < 1:
            raise ValueError(f"{name} must be a positive integer, got {getattr(recipe, name)}")
    return recipe


def build_model(recipe: Recipe, image_shape) -> VAE:
    return VAE(tuple(image_shape), recipe.latent_dim, recipe.hidden, recipe.dropout)


# --- checkpoints ------------------------------------------------------------------------------

def save_checkpoint(path: Path, state: dict) -> None:
    """torch.save into memory, then an atomic write: a kill never leaves half a checkpoint."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def read_checkpoint(out: str | Path) -> dict:
    """The checkpoint's contents, read with ``weights_only=True`` (tensors and plain data only)."""
    path = Path(out) / CHECKPOINT
    if not path.exists():
        raise FileNotFoundError(f"{out} holds no {CHECKPOINT}; train first "
                                "(python -m book_utils train vae --out DIR)")
    return torch.load(path, map_location="cpu", weights_only=True)


def load(out: str | Path) -> VAE:
    """The trained VAE of a run directory (the epoch chosen on validation data), in eval mode."""
    run = read_run(out)
    if run.get("model") != "vae":
        raise RunDirError(f"{out} holds a {run.get('model')!r} run, not a VAE run")
    ckpt = read_checkpoint(out)
    if ckpt["recipe"] != run["config"]:
        raise RunDirError(f"{out}: {CHECKPOINT} was written by another configuration than run.json "
                          f"({ckpt['recipe']} vs {run['config']}); retrain into a new directory")
    model = VAE(**ckpt["model_config"])
    model.load_state_dict(ckpt["best_model"] if ckpt.get("best_model") else ckpt["model"])
    return model.eval()


# --- training ---------------------------------------------------------------------------------

def kl_weight(epoch: int, warmup_epochs: int) -> float:
    """beta for (0-based) ``epoch``: linear warm-up to 1 over ``warmup_epochs`` (Bowman et al. 2016)."""
    return 1.0 if warmup_epochs <= 0 else min(1.0, (epoch + 1) / warmup_epochs)


def cosine_lr(total_steps: int):
    """Learning-rate factor at a step: cosine decay from 1 to 0 over training."""
    return lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))


def train_epoch(model, optimizer, scheduler, images, batch_size, beta, generator) -> dict[str, float]:
    """One pass over ``images`` (N, H, W) binary; returns mean reconstruction, KL, loss (nats)."""
    model.train()
    order = torch.randperm(len(images), generator=generator, device=images.device)
    sums = {"reconstruction": 0.0, "kl": 0.0}
    for start in range(0, len(images), batch_size):
        batch = images[order[start:start + batch_size]]
        recon_logits, mu, logvar = model(batch)
        reconstruction, kl = loss_terms(recon_logits, batch, mu, logvar)
        loss = reconstruction + beta * kl
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        sums["reconstruction"] += reconstruction.item() * len(batch)
        sums["kl"] += kl.item() * len(batch)
    result = {k: v / len(images) for k, v in sums.items()}
    result["loss"] = result["reconstruction"] + beta * result["kl"]
    return result


def _rng_state(generator: torch.Generator) -> dict:
    state = {"torch": torch.get_rng_state(), "data": generator.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict, generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    generator.set_state(state["data"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def train_run(out: str | Path, dataset: str = "digits", *, progress: bool = True,
              device: str | None = None, **options) -> dict:
    """Train (or resume) a VAE on ``dataset`` into ``out``; returns the metrics (also in metrics.json).

    options: epochs, batch_size, latent_dim, seed and any other :class:`Recipe` field.
    Stops with a clear error on a NaN loss (the last checkpoint is kept) or when ``out`` holds
    another run; a killed run resumes from its last checkpoint and ends where it would have.
    """
    from book_utils.progress import progress as progress_bar
    from book_utils.repro import seed_everything

    data = load_vae_data(str(dataset), options.get("val_fraction") or 0.1)
    recipe = make_recipe(dataset, data.image_shape, **options)
    out, resuming = prepare_run_dir(out, "vae", recipe.config())
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    seed_everything(recipe.seed, frameworks=("torch",))
    generator = torch.Generator(device=device).manual_seed(recipe.seed)

    model = build_model(recipe, data.image_shape).to(device)
    optimizer = (torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
                 if recipe.weight_decay else torch.optim.Adam(model.parameters(), lr=recipe.lr))
    steps_per_epoch = math.ceil(len(data.train_grey) / recipe.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_lr(recipe.epochs * steps_per_epoch))
    state = {"epoch": 0, "history": {}, "best_model": None, "best_val": math.inf, "best_epoch": 0,
             "train_seconds": 0.0, "train_cpu_seconds": 0.0}
    checkpoint_path = out / CHECKPOINT
    if resuming and checkpoint_path.exists():
        ckpt = read_checkpoint(out)
        if ckpt["recipe"] != recipe.config() or ckpt["model_config"] != model.config:
            raise RunDirError(f"{checkpoint_path} holds another configuration's checkpoint; "
                              "train into a new --out directory")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        _set_rng_state(ckpt["rng"], generator)
        state = {k: ckpt[k] for k in state}
        if (out / METRICS).exists() and state["epoch"] >= recipe.epochs:
            return load_json(out / METRICS)

    grey = data.train_grey.to(device)
    val = data.val.to(device)
    val_generator = torch.Generator(device=device)
    bar = progress_bar(range(state["epoch"], recipe.epochs), total=recipe.epochs, initial=state["epoch"],
                       desc="VAE epochs", disable=not progress)
    for epoch in bar:
        wall, cpu = time.perf_counter(), time.process_time()
        beta = kl_weight(epoch, min(recipe.warmup_epochs, recipe.epochs // 2))
        images = binarize_epoch(grey, data.max_value, recipe.augment, generator, recipe.softness)
        stats = train_epoch(model, optimizer, scheduler, images, recipe.batch_size, beta, generator)
        check_finite(stats["loss"], f"the VAE's loss at epoch {epoch + 1}", out)
        val_stats = negative_elbo(model, val, samples=4, generator=val_generator.manual_seed(epoch))
        stats["val_neg_elbo"] = val_stats["neg_elbo"]
        stats["beta"] = beta
        for key, value in stats.items():
            state["history"].setdefault(key, []).append(float(value))
        if beta >= 1.0 and val_stats["neg_elbo"] < state["best_val"]:
            state.update(best_val=val_stats["neg_elbo"], best_epoch=epoch + 1,
                         best_model={k: v.detach().cpu().clone() for k, v in model.state_dict().items()})
        state["epoch"] = epoch + 1
        state["train_seconds"] += time.perf_counter() - wall
        state["train_cpu_seconds"] += time.process_time() - cpu
        bar.set_postfix(loss=f"{stats['loss']:.2f}", val=f"{val_stats['neg_elbo']:.2f}", refresh=False)
        if state["epoch"] % recipe.checkpoint_every == 0 or state["epoch"] == recipe.epochs:
            save_checkpoint(checkpoint_path, {
                **state, "recipe": recipe.config(), "model_config": model.config,
                "model": {k: v.cpu() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "rng": _rng_state(generator)})
    bar.close()
    return evaluate_run(out, data=data, device=device)


# --- evaluation -------------------------------------------------------------------------------

def evaluate_run(out: str | Path, data: VAEData | None = None, device=None) -> dict:
    """(Re)compute a run's metrics.json: test -ELBO, importance-weighted NLL, samples and figures."""
    from book_utils.plotting import image_grid, plot_losses, save_figure

    run = read_run(out)
    recipe = make_recipe(**run["config"])
    ckpt = read_checkpoint(out)
    model = load(out).to(device or "cpu")
    data = data or load_vae_data(recipe.dataset, recipe.val_fraction)
    device = next(model.parameters()).device
    heldout = data.test if data.test is not None else data.val
    heldout_name = "test" if data.test is not None else "validation (the dataset has no test split)"
    heldout = heldout.to(device)
    elbo = negative_elbo(model, heldout, samples=10, generator=torch.Generator(device).manual_seed(0))
    nll = importance_weighted_nll(model, heldout, k=recipe.eval_k, seed=0)
    samples = model.sample(N_SAMPLES, generator=torch.Generator(device).manual_seed(recipe.seed)).cpu()
    save_npy(Path(out) / "samples.npy", samples.numpy().astype(np.float32))

    metrics = {
        "model": "vae", "dataset": recipe.dataset, "evaluated_on": heldout_name,
        "test_neg_elbo": elbo["neg_elbo"], "test_reconstruction": elbo["reconstruction"],
        "test_kl": elbo["kl"], "test_nll_iw": nll, "iw_samples": recipe.eval_k,
        "epochs": ckpt["epoch"], "best_epoch": ckpt["best_epoch"], "best_val_neg_elbo": ckpt["best_val"],
        "train_seconds": ckpt["train_seconds"], "train_cpu_seconds": ckpt["train_cpu_seconds"],
        "parameters": sum(p.numel() for p in model.parameters()),
        "sample_metrics": sample_metrics(samples.numpy(), recipe.dataset),
    }
    history = ckpt["history"]
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    plot_losses({"train": history["reconstruction"]}, ax=axes[0], ylabel="nats per image",
                title="reconstruction  -E_q[log p(x|z)]")
    plot_losses({"train": history["kl"]}, ax=axes[1], ylabel="nats per image", title="KL(q(z|x) || p(z))")
    save_figure(fig, Path(out) / "losses.png")
    plt.close(fig)
    ax = image_grid(samples[:100].numpy(), ncols=10, title="samples from p(z) p(x|z)")
    save_figure(ax.figure, Path(out) / "samples.png")
    plt.close(ax.figure)
    save_json(Path(out) / METRICS, metrics)
    return metrics


def sample_metrics(samples: np.ndarray, dataset: str) -> dict | None:
    """book_utils.metrics.evaluate_samples on digits when that module exists (else None)."""
    if dataset != "digits":
        return None
    try:
        from book_utils.metrics import evaluate_samples
    except ImportError:
        return None
    return evaluate_samples(samples, dataset="digits", view="binary")
