"""What training costs (Section 8.2.3): the book's runs read from their run directories, the
6·N·D rule for training compute, and this machine's measured FLOP rate. NumPy only.

Training a dense network costs about 6 floating-point operations per parameter per training
example (token, image): 2 for the forward pass, 4 for the backward pass (Kaplan et al. 2020,
"Scaling laws for neural language models", Section 2.1; Hoffmann et al. 2022 use the same C ≈ 6ND).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

PF_DAY = 1e15 * 86_400          # FLOPs in one petaflop/s-day (Kaplan et al. 2020's unit of compute)

# Published training runs: parameters N, training tokens D, and the total compute the paper reports.
PUBLISHED = [
    {"model": "GPT-3 175B", "source": "Brown et al. 2020, Table D.1", "parameters": 175e9,
     "tokens": 300e9, "flops": 3.14e23},
    {"model": "Chinchilla 70B", "source": "Hoffmann et al. 2022, the budget of Gopher", "parameters": 70e9,
     "tokens": 1.4e12, "flops": 5.76e23},
]


def training_flops(parameters: float, examples: float) -> float:
    """C ≈ 6 N D: FLOPs to train N parameters on D examples (tokens or images) seen, counting repeats."""
    return 6.0 * float(parameters) * float(examples)


def matmul_flops_per_second(n: int = 1024, repeats: int = 5, dtype=np.float32, clock: str = "cpu") -> float:
    """This machine's measured rate: the best of ``repeats`` timed n x n float32 matrix products
    (2 n^3 FLOPs each), in FLOPs per second.

    ``clock="cpu"`` (default) divides by the process's CPU seconds (all threads), the unit the run
    directories record for training, so the two compare even while other processes share the
    machine; ``clock="wall"`` divides by elapsed seconds, which other processes lengthen.
    """
    timer = {"cpu": time.process_time, "wall": time.perf_counter}[clock]
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = timer()
        a @ b
        best = min(best, timer() - start)
    return 2.0 * n**3 / max(best, 1e-9)


def run_cost(run_dir: str | Path, n_train: int | None = None) -> dict:
    """One row of the cost table from a finished run directory (its metrics.json and run.json).

    Returns model, run (label), parameters, epochs, cpu_seconds (training), nll (test NLL, nats per
    image, None for a GAN), nll_kind, examples (epochs x n_train, the images seen, when ``n_train``
    is given) and flops (6 N D). A missing or unfinished run raises FileNotFoundError, whose message
    says how to make it.
    """
    from book_utils.metrics.compare import read_run_summary, run_label

    if not (Path(run_dir) / "run.json").is_file():
        raise FileNotFoundError(f"{run_label(run_dir)} does not exist: the section that trains it has not "
                                "run here yet")
    summary = read_run_summary(run_dir)
    info = summary["info"]
    row = {"model": summary["model"], "run": run_label(run_dir), "parameters": int(summary["parameters"]),
           "epochs": int(info["epochs"]), "cpu_seconds": float(summary["train_seconds"]),
           "nll": summary["nll"], "nll_kind": summary["nll_kind"], "samples": summary["samples"],
           "examples": None, "flops": None}
    if n_train:
        row["examples"] = row["epochs"] * int(n_train)
        row["flops"] = training_flops(row["parameters"], row["examples"])
    return row


def seconds_here(flops: float, flops_per_second: float) -> float:
    """How long ``flops`` take at ``flops_per_second`` (seconds), assuming the rate holds throughout."""
    return float(flops) / float(flops_per_second)
