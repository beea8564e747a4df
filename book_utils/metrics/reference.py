"""Real-data reference statistics, computed once per (dataset, view, k) and cached in memory.

Everything a sample evaluation compares against: the training split's classifier
features, their Gaussian statistics and k-NN radii, the near-copy threshold, and the
same metrics for held-out real test images (the floor a perfect model would reach).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from book_utils.metrics.checks import flatten
from book_utils.metrics.classifier import (
    ReferenceClassifier,
    cache_name,
    load_reference_data,
    reference_classifier,
)
from book_utils.metrics.coverage import class_coverage
from book_utils.metrics.frechet import frechet_distance_from_stats, gaussian_stats
from book_utils.metrics.memorisation import near_copy_share, near_copy_threshold
from book_utils.metrics.precision_recall import knn_radii, precision_recall

MAX_REAL_FOR_RADII = 10_000  # precision/recall reference points (MNIST: a seeded subset)


@dataclass
class RealReference:
    dataset: str
    view: str
    k: int
    classifier: ReferenceClassifier
    train_pixels: np.ndarray      # M x (H*W), [0, 1]
    train_feats: np.ndarray       # M x D
    mu: np.ndarray                # D
    cov: np.ndarray               # D x D
    pr_feats: np.ndarray          # subset of train_feats used for precision/recall
    pr_radii: np.ndarray          # their k-NN radii
    threshold: float              # near-copy distance (pixel L2)
    real: dict                    # metrics of the held-out real test split
    test_feats: np.ndarray | None = None  # N_test x D (None when the dataset has no test split)

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.classifier.image_shape


_CACHE: dict = {}


def real_reference(dataset: str = "digits", view: str = "grey", k: int = 3, seed: int = 0) -> RealReference:
    """The cached :class:`RealReference` (first call: fit the classifier, compute everything)."""
    key = (cache_name(dataset), view, int(k), int(seed))
    if key in _CACHE:
        return _CACHE[key]
    clf = reference_classifier(dataset, view)
    ds, x_train, x_test = load_reference_data(dataset, view)
    train_feats = clf.features(x_train)
    mu, cov = gaussian_stats(train_feats)
    rng = np.random.default_rng(seed)
    pr_feats = train_feats
    if len(pr_feats) > MAX_REAL_FOR_RADII:
        pr_feats = train_feats[np.sort(rng.choice(len(train_feats), MAX_REAL_FOR_RADII, replace=False))]
    pr_radii = knn_radii(pr_feats, k)
    train_pixels = flatten(x_train)
    threshold = near_copy_threshold(train_pixels, seed=seed)
    real, test_feats = {}, None
    if x_test is not None:
        test_feats = clf.features(x_test)
        precision, recall = precision_recall(pr_feats, test_feats, k=k, real_radii=pr_radii)
        coverage = class_coverage(clf.logits_from_features(test_feats).argmax(axis=1), clf.n_classes)
        real = {"fid_real": frechet_distance_from_stats(*gaussian_stats(test_feats), mu, cov),
                "precision_real": precision, "recall_real": recall,
                "coverage_entropy_real": coverage["coverage_entropy"],
                "near_copy_share_real": near_copy_share(flatten(x_test), train_pixels, threshold),
                "n_real_test": len(x_test)}
        if ds.y_test is not None:
            real["classifier_test_accuracy"] = clf.accuracy(x_test, ds.y_test)
    ref = RealReference(str(dataset), view, int(k), clf, train_pixels, train_feats, mu, cov, pr_feats,
                        pr_radii, threshold, real, test_feats)
    _CACHE[key] = ref
    return ref
