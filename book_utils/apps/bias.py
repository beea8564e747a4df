"""Data bias in a generator (Section 8.2.2): an imbalanced training set, the class shares of the
samples, and two mitigations.

A generator fitted by maximum likelihood aims at the training distribution, including its
imbalance; whether it *amplifies* it (a rare class rarer still in the samples) is an empirical
question. Zhao et al. (2018, "Bias and generalization in deep generative models") measure such
distribution shifts; Grover et al. (2019, "Bias correction of learned generative models using
likelihood-free importance weighting") re-weight to correct them. The functions here are NumPy only:

    subsample_class(labels, cls, keep, seed)  -> training indices with class ``cls`` cut to ``keep``
    class_shares(pred, n_classes)             -> (C,) shares of predicted classes
    tv_distance(p, q)                         -> total-variation distance, 0.5 * sum |p - q|
    bootstrap_share(pred, cls, ...)           -> (low, high) bootstrap interval of one class's share
    oversample(labels, target, seed)          -> training indices drawn so class shares match ``target``
    labels_for(n, shares, seed)               -> n labels in the requested proportions (for a
                                                 conditional model)
"""

from __future__ import annotations

import numpy as np


def subsample_class(labels, cls: int, keep: float, seed: int = 0) -> np.ndarray:
    """Indices (sorted) of a training set where class ``cls`` keeps a share ``keep`` of its examples.

    labels (N,) int; every other class keeps all of its examples; at least one ``cls`` example stays.
    """
    labels = np.asarray(labels)
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    rng = np.random.default_rng(seed)
    minority = np.flatnonzero(labels == cls)
    if len(minority) == 0:
        raise ValueError(f"class {cls} does not occur in the labels")
    kept = rng.choice(minority, max(1, int(round(keep * len(minority)))), replace=False)
    return np.sort(np.concatenate([np.flatnonzero(labels != cls), kept]))


def class_shares(pred, n_classes: int = 10) -> np.ndarray:
    """Predicted class indices (N,) -> the share of each class, shape (C,), summing to 1."""
    pred = np.asarray(pred, dtype=np.int64)
    if len(pred) == 0:
        raise ValueError("no predictions")
    return np.bincount(pred, minlength=n_classes)[:n_classes] / len(pred)


def tv_distance(p, q) -> float:
    """Total-variation distance between two distributions over the same classes: 0.5 * sum |p - q|,
    in [0, 1] (0: equal; 1: disjoint supports)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"shapes differ: {p.shape} vs {q.shape}")
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def bootstrap_share(pred, cls: int, n_boot: int = 1000, level: float = 0.95, seed: int = 0
                    ) -> tuple[float, float]:
    """A percentile bootstrap interval of the share of class ``cls`` among predictions (N,).

    It covers the sampling noise of a finite set of samples from one trained model, not the
    variation between training runs (repeat the training with other seeds for that).
    """
    hits = (np.asarray(pred) == cls).astype(np.float64)
    rng = np.random.default_rng(seed)
    means = hits[rng.integers(0, len(hits), size=(n_boot, len(hits)))].mean(axis=1)
    tail = (1.0 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def oversample(labels, target, seed: int = 0, size: int | None = None) -> np.ndarray:
    """Indices into ``labels`` (N,), drawn with replacement within each class, whose class shares
    match ``target`` (C,) as closely as whole counts allow: re-weighting by repetition.

    ``size`` (default N) is the number of indices returned; every index of a class is used before
    any is repeated, so a class that needs more than it has repeats its examples evenly.
    """
    labels = np.asarray(labels)
    target = np.asarray(target, dtype=np.float64)
    target = target / target.sum()
    size = len(labels) if size is None else int(size)
    rng = np.random.default_rng(seed)
    counts = np.floor(target * size).astype(int)
    counts[np.argsort(-(target * size - counts))[: size - counts.sum()]] += 1
    out = []
    for cls, count in enumerate(counts):
        members = np.flatnonzero(labels == cls)
        if count == 0:
            continue
        if len(members) == 0:
            raise ValueError(f"class {cls} has a target share but no examples")
        reps = np.concatenate([rng.permutation(members) for _ in range(-(-count // len(members)))])
        out.append(reps[:count])
    return rng.permutation(np.concatenate(out))


def labels_for(n: int, shares, seed: int = 0) -> np.ndarray:
    """``n`` class labels in the proportions ``shares`` (C,) (whole counts, largest remainders),
    shuffled: what a conditional generator is asked to draw."""
    shares = np.asarray(shares, dtype=np.float64)
    shares = shares / shares.sum()
    counts = np.floor(shares * n).astype(int)
    counts[np.argsort(-(shares * n - counts))[: n - counts.sum()]] += 1
    labels = np.repeat(np.arange(len(shares)), counts)
    return np.random.default_rng(seed).permutation(labels)
