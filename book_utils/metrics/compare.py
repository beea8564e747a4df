"""Rows of a head-to-head table: every model's samples scored on one yardstick.

Section 5.3 compares a GAN (grey levels), a VAE and an autoregressive model (binary pixels)
and classical baselines; every run directory holds its samples.npy in [0, 1] (the README's
run-directory format). Sample metrics are only comparable when every model is measured the
same way, so each row scores the model's samples in the *binary* view (grey samples thresholded
at 0.5, the data's own rule pixel >= 8 of 16) against the binarized training split, and the
Fréchet distance follows one protocol, :func:`frechet_protocol`. Likelihoods are only comparable
on the same data, so ``nll`` is the test NLL on binarized digits in nats per image (exact, or an
upper bound such as the VAE's importance-weighted one).

:func:`run_fingerprint` names a finished run in one line, so that the section that trained a run
and the section that reads it can both print it and a test can check that they agree.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from book_utils.metrics.checks import check_images
from book_utils.metrics.evaluate import evaluate_samples
from book_utils.metrics.frechet import frechet_distance_from_stats, gaussian_stats
from book_utils.metrics.reference import real_reference

FD_REPEATS = 10          # random subsets per Fréchet distance (the same as evaluate_samples' fid_matched)


def is_binary(x: np.ndarray) -> bool:
    return bool(np.isin(x, (0.0, 1.0)).all())


def frechet_protocol(images, dataset: str = "digits", seed: int = 0, repeats: int = FD_REPEATS) -> np.ndarray:
    """The book's one Fréchet-distance (FD) protocol, subset by subset: images N x H x W in [0, 1] -> FDs.

    1. binary view: pixels thresholded at 0.5 (the data's own rule, pixel >= 8 of 16);
    2. features: the hidden layer (64 ReLU units on digits) of the reference classifier fitted once on
       the binarized training split (:func:`book_utils.metrics.reference_classifier`);
    3. reference: a Gaussian fitted to the features of the whole binarized training split;
    4. sample size: FD falls as the sample grows, so every FD uses m = the test split's size (360 on
       digits) images: N > m images give ``repeats`` seeded random subsets of m (shape (repeats,)),
       N <= m images one FD of all of them (shape (1,)).
    The table reports the mean; the m held-out test images give the real-data floor. The formula is
    Heusel et al. (2017)'s FID (:mod:`book_utils.metrics.frechet`) on these features, not Inception's.
    The mean equals :func:`evaluate_samples`' ``fid_matched`` in the binary view with the same seed.
    """
    ref = real_reference(dataset, "binary", 3, seed)
    if ref.test_feats is None:
        raise ValueError(f"{dataset} has no test split: the FD protocol takes its sample size from it")
    x = check_images(images, "images", image_shape=ref.image_shape, min_count=2)
    feats = ref.classifier.features((x >= 0.5).astype(np.float64))
    m = len(ref.test_feats)
    if len(feats) <= m:
        return np.array([frechet_distance_from_stats(*gaussian_stats(feats), ref.mu, ref.cov)])
    rng = np.random.default_rng(seed)
    subsets = [feats[rng.choice(len(feats), m, replace=False)] for _ in range(repeats)]
    return np.array([frechet_distance_from_stats(*gaussian_stats(s), ref.mu, ref.cov) for s in subsets])


def comparison_row(name: str, samples, *, nll: float | None = None, nll_kind: str = "",
                   train_seconds: float | None = None, parameters: int | None = None,
                   dataset: str = "digits", seed: int = 0) -> dict:
    """Score images N x H x W in [0, 1] for the table, in the binary view (``fid``: the protocol's mean FD).

    ``fid_grey`` (grey-level samples only) is the FD in the grey view; the book's table does not show it.
    """
    x = check_images(samples, f"{name} samples")
    binary = is_binary(x)
    scored = evaluate_samples((x >= 0.5).astype(np.float64), dataset=dataset, view="binary", seed=seed)
    row = {"model": name, "nll": nll, "nll_kind": nll_kind if nll is not None else "",
           "fid": float(frechet_protocol(x, dataset, seed).mean()), "precision": scored["precision"],
           "recall": scored["recall"], "coverage": scored["coverage_entropy"],
           "near_copy": scored["near_copy_share"], "fid_grey": None, "train_seconds": train_seconds,
           "parameters": parameters, "n_samples": scored["n_samples"]}
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


# --- fingerprints: the same run, seen from the section that trained it and the one that reads it --------

FINGERPRINT_PREFIX = "fingerprint of "
FINGERPRINT_LINE = re.compile(rf"^{FINGERPRINT_PREFIX}(\S+): (.+)$", re.M)


def run_label(run_dir: str | Path) -> str:
    """``run_dir`` relative to the book's folder (the nearest one above it holding ``chapters/``)."""
    path = Path(run_dir).resolve()
    book = next((p for p in path.parents if (p / "chapters").is_dir()), None)
    return (path.relative_to(book) if book else path).as_posix()


def run_fingerprint(run_dir: str | Path) -> str:
    """One line that names a finished run: where it is, what training cost, its headline numbers, its samples.

    For example ``runs/book/vae: 700 epochs, 74 CPU s of training; test NLL 16.69 nats; FD 0.265;
    samples 1a2b3c4d`` (FD: :func:`frechet_protocol`'s mean of the run's samples, when the run's data
    is a named dataset with a test split; samples: the first 8 hex digits of samples.npy's SHA-256).
    Two sections that print the same line read the same run.
    """
    from book_utils.data import DATASETS
    from book_utils.runs import read_run

    summary = read_run_summary(run_dir)
    info, data = summary["info"], read_run(run_dir).get("data", {})
    parts = [f"{info['epochs']} epochs, {summary['train_seconds']:.0f} CPU s of training"]
    if summary["nll"] is not None:
        parts.append(f"test NLL {summary['nll']:.2f} nats")
    if data.get("name") in DATASETS and real_reference(data["name"], "binary").test_feats is not None:
        parts.append(f"FD {frechet_protocol(summary['samples'], data['name']).mean():.3f}")
    digest = hashlib.sha256((Path(run_dir) / "samples.npy").read_bytes()).hexdigest()[:8]
    parts.append(f"samples {digest}")
    return f"{run_label(run_dir)}: " + "; ".join(parts)


def print_fingerprint(run_dir: str | Path) -> None:
    """Print ``fingerprint of <run_fingerprint(run_dir)>``: the last line of a section's training."""
    print(FINGERPRINT_PREFIX + run_fingerprint(run_dir))


def read_fingerprints(text: str) -> dict[str, str]:
    """The fingerprints printed in ``text``: {run label: the rest of its line}."""
    return {label: rest.strip() for label, rest in FINGERPRINT_LINE.findall(text)}


COLUMNS = (("model", "model", "{}"), ("nll", "test NLL (nats)", "{:.1f}"), ("nll_kind", "NLL kind", "{}"),
           ("fid", "FD", "{:.3f}"), ("precision", "precision", "{:.2f}"),
           ("recall", "recall", "{:.2f}"), ("coverage", "class coverage", "{:.3f}"),
           ("near_copy", "near copies", "{:.1%}"), ("train_seconds", "train CPU s", "{:.1f}"),
           ("parameters", "parameters", "{:,}"))


def markdown_table(rows: list[dict], columns=COLUMNS) -> str:
    """A GitHub Markdown table of ``rows`` (None shown as '–')."""
    lines = ["| " + " | ".join(title for _, title, _ in columns) + " |",
             "|" + "|".join("---" if key in ("model", "nll_kind") else "---:" for key, _, _ in columns) + "|"]
    for row in rows:
        cells = [("–" if row.get(key) in (None, "") else fmt.format(row[key])) for key, _, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
