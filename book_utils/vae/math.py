"""The mathematics of the VAE objective (Section 4.2), in NumPy/SciPy only.

* :class:`LinearGaussianModel` — p(z) = N(0, I_k), p(x | z) = N(W z + b, σ² I_d): the one latent
  model whose marginal likelihood log p(x) and posterior p(z | x) are exact, so the ELBO and its
  gap can be checked to machine precision.
* Closed-form KL divergences between Gaussians (full covariance, diagonal, and the VAE's
  KL(N(μ, diag(exp(logvar))) || N(0, I))) and a Monte-Carlo estimate with its standard error.
* The reparameterization and score-function (REINFORCE) estimators of
  d/dθ E_{z ~ N(θ, σ²)}[f(z)], returned per sample so their mean and variance can be measured.

Shapes: z has k entries, x has d; W is d x k. Logarithms are natural (nats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOG_2PI = float(np.log(2 * np.pi))


# --------------------------------------------------------------------------- checks
def _vector(v, name: str, size: int | None = None) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or (size is not None and v.shape[0] != size):
        want = f"({size},)" if size is not None else "1-D"
        raise ValueError(f"{name} must have shape {want}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    return v


def _covariance(s, name: str, size: int) -> np.ndarray:
    """A symmetric positive-definite size x size matrix (raises a clear error otherwise)."""
    s = np.asarray(s, dtype=float)
    if s.shape != (size, size):
        raise ValueError(f"{name} must have shape ({size}, {size}), got {s.shape}")
    if not np.allclose(s, s.T, atol=1e-12 * max(1.0, np.abs(s).max())):
        raise ValueError(f"{name} must be symmetric")
    try:
        np.linalg.cholesky(s)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (all variances > 0)") from None
    return s


def _positive(v, name: str) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{name} must be positive (variances/standard deviations > 0), got {v}")
    return v


def _logdet(s: np.ndarray) -> float:
    return float(2 * np.sum(np.log(np.diag(np.linalg.cholesky(s)))))


def gaussian_logpdf(x, mean, cov) -> np.ndarray:
    """log N(x; mean, cov) for x of shape [d] or [n, d]; returns a scalar or [n]."""
    mean = _vector(mean, "mean")
    cov = _covariance(cov, "cov", len(mean))
    x = np.asarray(x, dtype=float)
    if x.shape[-1:] != mean.shape or x.ndim > 2:
        raise ValueError(f"x must have shape ({len(mean)},) or (n, {len(mean)}), got {x.shape}")
    chol = np.linalg.cholesky(cov)
    diff = np.atleast_2d(x) - mean                                  # [n, d]
    sol = np.linalg.solve(chol, diff.T)                             # [d, n]
    out = -0.5 * (len(mean) * LOG_2PI + _logdet(cov) + np.sum(sol ** 2, axis=0))
    return out[0] if x.ndim == 1 else out


# --------------------------------------------------------------------------- the linear-Gaussian model
@dataclass
class LinearGaussianModel:
    """p(z) = N(0, I_k), p(x | z) = N(W z + b, sigma² I_d) (probabilistic PCA / factor analysis)."""

    W: np.ndarray        # [d, k]
    b: np.ndarray        # [d]
    sigma: float         # observation noise standard deviation (> 0)

    def __post_init__(self):
        self.W = np.asarray(self.W, dtype=float)
        if self.W.ndim != 2:
            raise ValueError(f"W must be a d x k matrix, got shape {self.W.shape}")
        self.b = _vector(self.b, "b", self.W.shape[0])
        self.sigma = float(_positive(self.sigma, "sigma"))

    @property
    def d(self) -> int:
        return self.W.shape[0]

    @property
    def k(self) -> int:
        return self.W.shape[1]

    def _x(self, x) -> np.ndarray:
        return _vector(x, "x", self.d)

    def sample(self, n: int, seed=0):
        """Draw (x [n, d], z [n, k]) from the joint p(z) p(x | z)."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        z = rng.standard_normal((n, self.k))
        return z @ self.W.T + self.b + self.sigma * rng.standard_normal((n, self.d)), z

    def marginal(self):
        """p(x) = N(b, W Wᵀ + σ² I): returns (mean [d], cov [d, d])."""
        return self.b.copy(), self.W @ self.W.T + self.sigma ** 2 * np.eye(self.d)

    def log_marginal(self, x) -> float:
        """The exact log-likelihood log p(x) (x of shape [d], or [n, d] for n values)."""
        mean, cov = self.marginal()
        return gaussian_logpdf(x, mean, cov)

    def log_likelihood(self, x, z) -> np.ndarray:
        """log p(x | z) for one x [d] and z of shape [k] or [n, k]."""
        x = self._x(x)
        z = np.asarray(z, dtype=float)
        resid = x - (np.atleast_2d(z) @ self.W.T + self.b)           # [n, d]
        out = -0.5 * (self.d * (LOG_2PI + 2 * np.log(self.sigma))
                      + np.sum(resid ** 2, axis=1) / self.sigma ** 2)
        return out[0] if z.ndim == 1 else out

    def posterior(self, x):
        """The exact posterior p(z | x) = N(mu, S): S = (I + WᵀW/σ²)⁻¹, mu = S Wᵀ (x - b) / σ²."""
        x = self._x(x)
        precision = np.eye(self.k) + self.W.T @ self.W / self.sigma ** 2
        cov = np.linalg.inv(precision)
        cov = 0.5 * (cov + cov.T)
        return cov @ self.W.T @ (x - self.b) / self.sigma ** 2, cov

    def expected_log_likelihood(self, x, m, S) -> float:
        """E_{q}[log p(x | z)] for q = N(m, S), in closed form:
        -d/2 log(2πσ²) - (‖x - W m - b‖² + tr(W S Wᵀ)) / (2σ²)."""
        x = self._x(x)
        m = _vector(m, "m", self.k)
        S = _covariance(S, "S", self.k)
        resid = x - self.W @ m - self.b
        return float(-0.5 * self.d * (LOG_2PI + 2 * np.log(self.sigma))
                     - (resid @ resid + np.trace(self.W @ S @ self.W.T)) / (2 * self.sigma ** 2))

    def elbo(self, x, m, S) -> float:
        """ELBO(q) = E_q[log p(x | z)] - KL(q || p(z)) for q = N(m, S) (full covariance S)."""
        return self.expected_log_likelihood(x, m, S) - kl_gaussians(m, S, np.zeros(self.k), np.eye(self.k))


# --------------------------------------------------------------------------- KL divergences
def kl_gaussians(m0, S0, m1, S1) -> float:
    """KL(N(m0, S0) || N(m1, S1)) = ½[tr(S1⁻¹S0) + (m1-m0)ᵀS1⁻¹(m1-m0) - k + log det S1 - log det S0]."""
    m0 = _vector(m0, "m0")
    k = len(m0)
    m1 = _vector(m1, "m1", k)
    S0 = _covariance(S0, "S0", k)
    S1 = _covariance(S1, "S1", k)
    diff = m1 - m0
    trace = np.trace(np.linalg.solve(S1, S0))
    maha = diff @ np.linalg.solve(S1, diff)
    return float(0.5 * (trace + maha - k + _logdet(S1) - _logdet(S0)))


def kl_diag_gaussians(mu0, var0, mu1, var1) -> float:
    """KL between diagonal Gaussians, given means and *variances* (vectors of equal length)."""
    mu0 = _vector(mu0, "mu0")
    mu1 = _vector(mu1, "mu1", len(mu0))
    var0 = _positive(_vector(var0, "var0", len(mu0)), "var0")
    var1 = _positive(_vector(var1, "var1", len(mu0)), "var1")
    return float(0.5 * np.sum(var0 / var1 + (mu1 - mu0) ** 2 / var1 - 1 + np.log(var1) - np.log(var0)))


def mean_field_gaussian(m, S) -> tuple[np.ndarray, np.ndarray]:
    """The best diagonal (mean-field) Gaussian for p = N(m, S) under KL(q || p): (mean [k], cov [k, k]).

    Over q = N(m_q, diag(v)), KL(q || p) is smallest at m_q = m and v_i = 1 / Λ_ii, where Λ = S⁻¹ is
    p's precision (Bishop 2006, Pattern Recognition and Machine Learning, section 10.1.2; MacKay 2003,
    chapter 33): each variance is p's *conditional* variance given the other coordinates, never more
    than its marginal variance S_ii, so q is too narrow wherever p is correlated (it under-covers p).
    """
    m = _vector(m, "m")
    S = _covariance(S, "S", len(m))
    return m.copy(), np.diag(1.0 / np.diag(np.linalg.inv(S)))


def kl_to_standard_normal(mu, logvar) -> np.ndarray:
    """The VAE's KL(N(mu, diag(exp(logvar))) || N(0, I)) = -½ Σ (1 + logvar - mu² - exp(logvar)).

    ``mu`` and ``logvar`` are [k] or [n, k]; returns a scalar or one value per row [n].
    This is the term ``loss_function`` in Section 5.2 adds to the reconstruction loss.
    """
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {mu.shape} and {logvar.shape}")
    return -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=-1)


def kl_monte_carlo(m0, S0, m1, S1, n: int, seed=0):
    """Monte-Carlo KL(q || p) = E_q[log q(z) - log p(z)] from ``n`` samples of q = N(m0, S0).

    Returns (estimate, standard error of the estimate).
    """
    if n < 2:
        raise ValueError(f"n must be at least 2 to estimate a standard error, got {n}")
    m0 = _vector(m0, "m0")
    S0 = _covariance(S0, "S0", len(m0))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    z = rng.multivariate_normal(m0, S0, size=n, method="cholesky")
    log_ratio = gaussian_logpdf(z, m0, S0) - gaussian_logpdf(z, m1, S1)
    return float(log_ratio.mean()), float(log_ratio.std(ddof=1) / np.sqrt(n))


# --------------------------------------------------------------------------- gradient estimators
def reparameterization_gradients(df, theta: float, sigma: float, n: int, seed=0) -> np.ndarray:
    """Per-sample reparameterization estimates of d/dθ E_{z ~ N(θ, σ²)}[f(z)].

    Write z = θ + σ ε with ε ~ N(0, 1); then d/dθ f(θ + σ ε) = f'(z). ``df`` is f' (vectorised).
    Returns [n] estimates; their mean is the gradient estimate, their variance the estimator's.
    """
    sigma = float(_positive(sigma, "sigma"))
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    eps = rng.standard_normal(n)
    return np.asarray(df(theta + sigma * eps), dtype=float)


def score_function_gradients(f, theta: float, sigma: float, n: int, seed=0, baseline: float = 0.0
                             ) -> np.ndarray:
    """Per-sample score-function (REINFORCE) estimates of d/dθ E_{z ~ N(θ, σ²)}[f(z)].

    Uses ∇_θ E[f(z)] = E[(f(z) - baseline) ∇_θ log N(z; θ, σ²)] with ∇_θ log N = (z - θ) / σ².
    Needs only values of f (no derivative). A constant ``baseline`` keeps it unbiased.
    Returns [n] estimates. With the same ``seed`` it uses the same ε as
    :func:`reparameterization_gradients`, so the two can be compared sample for sample.
    """
    sigma = float(_positive(sigma, "sigma"))
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    eps = rng.standard_normal(n)
    z = theta + sigma * eps
    return (np.asarray(f(z), dtype=float) - baseline) * eps / sigma


def estimator_summary(samples) -> dict:
    """Mean, standard error of the mean, and per-sample variance of [n] gradient estimates."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 1 or len(samples) < 2:
        raise ValueError(f"need a 1-D array of at least 2 estimates, got shape {samples.shape}")
    var = float(samples.var(ddof=1))
    return {"mean": float(samples.mean()), "stderr": float(np.sqrt(var / len(samples))), "variance": var}
