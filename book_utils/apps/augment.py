"""Data augmentation for a classifier with few labels: classical shifts, and the statistics to compare
augmentations over seeds (NumPy and scikit-learn; no deep-learning framework).

Section 6.3 adds images drawn from a class-conditional generative model to the few labelled images
(the generator itself lives in its family's package) and asks, over several random draws of the
labelled set, whether the classifier's test accuracy improves.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression


def few_labels(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of every class, drawn without replacement: (C * per_class,)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than per_class={per_class}")
        picked.append(rng.choice(members, per_class, replace=False))
    return np.concatenate(picked)


def shift_images(images: np.ndarray, labels: np.ndarray, shifts=((0, 1), (0, -1), (1, 0), (-1, 0))
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The images (N, H, W) plus a copy shifted by each (down, right) pixel offset, zeros shifted in.

    Returns (N * (1 + len(shifts)), H, W) images and their labels, the originals first.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    out = [images]
    h, w = images.shape[1:3]
    for dy, dx in shifts:
        moved = np.zeros_like(images)
        moved[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
        out.append(moved)
    return np.concatenate(out), np.tile(labels, 1 + len(shifts))


def classifier_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                        c: float = 1.0) -> float:
    """Test accuracy of a multinomial logistic regression on flattened pixels (L2 penalty ``1 / c``)."""
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(np.asarray(x_train).reshape(len(x_train), -1), y_train)
    return float((model.predict(np.asarray(x_test).reshape(len(x_test), -1)) == np.asarray(y_test)).mean())


def mean_ci(values, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of its Student-t confidence interval: the interval is mean +- half-width."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        raise ValueError("a confidence interval needs at least two values")
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(half)
