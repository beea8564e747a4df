"""Section 7.5's PyTorch row: Section 5.2's VAE trained by the book's plain PyTorch loop (a benchmark)

    python -m book_utils.bench.tools_torch [--epochs 60] [--seed 0] [--threads 1] [--out JSON]

The same data, recipe, epochs and test estimator as the Keras VAE of Section 7.1
(``python -m book_utils.tools.keras_vae --bench``): 5.2's digits split, Adam 1e-3 with cosine decay,
KL warm-up over min(50, epochs // 2) epochs, per-epoch soft binarization, the epoch with the best
validation bound kept, and the test -ELBO with 10 draws of z per image (nats per image). Seconds
per epoch: the median wall seconds of epochs 2.. (training and validation), as 7.1 reports them.
The JSON (written atomically) records the date, the CPU, the threads and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from book_utils.bench.machine import code_lines, machine
from book_utils.runs.config import make_config
from book_utils.runs.files import save_json
from book_utils.vae.config import VAEConfig, recipe
from book_utils.vae.data import binarize_epoch, load_vae_data
from book_utils.vae.likelihood import negative_elbo
from book_utils.vae.loss import kl_divergence, loss_terms, reconstruction_nll
from book_utils.vae.model import VAE, Decoder, Encoder, mlp
from book_utils.vae.run import VAETrainer, cosine_lr, kl_weight, train_epoch

RESULTS = Path(__file__).resolve().parent / "results" / "tools_torch.json"

#: What is counted as "model and training code" (the counterparts of 7.1's Keras count).
COUNTED = (mlp, Encoder, Decoder, VAE.__init__, VAE.encode, VAE.reparameterize, VAE.decode, VAE.forward,
           reconstruction_nll, kl_divergence, loss_terms, binarize_epoch, kl_weight, cosine_lr, train_epoch,
           VAETrainer.__init__, VAETrainer.train_epoch, VAETrainer.trained_model)


def train(epochs: int, seed: int = 0, dataset: str = "digits") -> tuple[VAETrainer, list[float], list[float]]:
    """5.2's VAE for ``epochs`` epochs with the book's loop; (trainer, wall seconds of each epoch,
    CPU seconds of this process in each epoch)."""
    data = load_vae_data(dataset)
    config = make_config(VAEConfig, recipe(data.image_shape), {"epochs": epochs, "seed": seed}, model="vae")
    trainer = VAETrainer(config, data, device="cpu")
    seconds, cpu = [], []
    for epoch in range(1, epochs + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        trainer.train_epoch(epoch)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return trainer, seconds, cpu


def bench(epochs: int = 60, seed: int = 0, threads: int = 1, out=RESULTS) -> dict:
    """Train, evaluate on the test split and write ``out``; returns the result."""
    torch.set_num_threads(threads)
    before = machine()
    trainer, seconds, cpu = train(epochs, seed)
    model = trainer.trained_model()
    test = negative_elbo(model, trainer.data.test, samples=10, generator=torch.Generator().manual_seed(0))
    result = {
        "what": "Section 5.2's VAE trained by the book's plain PyTorch loop (book_utils.vae.run)",
        "command": f"python -m book_utils.bench.tools_torch --epochs {epochs} --seed {seed} "
                   f"--threads {threads}",
        "dataset": trainer.data.name, "epochs": epochs, "seed": seed, "torch": torch.__version__,
        "threads": threads, "machine": before, "load_average_1min_after": round(os.getloadavg()[0], 2),
        "model_and_training_lines": code_lines(*COUNTED),
        "lines_counted": ", ".join(getattr(o, "__qualname__", str(o)) for o in COUNTED)
                         + " (non-blank, non-comment lines, docstrings included)",
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds_per_epoch": statistics.median(seconds[1:] or seconds),
        "seconds_per_epoch_note": "median wall seconds of epochs 2.. (training + validation), one process",
        "seconds_each_epoch": seconds,
        "cpu_seconds_per_epoch": statistics.median(cpu[1:] or cpu),
        "test_neg_elbo": test["neg_elbo"], "test_reconstruction": test["reconstruction"],
        "test_kl": test["kl"],
        "best_epoch": trainer.best["epoch"],
        "file_formats": [".pt (torch.save: state_dict in a zip of pickles; load with weights_only=True)",
                         ".safetensors (raw tensors + JSON header; no code runs on load)"],
    }
    save_json(out, result)
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m book_utils.bench.tools_torch",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch intra-op threads")
    parser.add_argument("--out", default=str(RESULTS), help="the JSON file to write")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error(f"--epochs must be at least 2, got {args.epochs}")
    result = bench(args.epochs, args.seed, args.threads, args.out)
    print(json.dumps({k: result[k] for k in ("seconds_per_epoch", "test_neg_elbo", "best_epoch",
                                             "model_and_training_lines")}))
    return result


if __name__ == "__main__":
    main()
