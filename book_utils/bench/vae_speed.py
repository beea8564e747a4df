"""How fast is the book's VAE, and what makes PyTorch fast on a CPU here? (a benchmark, not a test)

    python -m book_utils.bench.vae_speed [--epochs 100] [--k 1000] [--threads 1 2] [--json OUT]

1. The book's VAE (book_utils.vae recipe) against the classic 784-400-20 MLP VAE of PyTorch's
   examples repository (re-implemented here from its description: one hidden layer of 400 ReLU
   units each side, 20 latent dimensions, sigmoid outputs, the binary cross-entropy summed over the
   batch plus the KL, Adam 1e-3, batch 128), on the same binarized digits for the same number of
   epochs: CPU and wall seconds per epoch, and the test NLL (importance-weighted, k samples).
2. The importance-weighted bound on 100 test images three ways: one image and one sample per
   decoder call (timed on 10 images, scaled), all k samples in chunks for the whole batch of images,
   and the batched version without torch.inference_mode (autograd on).
3. Thread settings: one training epoch and one evaluation with 1 and 2 intra-op threads, under the
   OpenMP wait policy in force (PyTorch's default unless OMP_WAIT_POLICY is set; run once with
   OMP_WAIT_POLICY=PASSIVE and once with ACTIVE to compare sleeping and spinning idle threads).

CPU seconds (user + sys of this process) are the honest figure on a shared machine; wall
seconds are reported beside them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

# The OpenMP wait policy is read when torch loads: PyTorch's default unless set outside.
WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY", "default")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from book_utils.runs.config import make_config  # noqa: E402
from book_utils.vae.config import VAEConfig, recipe  # noqa: E402
from book_utils.vae.data import binarize_epoch, load_vae_data  # noqa: E402
from book_utils.vae.likelihood import importance_weighted_nll, iw_log_likelihood  # noqa: E402
from book_utils.vae.loss import kl_divergence, reconstruction_nll  # noqa: E402
from book_utils.vae.model import VAE  # noqa: E402
from book_utils.vae.run import cosine_lr, kl_weight, train_epoch  # noqa: E402


class ClassicVAE(nn.Module):
    """The PyTorch examples' MLP VAE (input-400-20), with the decoder returning logits for evaluation."""

    def __init__(self, data_dim: int = 784, hidden: int = 400, latent_dim: int = 20):
        super().__init__()
        self.data_dim, self.latent_dim = data_dim, latent_dim
        self.fc1 = nn.Linear(data_dim, hidden)
        self.fc21, self.fc22 = nn.Linear(hidden, latent_dim), nn.Linear(hidden, latent_dim)
        self.fc3, self.fc4 = nn.Linear(latent_dim, hidden), nn.Linear(hidden, data_dim)

    def flatten(self, x):
        return x.reshape(x.shape[0], -1)

    def encode(self, x):
        h = torch.relu(self.fc1(self.flatten(x)))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu, logvar):
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode(self, z):
        return self.fc4(torch.relu(self.fc3(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def classic_epoch(model, optimizer, images, batch_size=128):
    """The examples' loop: shuffled batches, loss = BCE summed over pixels and batch + KL."""
    model.train()
    order = torch.randperm(len(images))
    for start in range(0, len(images), batch_size):
        x = images[order[start:start + batch_size]]
        recon, mu, logvar = model(x)
        loss = reconstruction_nll(recon, x).sum() + kl_divergence(mu, logvar).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def clock(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn()
    return value, time.process_time() - cpu, time.perf_counter() - wall


def iw_one_at_a_time(model, x, k):
    """The slow way: one image and one importance sample per decoder call (still log-sum-exp)."""
    with torch.inference_mode():
        per_image = [iw_log_likelihood(model, x[i:i + 1], k=k, chunk=1) for i in range(len(x))]
        return -torch.cat(per_image).mean().item()


def iw_with_autograd(model, x, k):
    """Batched, but autograd records every operation (no inference_mode)."""
    from book_utils.vae.likelihood import LOG_2PI, normal_log_prob

    x = model.flatten(x)
    mu, logvar = model.encode(x)
    z = mu + (0.5 * logvar).exp() * torch.randn(k, *mu.shape)
    logits = model.decode(z.reshape(-1, model.latent_dim))
    log_w = (-reconstruction_nll(logits, x.repeat(k, 1)).reshape(k, -1)
             - 0.5 * (LOG_2PI + z.pow(2)).sum(-1) - normal_log_prob(z, mu, logvar))
    return -(torch.logsumexp(log_w, 0) - math.log(k)).mean().item()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for both models (default: the recipe's)")
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the test NLL")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    data = load_vae_data(args.dataset)
    config = make_config(VAEConfig, recipe(data.image_shape), {"seed": args.seed}, model="vae")
    epochs = args.epochs or config.epochs
    test = data.test
    train_fixed = (data.train_grey >= data.max_value / 2).float()
    results: dict = {"dataset": args.dataset, "epochs": epochs, "k": args.k,
                     "threads_default": torch.get_num_threads(),
                     "omp_wait_policy": WAIT_POLICY}

    # 1. the book's VAE vs the classic examples VAE, same data and epochs
    torch.manual_seed(args.seed)
    book = VAE(data.image_shape, config.latent_dim, config.hidden, config.dropout)
    opt = torch.optim.Adam(book.parameters(), lr=config.lr)
    steps = math.ceil(len(data.train_grey) / config.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_lr(epochs * steps))
    gen = torch.Generator().manual_seed(args.seed)

    def train_book():
        for epoch in range(epochs):
            images = binarize_epoch(data.train_grey, data.max_value, config.augment, gen, config.softness)
            beta = kl_weight(epoch, min(config.warmup_epochs, epochs // 2))
            train_epoch(book, opt, sched, images, config.batch_size, beta, gen)

    _, cpu, wall = clock(train_book)
    nll = importance_weighted_nll(book.eval(), test, k=args.k)
    results["book_vae"] = {"parameters": sum(p.numel() for p in book.parameters()),
                           "cpu_s_per_epoch": cpu / epochs, "wall_s_per_epoch": wall / epochs,
                           "test_nll": nll, "note": "last epoch, no validation selection"}

    torch.manual_seed(args.seed)
    classic = ClassicVAE(data.image_shape[0] * data.image_shape[1])
    opt_c = torch.optim.Adam(classic.parameters(), lr=1e-3)
    _, cpu, wall = clock(lambda: [classic_epoch(classic, opt_c, train_fixed) for _ in range(epochs)])
    results["classic_vae"] = {"parameters": sum(p.numel() for p in classic.parameters()),
                              "cpu_s_per_epoch": cpu / epochs, "wall_s_per_epoch": wall / epochs,
                              "test_nll": importance_weighted_nll(classic.eval(), test, k=args.k)}

    # 2. the importance-weighted bound: batched vs one at a time, inference_mode vs autograd
    x = test[:100]
    k = min(args.k, 1000)
    iw = {}
    for name, fn, scale in (("batched, inference_mode", lambda: importance_weighted_nll(book, x, k=k), 1),
                            ("one image, one sample per call (10 images, x10)",
                             lambda: iw_one_at_a_time(book, x[:10], k), 10),
                            ("batched, autograd on", lambda: iw_with_autograd(book, x, k), 1)):
        value, cpu, wall = clock(fn)
        iw[name] = {"cpu_s": cpu * scale, "wall_s": wall * scale, "nll": value}
    results["iw_bound_100_images"] = iw

    # 3. threads
    threads = {}
    before = torch.get_num_threads()
    for n in args.threads:
        torch.set_num_threads(n)
        fixed = binarize_epoch(data.train_grey, data.max_value, config.augment, gen, config.softness)
        _, cpu_t, wall_t = clock(lambda: [train_epoch(book, opt, sched, fixed, config.batch_size, 1.0, gen)  # noqa: B023
                                          for _ in range(3)])
        _, cpu_e, wall_e = clock(lambda: importance_weighted_nll(book, x, k=k))
        threads[n] = {"train_epoch_cpu_s": cpu_t / 3, "train_epoch_wall_s": wall_t / 3,
                      "iw_cpu_s": cpu_e, "iw_wall_s": wall_e}
    torch.set_num_threads(before)
    results["threads"] = threads

    print(json.dumps(results, indent=2))
    if args.json:
        from book_utils.runs import save_json

        save_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
