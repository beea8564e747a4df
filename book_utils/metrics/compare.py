"""Rows of a head-to-head table: every model's samples scored on one yardstick.

Section 5.3 compares a GAN (grey levels), a VAE and an autoregressive model (binary pixels)
and classical baselines; every run directory holds its samples.npy in [0, 1] (the README's
run-directory format). Sample metrics are only comparable when every model is measured the
same way, so each row scores the model's samples in the *binary* view (grey samples thresholded
at 0.5, the data's own rule pixel >= 8 of 16) against the binarized training split; grey-level
models also get the grey-view Fréchet distance. Likelihoods are only comparable on the same
data, so ``nll`` is the test NLL on binarized digits in nats per image (exact, or an upper
bound such as the VAE's importance-weighted one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from book_utils.metrics.checks import check_images
from book_utils.metrics.evaluate import evaluate_samples
from book_utils.metrics.reference import real_reference


def is_binary(x: np.ndarray) -> bool:
    return bool(np.isin(x, (0.0, 1.0)).all())


def comparison_row(name: str, samples, *, nll: float | None = None, nll_kind: str = "",
                   train_seconds: float | None = None, parameters: int | None = None,
                   dataset: str = "digits", seed: int = 0) -> dict:
    """Score images N x H x W in [0, 1] for the table (binary view; grey FID for grey samples)."""
    x = check_images(samples, f"{name} samples")
    binary = is_binary(x)
    scored = evaluate_samples((x >= 0.5).astype(np.float64), dataset=dataset, view="binary", seed=seed)
    row = {"model": name, "nll": nll, "nll_kind": nll_kind if nll is not None else "",
           "fid": scored["fid_matched"], "precision": scored["precision"], "recall": scored["recall"],
           "coverage": scored["coverage_entropy"], "near_copy": scored["near_copy_share"],
           "fid_grey": None, "train_seconds": train_seconds, "parameters": parameters,
           "n_samples": scored["n_samples"]}
    if not binary:
        row["fid_grey"] = evaluate_samples(x, dataset=dataset, view="grey", seed=seed)["fid_matched"]
    return row


def real_row(dataset: str = "digits", seed: int = 0) -> dict:
    """The held-out real test images as a 'model': the floor of every sample metric."""
    real = real_reference(dataset, "binary", 3, seed).real
    grey = real_reference(dataset, "grey", 3, seed).real
    return {"model": "real test images", "nll": None, "nll_kind": "", "fid": real["fid_real"],
            "precision": real["precision_real"], "recall": real["recall_real"],
            "coverage": real["coverage_entropy_real"], "near_copy": real["near_copy_share_real"],
            "fid_grey": grey["fid_real"], "train_seconds": None, "parameters": None,
            "n_samples": real["n_real_test"]}


def read_run_summary(out: str | Path) -> dict:
    """What a finished run directory tells the table (the README's run-directory format).

    Returns model, samples (float N x H x W in [0, 1]), nll and nll_kind (metrics.json's test NLL
    and how it was measured, None for a GAN), train_seconds (training CPU seconds), parameters.
    """
    from book_utils.runs import load_json, load_npy, read_run

    out = Path(out)
    model = read_run(out)["model"]
    if not (out / "metrics.json").exists():
        raise FileNotFoundError(f"{out / 'metrics.json'} does not exist: the {model} run has not finished; "
                                "re-run its training command to resume it")
    metrics = load_json(out / "metrics.json", remedy=f"run `python -m book_utils evaluate {out}` again")
    samples = check_images(load_npy(out / "samples.npy"), f"{out / 'samples.npy'}")
    return {"model": model, "samples": samples, "nll": metrics["test_nll"],
            "nll_kind": metrics["test_nll_kind"] or "", "train_seconds": metrics["train_cpu_seconds"],
            "parameters": metrics["parameters"], "info": metrics}


COLUMNS = (("model", "model", "{}"), ("nll", "test NLL (nats)", "{:.1f}"), ("nll_kind", "NLL kind", "{}"),
           ("fid", "FID", "{:.3f}"), ("fid_grey", "FID grey", "{:.3f}"), ("precision", "precision", "{:.2f}"),
           ("recall", "recall", "{:.2f}"), ("coverage", "class coverage", "{:.3f}"),
           ("near_copy", "near copies", "{:.1%}"), ("train_seconds", "train CPU s", "{:.0f}"),
           ("parameters", "parameters", "{:,}"))


def markdown_table(rows: list[dict], columns=COLUMNS) -> str:
    """A GitHub Markdown table of ``rows`` (None shown as '–')."""
    lines = ["| " + " | ".join(title for _, title, _ in columns) + " |",
             "|" + "|".join("---" if key in ("model", "nll_kind") else "---:" for key, _, _ in columns) + "|"]
    for row in rows:
        cells = [("–" if row.get(key) in (None, "") else fmt.format(row[key])) for key, _, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
