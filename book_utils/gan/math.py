"""The mathematics of the GAN objective (Section 4.1), in NumPy/SciPy only.

For two *known* 1-D densities ``p_data`` and ``p_g`` this module computes

* the optimal discriminator  D*(x) = p_data(x) / (p_data(x) + p_g(x));
* the value function  V(D, G) = ∫ p_data log D + p_g log(1 - D) dx  by quadrature;
* the Jensen-Shannon divergence, so that V(D*, G) = -log 4 + 2 JSD(p_data || p_g) can be checked;
* the saturating and non-saturating generator losses and their gradients with
  respect to the discriminator's logit a (D = sigmoid(a));
* a small discriminator trained by logistic regression (Newton's method on RBF
  features) from samples, to compare with D*.

Densities are Python callables mapping an array of x values to an array of
densities of the same shape (e.g. ``book_utils.basics.toy.gaussian_mixture_1d_pdf``).
All logarithms are natural (nats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

LOG4 = float(np.log(4.0))


# --------------------------------------------------------------------------- checks
def _densities(p_data, p_g):
    p_data = np.asarray(p_data, dtype=float)
    p_g = np.asarray(p_g, dtype=float)
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {p_data.shape} and {p_g.shape}")
    finite = np.all(np.isfinite(p_data)) and np.all(np.isfinite(p_g))
    if not finite or np.any(p_data < 0) or np.any(p_g < 0):
        raise ValueError("densities must be finite and non-negative")
    return p_data, p_g


def _support(support):
    lo, hi = (float(v) for v in support)
    if not lo < hi:
        raise ValueError(f"support must be (lo, hi) with lo < hi, got {support}")
    return lo, hi


def _integrate(fn, support, points=None) -> float:
    """∫ fn over ``support`` with adaptive quadrature, tolerance ~1e-12."""
    lo, hi = _support(support)
    pts = None if points is None else [p for p in points if lo < p < hi] or None
    value, _ = integrate.quad(lambda t: float(fn(np.array([t]))[0]), lo, hi, points=pts,
                              epsabs=1e-12, epsrel=1e-12, limit=500)
    return float(value)


# --------------------------------------------------------------------------- D* and V(D, G)
def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g), elementwise on density values (any shape).

    Where both densities are 0 the discriminator's value does not matter; 0.5 is returned.
    """
    p_data, p_g = _densities(p_data, p_g)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def value_integrand(d, p_data, p_g):
    """The integrand p_data log D + p_g log(1 - D) of V(D, G), elementwise.

    Uses the convention 0 log 0 = 0, so D may be exactly 0 or 1 where a density vanishes.
    """
    d = np.asarray(d, dtype=float)
    p_data, p_g = _densities(p_data, p_g)
    if d.shape != p_data.shape:
        raise ValueError(f"D values must have the densities' shape {p_data.shape}, got {d.shape}")
    if np.any(d < 0) or np.any(d > 1):
        raise ValueError("discriminator outputs must lie in [0, 1]")
    return special.xlogy(p_data, d) + special.xlogy(p_g, 1.0 - d)


def value_function(discriminator, pdf_data, pdf_g, support, points=None) -> float:
    """V(D, G) = E_{p_data}[log D(x)] + E_{p_g}[log(1 - D(x))] by numerical integration.

    ``discriminator``, ``pdf_data`` and ``pdf_g`` are callables on x arrays; ``support`` is
    (lo, hi) outside of which both densities are negligible; ``points`` are optional
    break points (e.g. the mixture means) that help the quadrature.
    """
    def integrand(x):
        return value_integrand(discriminator(x), pdf_data(x), pdf_g(x))

    return _integrate(integrand, support, points)


def optimal_value(pdf_data, pdf_g, support, points=None) -> float:
    """V(D*, G): the value function at the optimal discriminator (equals -log 4 + 2 JSD).

    The integrand is value_integrand's with D = D*, written with
    log D* = log p_data - log(p_data + p_g) and log(1 - D*) = log p_g - log(p_data + p_g),
    so it stays finite in the tails where the ratio p_data / (p_data + p_g) would underflow.
    """
    def integrand(x):
        p, q = _densities(pdf_data(x), pdf_g(x))
        total = p + q
        return special.xlogy(p, p) - special.xlogy(p, total) + special.xlogy(q, q) - special.xlogy(q, total)

    return _integrate(integrand, support, points)


# --------------------------------------------------------------------------- divergences
def kl_integrand(p, q):
    """p log(p / q) elementwise, with 0 log 0 = 0 (and +inf where p > 0 = q)."""
    p, q = _densities(p, q)
    with np.errstate(divide="ignore"):
        return special.rel_entr(p, q)


def js_integrand(p, q):
    """½ p log(p/m) + ½ q log(q/m) with m = (p + q)/2, elementwise (never infinite)."""
    p, q = _densities(p, q)
    m = 0.5 * (p + q)
    return 0.5 * special.rel_entr(p, m) + 0.5 * special.rel_entr(q, m)


def js_divergence(pdf_p, pdf_q, support, points=None) -> float:
    """Jensen-Shannon divergence JSD(p || q) of two 1-D densities, in nats (0 ≤ JSD ≤ log 2)."""
    return _integrate(lambda x: js_integrand(pdf_p(x), pdf_q(x)), support, points)


def js_divergence_discrete(p, q) -> float:
    """JSD of two probability vectors (each non-negative, summing to 1), in nats."""
    p, q = _densities(p, q)
    for name, v in (("p", p), ("q", q)):
        if not np.isclose(v.sum(), 1.0, atol=1e-9):
            raise ValueError(f"{name} must sum to 1, got {v.sum():.6g}")
    return float(js_integrand(p, q).sum())


# --------------------------------------------------------------------------- generator losses
def sigmoid(a):
    """D = 1 / (1 + exp(-a)), computed stably."""
    return special.expit(np.asarray(a, dtype=float))


def saturating_generator_loss(logit):
    """log(1 - D(G(z))) with D = sigmoid(logit): the generator *minimises* it. Equals -softplus(a)."""
    return -np.logaddexp(0.0, np.asarray(logit, dtype=float))


def non_saturating_generator_loss(logit):
    """-log D(G(z)) with D = sigmoid(logit): the generator minimises it. Equals softplus(-a)."""
    return np.logaddexp(0.0, -np.asarray(logit, dtype=float))


def saturating_generator_grad(logit):
    """d/da log(1 - sigmoid(a)) = -sigmoid(a): vanishes when D(G(z)) → 0 (early training)."""
    return -sigmoid(logit)


def non_saturating_generator_grad(logit):
    """d/da [-log sigmoid(a)] = -(1 - sigmoid(a)): close to -1 when D(G(z)) → 0."""
    return -(1.0 - sigmoid(logit))


# --------------------------------------------------------------------------- a trained discriminator
def rbf_features(x, centers, width: float):
    """Gaussian bumps exp(-(x - c)² / (2 width²)) plus a constant column: [n] -> [n, len(centers) + 1]."""
    x = np.asarray(x, dtype=float)
    centers = np.asarray(centers, dtype=float)
    if x.ndim != 1 or centers.ndim != 1:
        raise ValueError(f"x and centers must be 1-D arrays, got shapes {x.shape} and {centers.shape}")
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    bumps = np.exp(-0.5 * ((x[:, None] - centers[None, :]) / width) ** 2)
    return np.concatenate([np.ones((len(x), 1)), bumps], axis=1)


@dataclass
class RBFDiscriminator:
    """A 1-D discriminator D(x) = sigmoid(w · phi(x)) on RBF features phi."""

    weights: np.ndarray     # [len(centers) + 1]
    centers: np.ndarray     # [K]
    width: float
    history: list           # the (negated, per-sample) objective after each Newton step

    def logit(self, x):
        return rbf_features(x, self.centers, self.width) @ self.weights

    def __call__(self, x):
        return sigmoid(self.logit(x))


def train_discriminator(x_real, x_fake, centers, width: float, l2: float = 1e-4,
                        steps: int = 30, tol: float = 1e-10) -> RBFDiscriminator:
    """Maximise the discriminator's objective on samples by Newton's method (logistic regression).

    The objective is the empirical V(D, G):  mean log D(x_real) + mean log(1 - D(x_fake)),
    with a small L2 penalty ``l2`` on the weights. It is concave in the weights, so Newton's
    method converges in a handful of deterministic steps. Both sample sets get equal weight,
    as in the GAN objective, whatever their sizes.
    """
    x_real = np.asarray(x_real, dtype=float)
    x_fake = np.asarray(x_fake, dtype=float)
    if x_real.ndim != 1 or x_fake.ndim != 1 or len(x_real) == 0 or len(x_fake) == 0:
        raise ValueError("x_real and x_fake must be non-empty 1-D arrays of samples")
    if l2 < 0:
        raise ValueError(f"l2 must be non-negative, got {l2}")
    phi = rbf_features(np.concatenate([x_real, x_fake]), centers, width)          # [n, K+1]
    y = np.concatenate([np.ones(len(x_real)), np.zeros(len(x_fake))])             # [n]
    sample_weight = np.concatenate([np.full(len(x_real), 0.5 / len(x_real)),
                                    np.full(len(x_fake), 0.5 / len(x_fake))])     # sums to 1
    w = np.zeros(phi.shape[1])
    history = []
    for _ in range(steps):
        a = phi @ w
        d = sigmoid(a)
        loss = 2 * np.sum(sample_weight * (y * np.logaddexp(0, -a) + (1 - y) * np.logaddexp(0, a)))
        history.append(float(loss + l2 * w @ w))
        grad = 2 * phi.T @ (sample_weight * (d - y)) + 2 * l2 * w
        hess = 2 * (phi * (sample_weight * d * (1 - d))[:, None]).T @ phi + 2 * l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w = w - step
        if np.max(np.abs(step)) < tol:
            break
    return RBFDiscriminator(weights=w, centers=np.asarray(centers, dtype=float), width=float(width),
                            history=history)
