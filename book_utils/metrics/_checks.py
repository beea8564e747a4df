"""Old name of :mod:`book_utils.metrics.checks`, kept only while ``metrics/compare.py`` imports it.

Delete this file once compare.py imports ``book_utils.metrics.checks``.
"""

from book_utils.metrics.checks import check_features, check_images, flatten

__all__ = ["check_features", "check_images", "flatten"]
