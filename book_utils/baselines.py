"""Classical baselines the deep generative models must beat (NumPy / scikit-learn only).

- :class:`PCAKDESampler`: kernel density estimate in a PCA space, the sample-quality bar
  on digits (after scikit-learn's example "Kernel Density Estimation",
  examples/neighbors/plot_digits_kde_sampling.py).
- :class:`IndependentBernoulli`: one coin per pixel, the likelihood floor for binary images.
- :class:`BernoulliMixture`: K such models mixed, fitted by EM (Bishop 2006, Section 9.3.3).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from book_utils.metrics.checks import check_images, flatten


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


def check_binary(x, name: str = "x", dims: int | None = None) -> np.ndarray:
    """Images N x H x W (or N x D) with values in {0, 1} -> float64 N x D, else a clear ValueError."""
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array of binary images ({err})") from err
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (2, 3) or len(x) == 0:
        raise ValueError(f"{name} must be binary images N x H x W (or N x D), got shape {x.shape}")
    x = flatten(x)
    if dims is not None and x.shape[1] != dims:
        raise ValueError(f"{name} have {x.shape[1]} pixels per image, the model was fitted on {dims}")
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError(f"{name} must hold only 0 and 1 (binary images); binarize grey levels first, "
                         "e.g. book_utils.data.load('digits', view='binary') (pixel >= 8)")
    return x


def _bernoulli_log_prob(x: np.ndarray, log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """log p(x | means) for binary rows x (N x D) and K coin vectors: N x K (nats)."""
    return x @ log_p.T + (1.0 - x) @ log_q.T


class IndependentBernoulli:
    """Every pixel an independent coin: p(x) = prod_d mu_d^x_d (1 - mu_d)^(1 - x_d).

    ``smoothing`` is a pseudo-count added to both outcomes (Laplace's rule with 1:
    mu_d = (ones_d + 1) / (N + 2)), so a pixel never seen on gets a small, not zero,
    probability and test log-likelihoods stay finite.
    """

    def __init__(self, smoothing: float = 1.0):
        if smoothing < 0:
            raise ValueError(f"smoothing must be >= 0, got {smoothing}")
        self.smoothing = smoothing

    def fit(self, x) -> IndependentBernoulli:
        """x: binary images N x H x W (or N x D)."""
        x_flat = check_binary(x)
        self.image_shape_ = tuple(np.shape(x)[1:3]) if np.ndim(x) >= 3 else (x_flat.shape[1],)
        a = self.smoothing
        mu = (x_flat.sum(axis=0) + a) / (len(x_flat) + 2 * a)
        self.means_ = np.clip(mu, 1e-12, 1 - 1e-12)
        return self

    def log_prob(self, x) -> np.ndarray:
        """log p(x) in nats per image, shape (N,)."""
        x = check_binary(x, dims=self.means_.size)
        return _bernoulli_log_prob(x, np.log(self.means_)[None], np.log1p(-self.means_)[None])[:, 0]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n binary images n x H x W (float64 in {0, 1})."""
        rng = np.random.default_rng(seed)
        return (rng.random((int(n), self.means_.size)) < self.means_).astype(np.float64).reshape(
            (int(n),) + self.image_shape_)

    @property
    def n_parameters(self) -> int:
        return int(self.means_.size)


class BernoulliMixture:
    """A mixture of K independent-Bernoulli images, fitted by expectation-maximisation.

    p(x) = sum_k pi_k prod_d mu_kd^x_d (1 - mu_kd)^(1 - x_d). Log-likelihoods are
    computed in the log domain with log-sum-exp over components (64 pixel factors
    multiplied directly would underflow for MNIST-sized images).

    Smoothing (MAP EM): the M-step adds ``smoothing`` pseudo-counts to both outcomes of
    every coin, mu_kd = (sum_n r_nk x_nd + a) / (N_k + 2a), i.e. a Beta(a+1, a+1) prior,
    and ``weight_smoothing`` pseudo-counts to every component's weight (a Dirichlet
    prior), so no coin reaches exactly 0 or 1 and no component dies. EM then increases
    the *penalised* log-likelihood (log-likelihood + log prior) at every iteration, which
    ``objective_history_`` records; the plain training log-likelihood (``history_``)
    almost always rises too but may wobble by ~1e-4 nats near convergence.

    Initial means are drawn uniformly from [0.25, 0.75] (seeded), as in Bishop (2006,
    Section 9.3.3), weights uniform.
    """

    def __init__(self, n_components: int = 100, smoothing: float = 1.0, weight_smoothing: float = 1.0,
                 seed: int = 0):
        if n_components < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        if smoothing < 0 or weight_smoothing < 0:
            raise ValueError("smoothing and weight_smoothing must be >= 0")
        self.n_components = int(n_components)
        self.smoothing = smoothing
        self.weight_smoothing = weight_smoothing
        self.seed = seed

    def _joint(self, x: np.ndarray) -> np.ndarray:
        """log pi_k + log p(x_n | k): N x K."""
        return _bernoulli_log_prob(x, np.log(self.means_), np.log1p(-self.means_)) + np.log(self.weights_)

    def _log_prior(self) -> float:
        a, c = self.smoothing, self.weight_smoothing
        return float(a * (np.log(self.means_).sum() + np.log1p(-self.means_).sum())
                     + c * np.log(self.weights_).sum())

    def fit(self, x, n_iter: int = 100) -> BernoulliMixture:
        """Run ``n_iter`` EM iterations on binary images N x H x W (or N x D).

        Records ``history_`` (mean training log-likelihood, nats per image) and
        ``objective_history_`` (the same plus log prior / N), both of length n_iter + 1
        (the initial model, then after each iteration).
        """
        x_flat = check_binary(x)
        if not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
            raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}")
        self.image_shape_ = tuple(np.shape(x)[1:3]) if np.ndim(x) >= 3 else (x_flat.shape[1],)
        n, d = x_flat.shape
        k, a, c = self.n_components, self.smoothing, self.weight_smoothing
        rng = np.random.default_rng(self.seed)
        self.means_ = rng.uniform(0.25, 0.75, size=(k, d))
        self.weights_ = np.full(k, 1.0 / k)
        self.history_, self.objective_history_ = [], []
        for it in range(n_iter + 1):
            joint = self._joint(x_flat)                       # E-step, N x K
            log_px = logsumexp(joint, axis=1)                 # N
            self.history_.append(float(log_px.mean()))
            self.objective_history_.append(float(log_px.mean() + self._log_prior() / n))
            if it == n_iter:
                break
            resp = np.exp(joint - log_px[:, None])            # responsibilities, rows sum to 1
            counts = resp.sum(axis=0)                         # N_k
            self.means_ = np.clip((resp.T @ x_flat + a) / (counts[:, None] + 2 * a), 1e-12, 1 - 1e-12)
            self.weights_ = (counts + c) / (n + k * c)        # M-step
        return self

    def log_prob(self, x) -> np.ndarray:
        """log p(x) in nats per image, shape (N,)."""
        return logsumexp(self._joint(check_binary(x, dims=self.means_.shape[1])), axis=1)

    def responsibilities(self, x) -> np.ndarray:
        """Posterior p(k | x): N x K, rows sum to 1."""
        joint = self._joint(check_binary(x, dims=self.means_.shape[1]))
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def predict(self, x) -> np.ndarray:
        """Most responsible component per image, shape (N,)."""
        return self._joint(check_binary(x, dims=self.means_.shape[1])).argmax(axis=1)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n binary images n x H x W: pick a component by its weight, then flip its coins."""
        rng = np.random.default_rng(seed)
        comp = rng.choice(self.n_components, size=int(n), p=self.weights_ / self.weights_.sum())
        images = (rng.random((int(n), self.means_.shape[1])) < self.means_[comp]).astype(np.float64)
        return images.reshape((int(n),) + self.image_shape_)

    @property
    def n_parameters(self) -> int:
        return int(self.means_.size + self.n_components - 1)
