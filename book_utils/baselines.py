"""Classical baselines the deep generative models must beat (NumPy / scikit-learn only).

- :class:`PCAKDESampler`: kernel density estimate in a PCA space, the sample-quality bar
  on digits (after scikit-learn's example "Kernel Density Estimation",
  examples/neighbors/plot_digits_kde_sampling.py).
"""

from __future__ import annotations

import numpy as np

from book_utils.metrics._checks import check_images, flatten


class PCAKDESampler:
    """Sample digits from a Gaussian kernel density fitted in a low-dimensional PCA space.

    Recipe of scikit-learn's example "Kernel Density Estimation" (digits): project the
    images onto ~15 principal components, fit a :class:`~sklearn.neighbors.KernelDensity`
    whose bandwidth is chosen by :class:`~sklearn.model_selection.GridSearchCV` (held-out
    log-likelihood), draw points from it and map them back with the inverse PCA. Here the
    components are whitened (unit variance each), so one bandwidth suits every direction,
    and samples are clipped to [0, 1].

    ``fit(x)``: images N x H x W in [0, 1]. ``sample(n, seed)``: images n x H x W in [0, 1].
    """

    def __init__(self, n_components: int = 15, whiten: bool = True, bandwidths=None, cv: int = 5):
        self.n_components = n_components
        self.whiten = whiten
        self.bandwidths = np.logspace(-1, 1, 20) if bandwidths is None else np.asarray(bandwidths)
        self.cv = cv

    def fit(self, x) -> PCAKDESampler:
        from sklearn.decomposition import PCA
        from sklearn.model_selection import GridSearchCV
        from sklearn.neighbors import KernelDensity

        x = check_images(x, "x", min_count=max(self.n_components, self.cv) + 1)
        self.image_shape_ = tuple(x.shape[1:])
        self.pca_ = PCA(n_components=self.n_components, whiten=self.whiten, random_state=0)
        codes = self.pca_.fit_transform(flatten(x))
        grid = GridSearchCV(KernelDensity(kernel="gaussian"), {"bandwidth": self.bandwidths}, cv=self.cv)
        grid.fit(codes)
        self.kde_ = grid.best_estimator_
        self.bandwidth_ = float(grid.best_params_["bandwidth"])
        return self

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` images n x H x W, clipped to [0, 1] (deterministic for a given seed)."""
        if not hasattr(self, "kde_"):
            raise RuntimeError("call fit(x) before sample(n)")
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        codes = self.kde_.sample(int(n), random_state=seed)
        images = self.pca_.inverse_transform(codes).reshape((int(n),) + self.image_shape_)
        return np.clip(images, 0.0, 1.0)

    @property
    def n_parameters(self) -> int:
        """Numbers stored: PCA mean and components, plus the KDE's kernel centres."""
        return int(self.pca_.mean_.size + self.pca_.components_.size + self.kde_.tree_.data.size)
