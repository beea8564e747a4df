"""One call that scores a set of generated images against the real data."""

from __future__ import annotations

import numpy as np

from book_utils.metrics.checks import check_images, flatten
from book_utils.metrics.coverage import class_coverage
from book_utils.metrics.frechet import frechet_distance_from_stats, gaussian_stats
from book_utils.metrics.memorisation import nearest_train
from book_utils.metrics.precision_recall import precision_recall
from book_utils.metrics.reference import real_reference


def evaluate_samples(samples, dataset: str = "digits", view: str = "grey", k: int = 3,
                     seed: int = 0) -> dict:
    """Score generated images N x H x W (floats in [0, 1]) against ``dataset``'s training split.

    ``view="grey"``: grey levels scaled to [0, 1] (GAN samples rescaled from [-1, 1]);
    ``view="binary"``: compare with the binarized data (pixel >= 8 on digits), for models
    of binarized digits (their samples in {0, 1}, or Bernoulli means in [0, 1]).

    Returns a dict of plain numbers:
      ``fid``: Fréchet distance between the samples' and the training split's reference-classifier
      features (lower is better); ``fid_real``: the same for the held-out real test split (the floor);
      ``fid_matched`` and ``fid_real_matched``: FID falls as the sample count grows, so both sides
      are measured at the same size m = min(n_samples, n_test): the mean FID of 10 seeded random
      subsets of m samples, and of m real test images (on digits, 1,000 samples vs 360 test images:
      ``fid_real_matched`` = ``fid_real``). Compare ``fid_matched`` with ``fid_real_matched``;
      ``precision`` / ``recall``: improved precision and recall with k-NN balls (Kynkäänniemi et
      al. 2019), also ``precision_real`` / ``recall_real``; ``coverage_entropy`` (1 = classes
      uniform) and ``class_histogram`` (predicted class counts); ``near_copy_share``: share of
      samples closer (pixel L2) to a training image than ``near_copy_threshold`` (the 5th
      percentile of training images' distances to their nearest other training image), and
      ``near_copy_share_real`` for real test images; ``n_samples``; ``classifier_test_accuracy``.
    Real-side numbers use a different sample count (the test split), so compare with care.
    """
    if view not in ("grey", "binary"):
        raise ValueError(f"unknown view {view!r}: choose 'grey' or 'binary'")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    ref = real_reference(dataset, view, k, seed)
    x = check_images(samples, "samples", image_shape=ref.image_shape, min_count=k + 1)
    feats = ref.classifier.features(x)
    precision, recall = precision_recall(ref.pr_feats, feats, k=k, real_radii=ref.pr_radii)
    coverage = class_coverage(ref.classifier.logits_from_features(feats).argmax(axis=1),
                              ref.classifier.n_classes)
    dist, _ = nearest_train(flatten(x), ref.train_pixels)
    result = {
        "dataset": ref.dataset, "view": view, "n_samples": int(len(x)), "k": int(k),
        "fid": frechet_distance_from_stats(*gaussian_stats(feats), ref.mu, ref.cov),
        "precision": precision, "recall": recall,
        "coverage_entropy": coverage["coverage_entropy"],
        "classes_present": coverage["classes_present"],
        "class_histogram": coverage["class_histogram"],
        "near_copy_share": float((dist < ref.threshold).mean()),
        "near_copy_threshold": ref.threshold,
        "median_nearest_train_distance": float(np.median(dist)),
    }
    result.update(ref.real)
    if ref.test_feats is not None:
        m = min(len(feats), len(ref.test_feats))
        result["fid_matched"] = _fid_at_size(feats, m, ref, seed)
        result["fid_real_matched"] = _fid_at_size(ref.test_feats, m, ref, seed)
        result["fid_matched_n"] = m
    return result


def _fid_at_size(feats: np.ndarray, m: int, ref, seed: int, repeats: int = 10) -> float:
    """Mean FID against the training statistics of ``repeats`` random subsets of ``m`` rows of ``feats``."""
    if m >= len(feats):
        return frechet_distance_from_stats(*gaussian_stats(feats), ref.mu, ref.cov)
    rng = np.random.default_rng(seed)
    subsets = [feats[rng.choice(len(feats), m, replace=False)] for _ in range(repeats)]
    return float(np.mean([frechet_distance_from_stats(*gaussian_stats(sub), ref.mu, ref.cov)
                          for sub in subsets]))


SUMMARY_KEYS = ("fid", "fid_matched", "fid_real_matched", "fid_real", "precision", "recall",
                "coverage_entropy", "near_copy_share", "near_copy_share_real", "n_samples")


def format_metrics(metrics: dict, keys=SUMMARY_KEYS) -> str:
    """One line 'fid=12.3  precision=0.81 ...' of the chosen keys (floats to 3 significant digits)."""
    parts = []
    for key in keys:
        if key in metrics:
            value = metrics[key]
            parts.append(f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}")
    return "  ".join(parts)
