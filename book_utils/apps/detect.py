"""Detecting generated images: a classifier of real versus generated, scored by AUROC, and the
near-copy rate of a generator against the held-out floor (framework-free: NumPy and scikit-learn).

A detector is trained on one half of the real and the generated images and scored on the other half
by the area under the ROC curve (AUROC): the probability that a random generated image gets a higher
"generated" score than a random real one. 0.5 means the detector cannot tell them apart (the samples
pass as real, to this detector); 1.0 means it always can. The interval comes from the bootstrap over
the held-out images (Efron and Tibshirani 1993). Shapes: N images of H x W pixels in [0, 1].
"""

from __future__ import annotations

import numpy as np

from book_utils.metrics.memorisation import near_copy_share, near_copy_threshold

DETECTORS = ("logistic", "mlp")


def auroc(labels, scores) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting 1/2."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def bootstrap_auroc(labels, scores, n_boot: int = 1000, level: float = 0.95, seed: int = 0
                    ) -> tuple[float, float, float]:
    """(AUROC, lower, upper): the percentile interval of ``n_boot`` resamples of the scored images."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        i = rng.integers(len(labels), size=len(labels))
        if labels[i].min() != labels[i].max():          # both classes present
            values.append(auroc(labels[i], scores[i]))
    lo, hi = np.percentile(values, [50 * (1 - level), 50 * (1 + level)])
    return auroc(labels, scores), float(lo), float(hi)


def make_detector(kind: str = "logistic", seed: int = 0):
    """A scikit-learn classifier on flattened pixels: logistic regression or a small MLP (64 hidden)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    if kind == "mlp":
        return make_pipeline(StandardScaler(), MLPClassifier((64,), alpha=1e-3, max_iter=500,
                                                             early_stopping=True, random_state=seed))
    raise ValueError(f"unknown detector {kind!r}: choose one of {DETECTORS}")


def detector_scores(real, fake, kind: str = "logistic", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train a detector on a random half of ``real`` (label 0) and ``fake`` (label 1) images and score
    the other half. Returns (labels, scores) of the held-out half: scores are P(generated)."""
    real = np.asarray(real, dtype=np.float64).reshape(len(real), -1)
    fake = np.asarray(fake, dtype=np.float64).reshape(len(fake), -1)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real images have {real.shape[1]} pixels, generated ones {fake.shape[1]}")
    x = np.concatenate([real, fake])
    y = np.concatenate([np.zeros(len(real), int), np.ones(len(fake), int)])
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:len(x) // 2], order[len(x) // 2:]
    detector = make_detector(kind, seed).fit(x[train], y[train])
    return y[test], detector.predict_proba(x[test])[:, 1]


def near_copies(samples, train, heldout, percentile: float = 5.0) -> dict:
    """Near-copy shares (:mod:`book_utils.metrics.memorisation`) of ``samples`` and of the held-out real
    images ``heldout``, against the training images ``train``, with the threshold and the counts."""
    threshold = near_copy_threshold(train, percentile)
    share = near_copy_share(samples, train, threshold)
    floor = near_copy_share(heldout, train, threshold)
    return {"threshold": threshold, "share": share, "share_real": floor,
            "n": len(samples), "n_real": len(heldout)}


def binomial_interval(share: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``share`` measured on ``n`` trials."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)
