"""Class coverage: do the samples spread over all classes, as the data do?"""

from __future__ import annotations

import numpy as np


def class_coverage(labels, n_classes: int = 10) -> dict:
    """Histogram and normalised entropy of predicted class labels.

    Returns ``class_histogram`` (counts per class, list of n_classes ints),
    ``coverage_entropy`` (entropy of the class shares divided by log(n_classes):
    1 = every class equally often, 0 = a single class) and ``classes_present``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"labels must be a non-empty 1-D array of class indices, got shape {labels.shape}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}, got values in "
                         f"[{labels.min()}, {labels.max()}] of dtype {labels.dtype}")
    counts = np.bincount(labels, minlength=n_classes)
    shares = counts[counts > 0] / counts.sum()
    entropy = float(-(shares * np.log(shares)).sum() / np.log(n_classes))
    return {"class_histogram": [int(c) for c in counts], "coverage_entropy": max(entropy, 0.0) + 0.0,
            "classes_present": int((counts > 0).sum())}
