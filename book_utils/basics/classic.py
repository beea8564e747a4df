"""Small classical models for Chapter 1 (NumPy / SciPy only: no TensorFlow, no PyTorch).

- :class:`TemplateRuleClassifier`: the *symbolic* era. Ten 8 x 8 digit templates drawn
  by hand (:data:`DIGIT_TEMPLATES`), a hand-set blur and hand-set shifts; an image gets
  the class of the template it correlates with best. Nothing is learned from data.
- :class:`ClassConditionalGaussian`: a *generative* classifier. Each class c gets a
  Gaussian p(x | c) = N(mu_c, W_c W_c^T + s2_c I) with a low-rank-plus-isotropic
  covariance (probabilistic PCA, Tipping & Bishop 1999, fitted in closed form). It can
  draw new images, score how likely an image is (log p(x)), and classify by Bayes' rule
  p(c | x) = p(x | c) p(c) / p(x).

Images are N x H x W arrays (any numeric range; the digits' grey levels are 0..16).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp

# --- the symbolic era: a rule written by hand -----------------------------------

# Hand-drawn 8 x 8 templates in the style of scikit-learn's digits ("#" full ink,
# "+" half ink, "." none). Drawn by eye, never fitted: the rule's "knowledge".
DIGIT_TEMPLATES = {
    0: ["..###...", ".##.##..", ".#...#+.", "+#...##.", "+#...##.", ".#...#..", ".##.##..", "..###..."],
    1: ["...##...", "...##...", "...##...", "...##...", "...##...", "...##...", "...##...", "...##..."],
    2: ["..###...", ".##.##..", ".+..##..", "....#...", "...##...", "..##....", ".######.", "..#####."],
    3: ["..####..", ".#...##.", ".....#..", "...###..", ".....##.", ".....##.", ".#..##..", "..###..."],
    4: ["....#...", "...#+...", "..##....", ".##..#..", ".##+##..", ".#####..", "....#...", "....#..."],
    5: [".#####..", ".##.....", ".##.....", ".####...", "....##..", ".....#..", "...##...", ".###...."],
    6: ["...#....", "..##....", ".##.....", ".###....", ".####+..", ".##..##.", ".##..##.", "..####.."],
    7: [".######.", ".....##.", "....##..", "..####..", "...##...", "...#....", "..##....", "..#....."],
    8: ["..###...", ".##.##..", ".##.##..", "..###...", "..###...", ".##.##..", ".##.##..", "..###..."],
    9: ["..###...", ".##.##..", ".##.##..", "..####..", "....##..", ".....#..", "....#...", "..##...."],
}
_INK = {"#": 1.0, "+": 0.5, ".": 0.0}


def template_images(blur: float = 0.7) -> np.ndarray:
    """The hand-drawn templates as a 10 x 8 x 8 float array in [0, 1], blurred by a
    Gaussian of ``blur`` pixels (0 = the sharp drawing)."""
    from scipy.ndimage import gaussian_filter

    if not blur >= 0:
        raise ValueError(f"blur must be a non-negative number of pixels, got {blur!r}")
    sharp = np.array([[[_INK[ch] for ch in row] for row in DIGIT_TEMPLATES[d]] for d in range(10)])
    return np.stack([gaussian_filter(t, blur) if blur > 0 else t for t in sharp])


def _shift_columns(images: np.ndarray, dx: int) -> np.ndarray:
    """Move every image ``dx`` columns right (left if negative), filling with zeros."""
    out = np.zeros_like(images)
    if dx > 0:
        out[..., dx:] = images[..., :-dx]
    elif dx < 0:
        out[..., :dx] = images[..., -dx:]
    else:
        out[...] = images
    return out


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows minus their mean, scaled to length 1 (a blank row stays zero)."""
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norm > 0, norm, 1.0)


def _check_images(images, shape=None, name="images") -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"{name} must be N x H x W, got shape {x.shape} "
                         "(add a batch axis with x[None] for one image)")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: give at least one image")
    if shape is not None and x.shape[1:] != tuple(shape):
        raise ValueError(f"{name} are {x.shape[1]} x {x.shape[2]}, but this model works on "
                         f"{shape[0]} x {shape[1]} images")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} hold NaN or infinite values")
    return x


def accuracy(predicted, labels) -> float:
    """Fraction of ``predicted`` (N) equal to ``labels`` (N); a clear error if the lengths differ."""
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if labels.shape != predicted.shape:
        raise ValueError(f"got {len(predicted)} images but labels of shape {labels.shape}")
    return float(np.mean(predicted == labels))


class TemplateRuleClassifier:
    """Classify 8 x 8 digits by hand-written rule: best correlation with a drawn template.

    The rule, all of it set by hand: blur the templates by ``blur`` pixels; slide each
    one by each of ``shifts`` columns; score an image against every (template, shift)
    by the correlation of their pixels (mean removed, unit length, so the ink's scale
    does not matter); answer the digit with the highest score. ``fit`` is not needed.
    """

    image_shape = (8, 8)

    def __init__(self, blur: float = 0.7, shifts=(-1, 0, 1)):
        shifts = tuple(int(s) for s in shifts)
        if not shifts or any(abs(s) >= 8 for s in shifts):
            raise ValueError(f"shifts must be a non-empty list of column offsets in -7..7, got {shifts}")
        self.blur, self.shifts = blur, shifts
        base = template_images(blur)
        moved = np.stack([_shift_columns(base, s) for s in shifts])  # S x 10 x 8 x 8
        self._templates = _unit_rows(moved.reshape(-1, 64)).reshape(len(shifts), 10, 64)

    def decision_scores(self, images) -> np.ndarray:
        """N x 10 correlations in [-1, 1]: each image against each digit's best shift."""
        x = _unit_rows(_check_images(images, self.image_shape).reshape(-1, 64))
        return np.einsum("nd,skd->nsk", x, self._templates).max(axis=1)

    def predict(self, images) -> np.ndarray:
        """N predicted digits (int64)."""
        return self.decision_scores(images).argmax(axis=1).astype(np.int64)

    def score(self, images, labels) -> float:
        """Accuracy (fraction correct) on labelled images."""
        return accuracy(self.predict(images), labels)


# --- a generative classifier: one Gaussian per class ----------------------------

class ClassConditionalGaussian:
    """p(x | c) = N(mu_c, W_c W_c^T + s2_c I) per class c, and p(c) from class counts.

    ``n_components`` (k) is the rank of each class's low-rank part W_c (D x k, D = H*W
    pixels); s2_c, the isotropic noise variance, is the mean of the class covariance's
    remaining D - k eigenvalues, never below ``min_variance`` (squared pixel units).
    This is the maximum-likelihood probabilistic PCA of each class (closed form, Tipping
    and Bishop 1999, eq. 7): W_c = U_k (Lambda_k - s2_c I)^(1/2), the top k eigenvectors
    U_k of the class covariance scaled by the square roots of their eigenvalues minus
    s2_c, so that W_c W_c^T + s2_c I has exactly the covariance's top k eigenvalues.

    Fitted attributes: ``classes_`` (C labels), ``means_`` (C x D), ``components_``
    (C x k x D, the rows of W_c^T), ``noise_variance_`` (C), ``class_log_prior_`` (C),
    ``image_shape`` and ``value_range`` (min, max pixel seen in training: samples are
    clipped to it). Log-likelihoods are in nats per image, as a density over pixel values.
    """

    def __init__(self, n_components: int = 10, min_variance: float = 1e-2):
        if not isinstance(n_components, (int, np.integer)) or n_components < 0:
            raise ValueError(f"n_components must be an integer >= 0, got {n_components!r}")
        if not min_variance > 0:
            raise ValueError(f"min_variance must be positive, got {min_variance!r}")
        self.n_components, self.min_variance = int(n_components), float(min_variance)
        self.classes_ = None

    # fitting
    def fit(self, images, labels) -> ClassConditionalGaussian:
        """Fit one Gaussian per class to images N x H x W with N labels."""
        x = _check_images(images)
        labels = np.asarray(labels)
        if labels.shape != (len(x),):
            raise ValueError(f"need one label per image: {len(x)} images, labels of shape {labels.shape}")
        n, h, w = x.shape
        d, k = h * w, self.n_components
        if k >= d:
            raise ValueError(f"n_components={k} must be smaller than the {d} pixels per image")
        flat = x.reshape(n, d)
        self.classes_ = np.unique(labels)
        means, comps, noise, priors, chols = [], [], [], [], []
        for c in self.classes_:
            xc = flat[labels == c]
            if len(xc) <= k:
                raise ValueError(f"class {c!r} has {len(xc)} images; n_components={k} needs more than {k}")
            mu = xc.mean(axis=0)
            eigval, eigvec = np.linalg.eigh(np.cov(xc, rowvar=False, bias=True))
            eigval, eigvec = eigval[::-1], eigvec[:, ::-1]  # largest first
            s2 = max(float(eigval[k:].mean()), self.min_variance)
            wt = (eigvec[:, :k] * np.sqrt(np.maximum(eigval[:k] - s2, 0.0))).T  # k x D
            cov = wt.T @ wt + s2 * np.eye(d)
            means.append(mu)
            comps.append(wt)
            noise.append(s2)
            priors.append(np.log(len(xc) / n))
            chols.append(np.linalg.cholesky(cov))
        self.means_, self.components_ = np.stack(means), np.stack(comps).reshape(len(means), k, d)
        self.noise_variance_, self.class_log_prior_ = np.array(noise), np.array(priors)
        self._chols = chols
        self.image_shape = (h, w)
        self.value_range = (float(flat.min()), float(flat.max()))
        return self

    def _check_fitted(self):
        if self.classes_ is None:
            raise ValueError("this ClassConditionalGaussian is not fitted yet: "
                             "call fit(images, labels) first")

    # scoring
    def class_log_likelihood(self, images) -> np.ndarray:
        """N x C array of log p(x | c), nats per image."""
        self._check_fitted()
        x = _check_images(images, self.image_shape).reshape(-1, self.means_.shape[1])
        d = x.shape[1]
        out = np.empty((len(x), len(self.classes_)))
        for j, chol in enumerate(self._chols):
            z = solve_triangular(chol, (x - self.means_[j]).T, lower=True)  # D x N, whitened
            log_det = 2.0 * np.log(np.diag(chol)).sum()
            out[:, j] = -0.5 * (np.sum(z**2, axis=0) + log_det + d * np.log(2 * np.pi))
        return out

    def log_likelihood(self, images) -> np.ndarray:
        """N values of log p(x) = log sum_c p(x | c) p(c), nats per image."""
        return logsumexp(self.class_log_likelihood(images) + self.class_log_prior_, axis=1)

    def predict_proba(self, images) -> np.ndarray:
        """N x C posterior p(c | x) by Bayes' rule (rows sum to 1)."""
        joint = self.class_log_likelihood(images) + self.class_log_prior_
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def predict(self, images) -> np.ndarray:
        """N most probable classes, argmax_c p(x | c) p(c)."""
        joint = self.class_log_likelihood(images) + self.class_log_prior_
        return self.classes_[joint.argmax(axis=1)]

    def score(self, images, labels) -> float:
        """Accuracy (fraction correct) of the Bayes-rule classifier."""
        return accuracy(self.predict(images), labels)

    # generating
    def sample(self, labels, seed=0, noise: bool = True) -> np.ndarray:
        """Draw one new image per entry of ``labels`` from p(x | c): len(labels) x H x W.

        x = mu_c + W_c z + sqrt(s2_c) e with z ~ N(0, I_k), e ~ N(0, I_D); ``noise=False``
        drops the isotropic term (smoother images). Pixels are clipped to ``value_range``.
        ``seed``: an int or a NumPy Generator.
        """
        self._check_fitted()
        labels = np.atleast_1d(np.asarray(labels))
        if labels.ndim != 1:
            raise ValueError(f"labels must be a 1-D list of classes, got shape {labels.shape}")
        unknown = sorted(set(labels.tolist()) - set(self.classes_.tolist()))
        if unknown:
            raise ValueError(f"cannot sample class(es) {unknown}: the model knows {self.classes_.tolist()}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        idx = np.searchsorted(self.classes_, labels)
        k, d = self.components_.shape[1:]
        z = rng.standard_normal((len(labels), k))
        x = self.means_[idx] + np.einsum("nk,nkd->nd", z, self.components_[idx])
        if noise:
            x = x + np.sqrt(self.noise_variance_[idx])[:, None] * rng.standard_normal((len(labels), d))
        return np.clip(x, *self.value_range).reshape(len(labels), *self.image_shape)
