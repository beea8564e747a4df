"""The VAE in the book's run lifecycle (:mod:`book_utils.runs.lifecycle`): plan, build, train, evaluate.

    python -m book_utils train vae --dataset digits --out runs/vae

A checkpoint holds the weights, the optimizer and its learning-rate schedule, every random
state and the best-on-validation weights, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from book_utils.data import DATASETS
from book_utils.runs import Evaluation, Plan, data_reference
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
from book_utils.vae.config import VAEConfig, recipe
from book_utils.vae.data import binarize_epoch, load_vae_data
from book_utils.vae.likelihood import importance_weighted_nll, negative_elbo
from book_utils.vae.loss import kl_divergence, loss_terms, reconstruction_nll
from book_utils.vae.model import VAE

STATE_FILE = "vae.pt"


def kl_weight(epoch: int, warmup_epochs: int) -> float:
    """beta for (0-based) ``epoch``: linear warm-up to 1 over ``warmup_epochs`` (Bowman et al. 2016)."""
    return 1.0 if warmup_epochs <= 0 else min(1.0, (epoch + 1) / warmup_epochs)


def cosine_lr(total_steps: int):
    """Learning-rate factor at a step: cosine decay from 1 to 0 over training."""
    return lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))


def train_epoch(model, optimizer, scheduler, images, batch_size, beta, generator, steps: list | None = None
                ) -> dict[str, float]:
    """One pass over ``images`` (N, H, W) binary; returns mean reconstruction, KL, loss (nats).
    ``steps``, if given, receives each step's loss (nats per image)."""
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
        if steps is not None:
            steps.append(loss.item())
    result = {k: v / len(images) for k, v in sums.items()}
    result["loss"] = result["reconstruction"] + beta * result["kl"]
    return result


class GivenNoise(torch.nn.Module):
    """The VAE's forward pass with the reparameterization noise passed in: (x, eps) -> (logits, mu, logvar).

    Under DDP each rank draws the noise of the whole global batch (the same draw one process makes)
    and keeps its slice, so the replicas see exactly the numbers a single process would.
    """

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, x: torch.Tensor, eps: torch.Tensor):
        mu, logvar = self.vae.encode(x)
        return self.vae.decode(mu + torch.exp(0.5 * logvar) * eps), mu, logvar


def train_epoch_distributed(ddp, optimizer, scheduler, images, batch_size, beta, generator, dist,
                            steps: list | None = None) -> dict[str, float]:
    """:func:`train_epoch` under DDP: ``ddp`` wraps :class:`GivenNoise`; ``batch_size`` is the global batch.

    Every rank draws the same order and noise and trains on its slice. Its loss is its slice's *sum*
    times world_size / global batch, so DDP's mean over ranks is the global batch's mean, even for a
    last batch that does not split evenly. Returns the global means (one all-reduce per epoch).
    """
    ddp.train()
    order = torch.randperm(len(images), generator=generator, device=images.device)
    per_step = []                                        # (reconstruction sum, KL sum, images) per step
    for start in range(0, len(images), batch_size):
        batch = images[order[start:start + batch_size]]
        eps = torch.randn(len(batch), ddp.module.vae.latent_dim, device=images.device)  # as VAE.forward
        mine, my_eps = dist.shard(batch), dist.shard(eps)
        recon_logits, mu, logvar = ddp(mine, my_eps)
        reconstruction = reconstruction_nll(recon_logits, mine).sum()
        kl = kl_divergence(mu, logvar).sum()
        loss = (reconstruction + beta * kl) * (dist.world_size / len(batch))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        per_step.append([reconstruction.item(), kl.item(), len(mine)])
    totals = dist.all_sum(torch.tensor(per_step, dtype=torch.float64))   # (steps, 3): sums over ranks
    if steps is not None:
        steps.extend(((totals[:, 0] + beta * totals[:, 1]) / totals[:, 2]).tolist())
    n = totals[:, 2].sum().item()
    result = {"reconstruction": totals[:, 0].sum().item() / n, "kl": totals[:, 1].sum().item() / n}
    result["loss"] = result["reconstruction"] + beta * result["kl"]
    return result


class VAETrainer:
    """The model, its optimizer and schedule, the data and the random streams of one run."""

    def __init__(self, config: VAEConfig, data, device: str | None = None):
        from book_utils.repro import seed_everything

        self.config, self.data = config, data
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        seed_everything(config.seed, frameworks=("torch",))
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        self.model = VAE(data.image_shape, config.latent_dim, config.hidden, config.dropout).to(self.device)
        params = self.model.parameters()
        self.optimizer = (torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
                          if config.weight_decay else torch.optim.Adam(params, lr=config.lr))
        steps = config.epochs * math.ceil(len(data.train_grey) / config.batch_size)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, cosine_lr(steps))
        self.best = {"model": None, "val": math.inf, "epoch": 0}
        self.grey, self.val = data.train_grey.to(self.device), data.val.to(self.device)
        self.val_generator = torch.Generator(device=self.device)
        self.dist, self.ddp = None, None
        self.step_losses: list[float] = []    # the last epoch's loss at each step (nats per image)

    def distribute(self, dist) -> None:
        """Train data-parallel from now on (:mod:`book_utils.runs.distributed`)."""
        from book_utils.runs.distributed import per_rank_batch

        per_rank_batch(self.config.batch_size, dist.world_size)
        self.dist, self.ddp = dist, dist.wrap(GivenNoise(self.model))

    def train_epoch(self, epoch: int) -> dict[str, float]:
        c = self.config
        beta = kl_weight(epoch - 1, min(c.warmup_epochs, c.epochs // 2))
        images = binarize_epoch(self.grey, self.data.max_value, c.augment, self.generator, c.softness)
        self.step_losses = []
        if self.dist is None:
            stats = train_epoch(self.model, self.optimizer, self.scheduler, images, c.batch_size, beta,
                                self.generator, self.step_losses)
        else:
            stats = train_epoch_distributed(self.ddp, self.optimizer, self.scheduler, images, c.batch_size,
                                            beta, self.generator, self.dist, self.step_losses)
        val = negative_elbo(self.model, self.val, samples=4,
                            generator=self.val_generator.manual_seed(epoch - 1))
        stats.update(val_neg_elbo=val["neg_elbo"], beta=beta)
        if beta >= 1.0 and val["neg_elbo"] < self.best["val"]:
            self.best = {"model": clone_state(self.model), "val": val["neg_elbo"], "epoch": epoch}
        return stats

    def save(self, folder: Path) -> None:
        save_torch(folder / STATE_FILE, {
            "model": clone_state(self.model), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(), "rng": rng_state(self.generator),
            "best_model": self.best["model"], "best_val": self.best["val"], "best_epoch": self.best["epoch"]})

    def restore(self, folder: Path) -> None:
        saved = load_torch(folder / STATE_FILE, self.device)
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        set_rng_state(saved["rng"], self.generator)
        self.best = {"model": saved["best_model"], "val": saved["best_val"], "epoch": saved["best_epoch"]}

    def trained_model(self) -> VAE:
        """The weights of the epoch with the best validation bound (else the last), in eval mode."""
        model = VAE(self.data.image_shape, self.config.latent_dim, self.config.hidden, self.config.dropout)
        model.load_state_dict(self.best["model"] or clone_state(self.model))
        return model.to(self.device).eval()

    def evaluate(self) -> Evaluation:
        c, data = self.config, self.data
        model = self.trained_model()
        heldout, name = (data.test, "test") if data.test is not None else (data.val, "validation")
        heldout = heldout.to(self.device)
        elbo = negative_elbo(model, heldout, samples=10,
                             generator=torch.Generator(self.device).manual_seed(0))
        nll = importance_weighted_nll(model, heldout, k=c.eval_k, seed=0,
                                      progress=len(heldout) * c.eval_k >= 2_000_000)   # minutes, not seconds
        samples = model.sample(N_SAMPLES, generator=torch.Generator(self.device).manual_seed(c.seed)).cpu()
        return Evaluation(
            samples=samples.numpy().astype(np.float32), parameters=count_parameters(model), test_nll=nll,
            test_nll_kind=f"importance-weighted bound, k = {c.eval_k}",
            details={"evaluated_on": name, "test_neg_elbo": elbo["neg_elbo"],
                     "test_reconstruction": elbo["reconstruction"], "test_kl": elbo["kl"],
                     "best_epoch": self.best["epoch"], "best_val_neg_elbo": self.best["val"]})


class VAEFamily:
    name = "vae"
    sample_view = "binary"
    loss_panels = {"reconstruction -E_q[log p(x|z)]": ["reconstruction"], "KL(q(z|x) || p(z))": ["kl"],
                   "negative ELBO": ["loss", "val_neg_elbo"]}
    smoke_limits = {"epochs": 2, "eval_k": 10}

    def plan(self, dataset, text, options: dict) -> Plan:
        require(text is None, "--text belongs to the arm model's character runs; a VAE trains on images "
                              "(--dataset)")
        make_config(VAEConfig, {}, options, model="vae")        # the options, before loading any data
        data = load_vae_data(str(dataset), options.get("val_fraction", VAEConfig.val_fraction))
        reference = data_reference(dataset, DATASETS)
        config = make_config(VAEConfig, recipe(data.image_shape), options, model="vae")
        n = len(data.train_grey)
        require(n >= 1, f"{reference['name']}: no training image is left after holding out "
                        f"{len(data.val)} for validation; give an x_train with at least 2 images")
        require(config.batch_size <= n,
                f"batch_size {config.batch_size} is larger than the {n} training images; choose at most {n}")
        return Plan(config, reference, data)

    def build(self, plan: Plan) -> VAETrainer:
        return VAETrainer(plan.config, plan.loaded)


FAMILY = VAEFamily()


def train_run(out, dataset: str = "digits", **options) -> dict:
    """Train (or resume) a VAE into run directory ``out``: :func:`book_utils.runs.train` for the VAE."""
    from book_utils.runs import train

    return train(FAMILY, out, dataset, **options)
