"""Sample-quality and likelihood metrics for the book's generative models (NumPy / SciPy /
scikit-learn only: no TensorFlow or PyTorch).

Main entry point: :func:`evaluate_samples` (images N x H x W in [0, 1] -> dict of numbers).
Building blocks: :func:`frechet_distance`, :func:`precision_recall`, :func:`class_coverage`,
:func:`near_copy_share`, :func:`reference_classifier`, :func:`show_nearest_training`.
"""

from book_utils.metrics.classifier import ReferenceClassifier, fit_reference_classifier, reference_classifier
from book_utils.metrics.coverage import class_coverage
from book_utils.metrics.evaluate import evaluate_samples, format_metrics
from book_utils.metrics.frechet import frechet_distance, frechet_distance_from_stats, gaussian_stats
from book_utils.metrics.likelihood import (
    bits_per_dim_to_nats,
    bits_to_nats,
    nats_to_bits,
    nats_to_bits_per_dim,
    nll_summary,
    uniform_nats,
)
from book_utils.metrics.memorisation import (
    near_copy_share,
    near_copy_threshold,
    nearest_train,
    show_nearest_training,
)
from book_utils.metrics.precision_recall import knn_radii, precision_recall
from book_utils.metrics.reference import real_reference

__all__ = [
    "ReferenceClassifier", "class_coverage", "evaluate_samples", "fit_reference_classifier",
    "format_metrics", "frechet_distance", "frechet_distance_from_stats", "gaussian_stats",
    "knn_radii", "near_copy_share",
    "bits_per_dim_to_nats", "bits_to_nats", "nats_to_bits", "nats_to_bits_per_dim", "nll_summary",
    "uniform_nats", "near_copy_threshold", "nearest_train", "precision_recall",
    "real_reference", "reference_classifier", "show_nearest_training",
]
