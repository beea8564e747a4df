"""Rows of a head-to-head table: every model's samples scored on one yardstick.

Section 5.3 compares a GAN (grey levels in [-1, 1]), a VAE and an autoregressive model
(binary pixels) and classical baselines. Sample metrics are only comparable when every
model is measured the same way, so each row scores the model's samples in the *binary*
view (grey samples thresholded at 0.5, the data's own rule pixel >= 8 of 16) against the
binarized training split; grey-level models also get the grey-view Fréchet distance.
Likelihoods are only comparable on the same data, so ``nll`` is the test NLL on binarized
digits in nats per image (exact, or an upper bound such as the VAE's importance-weighted one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from book_utils.metrics._checks import check_images
from book_utils.metrics.evaluate import evaluate_samples
from book_utils.metrics.reference import real_reference

# metrics.json keys holding a test NLL in nats per image, first match wins, with the kind of number
NLL_KEYS = (("test_nll", "exact"), ("test_nll_exact", "exact"), ("test_nll_iw", "IW bound"),
            ("test_neg_elbo", "ELBO bound"))
# value ranges of each model's samples.npy
SAMPLE_RANGES = {"gan": (-1.0, 1.0)}


def to_unit_images(samples, value_range=(0.0, 1.0)) -> np.ndarray:
    """Samples N x H x W (or N x H x W x 1) in ``value_range`` -> float64 N x H x W in [0, 1]."""
    lo, hi = value_range
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    return check_images((x - lo) / (hi - lo), "samples")


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
    """What a run directory tells the table: samples in [0, 1], test NLL, seconds, parameters.

    Reads run.json (the model's name), samples.npy, metrics.json and (when present)
    train_info.json. Missing numbers come back as None.
    """
    from book_utils.runs import load_json, read_run

    out = Path(out)
    model = read_run(out).get("model", "?")
    if not (out / "samples.npy").exists():
        raise FileNotFoundError(f"{out / 'samples.npy'} does not exist: the {model} run has not "
                                "finished; re-run its training to resume it")
    info = {}
    for name in ("metrics.json", "train_info.json"):
        if (out / name).exists():
            info.update(load_json(out / name))
    nll, kind = None, ""
    for key, key_kind in NLL_KEYS:
        if info.get(key) is not None:
            nll, kind = float(info[key]), key_kind
            break
    parameters = info.get("parameters", info.get("generator_params"))
    seconds = info.get("train_cpu_seconds", info.get("train_seconds"))
    samples = to_unit_images(np.load(out / "samples.npy"), SAMPLE_RANGES.get(model, (0.0, 1.0)))
    return {"model": model, "samples": samples, "nll": nll, "nll_kind": kind,
            "train_seconds": None if seconds is None else float(seconds),
            "parameters": None if parameters is None else int(parameters), "info": info}


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
