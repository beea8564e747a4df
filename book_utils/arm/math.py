"""The mathematics of autoregressive models (Section 4.3), in NumPy only.

* The chain rule  p(x_1, ..., x_n) = Π_i p(x_i | x_<i)  on a small discrete joint table.
* Entropy, cross-entropy and KL for categorical distributions, and why maximising the
  average log-likelihood of samples is minimising the cross-entropy H(p̂, q) = H(p̂) + KL(p̂ || q).
* Perplexity exp(average negative log-likelihood per token), and a Markov chain whose
  entropy rate (so the best achievable perplexity) is known exactly.

Probability vectors lie along the last axis. Logarithms are natural (nats).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def check_distribution(p, name: str = "p", axis: int = -1, atol: float = 1e-9) -> np.ndarray:
    """Return ``p`` as floats if it is non-negative and sums to 1 along ``axis``; else raise."""
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    sums = p.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol):
        raise ValueError(f"{name} must sum to 1 along axis {axis}; sums range over "
                         f"[{np.min(sums):.6g}, {np.max(sums):.6g}] (normalise it first)")
    return p


# --------------------------------------------------------------------------- chain rule
def chain_rule_conditionals(joint) -> list[np.ndarray]:
    """Factor a joint table p(x_1..x_n) (shape [K_1, ..., K_n], sums to 1) by the chain rule.

    Returns n arrays; the i-th has shape [K_1, ..., K_i] and holds p(x_i | x_<i) (it sums to 1
    over its last axis). Where a prefix has probability 0 the conditional is set to uniform
    (any choice gives the same product).
    """
    joint = check_distribution(np.asarray(joint, dtype=float).ravel(), "joint").reshape(np.shape(joint))
    conditionals = []
    for i in range(joint.ndim):
        prefix_i = joint.sum(axis=tuple(range(i + 1, joint.ndim)))            # p(x_1..x_i)
        prefix = prefix_i.sum(axis=-1, keepdims=True)                         # p(x_1..x_{i-1})
        uniform = np.full_like(prefix_i, 1.0 / prefix_i.shape[-1])
        conditionals.append(np.divide(prefix_i, prefix, out=uniform, where=prefix > 0))
    return conditionals


def joint_from_conditionals(conditionals) -> np.ndarray:
    """Multiply chain-rule factors back into the joint table: Π_i p(x_i | x_<i)."""
    if not conditionals:
        raise ValueError("need at least one conditional table")
    joint = check_distribution(conditionals[0], "conditionals[0]")
    for i, cond in enumerate(conditionals[1:], start=1):
        cond = check_distribution(cond, f"conditionals[{i}]")
        if cond.shape[:-1] != joint.shape:
            raise ValueError(f"conditionals[{i}] must have shape {joint.shape} + (K,), got {cond.shape}")
        joint = joint[..., None] * cond
    return joint


def sequence_log_prob(conditionals, sequence) -> float:
    """log p(x) = Σ_i log p(x_i | x_<i) for one sequence of category indices."""
    sequence = tuple(int(s) for s in sequence)
    if len(sequence) != len(conditionals):
        raise ValueError(f"sequence has {len(sequence)} symbols but there are {len(conditionals)} factors")
    total = 0.0
    for i, cond in enumerate(conditionals):
        if not 0 <= sequence[i] < cond.shape[-1]:
            raise ValueError(f"symbol {sequence[i]} at position {i} is outside 0..{cond.shape[-1] - 1}")
        total += float(np.log(cond[sequence[: i + 1]]))
    return total


# --------------------------------------------------------------------------- entropy, CE, KL
def entropy(p) -> float:
    """H(p) = -Σ p log p (nats)."""
    p = check_distribution(p)
    return float(special.entr(p).sum())


def cross_entropy(p, q) -> float:
    """H(p, q) = -Σ p log q (nats); +inf where q = 0 < p."""
    p = check_distribution(p)
    q = check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    with np.errstate(divide="ignore"):
        return float(-special.xlogy(p, q).sum())


def kl_divergence(p, q) -> float:
    """KL(p || q) = Σ p log(p / q) (nats); equals H(p, q) - H(p)."""
    p = check_distribution(p)
    q = check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return float(special.rel_entr(p, q).sum())


def empirical_distribution(samples, num_categories: int) -> np.ndarray:
    """p̂: the frequencies of the integer ``samples`` in 0..num_categories-1."""
    samples = np.asarray(samples)
    if samples.size == 0:
        raise ValueError("need at least one sample")
    if not np.issubdtype(samples.dtype, np.integer) or samples.min() < 0 or samples.max() >= num_categories:
        raise ValueError(f"samples must be integers in 0..{num_categories - 1}")
    return np.bincount(samples.ravel(), minlength=num_categories) / samples.size


def average_nll(q, samples) -> float:
    """-(1/N) Σ_n log q(x_n): the average negative log-likelihood of ``samples`` under ``q``."""
    q = check_distribution(q, "q")
    samples = np.asarray(samples)
    if samples.size == 0 or not np.issubdtype(samples.dtype, np.integer):
        raise ValueError("samples must be a non-empty array of integer categories")
    with np.errstate(divide="ignore"):
        return float(-np.log(q[samples.ravel()]).mean())


def fit_categorical_by_gradient(samples, num_categories: int, steps: int = 500, lr: float = 1.0
                                ) -> tuple[np.ndarray, list[float]]:
    """Maximum likelihood by gradient descent on softmax logits.

    Minimises the average NLL of ``samples`` under q = softmax(logits); its gradient with respect
    to the logits is q - p̂, so the optimum is q = p̂. Returns (q, NLL after each step).
    """
    p_hat = empirical_distribution(samples, num_categories)
    logits = np.zeros(num_categories)
    history = []
    for _ in range(steps):
        q = special.softmax(logits)
        history.append(float(-special.xlogy(p_hat, q).sum()))
        logits -= lr * (q - p_hat)
    return special.softmax(logits), history


# --------------------------------------------------------------------------- perplexity
def perplexity(log_probs) -> float:
    """exp(-mean log p(x_t | x_<t)) for per-token log-probabilities (nats): the effective branching factor."""
    log_probs = np.asarray(log_probs, dtype=float)
    if log_probs.size == 0:
        raise ValueError("need at least one log-probability")
    if np.any(log_probs > 0):
        raise ValueError("log-probabilities must be ≤ 0 (did you pass probabilities or NLLs?)")
    return float(np.exp(-log_probs.mean()))


def stationary_distribution(transition) -> np.ndarray:
    """π with π P = π for a row-stochastic matrix P [K, K] (the eigenvector of eigenvalue 1)."""
    transition = check_distribution(transition, "transition")
    if transition.ndim != 2 or transition.shape[0] != transition.shape[1]:
        raise ValueError(f"transition must be a square K x K matrix, got shape {transition.shape}")
    values, vectors = np.linalg.eig(transition.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return pi / pi.sum()


def entropy_rate(transition) -> float:
    """H = Σ_i π_i H(P[i]) (nats per symbol) of a stationary Markov chain; exp(H) is the best perplexity."""
    pi = stationary_distribution(transition)
    return float(pi @ special.entr(np.asarray(transition, dtype=float)).sum(axis=1))


def sample_markov_chain(transition, n: int, seed=0) -> np.ndarray:
    """``n`` symbols of the chain started from its stationary distribution: int array [n]."""
    transition = check_distribution(transition, "transition")
    pi = stationary_distribution(transition)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cumulative = np.cumsum(transition, axis=1)
    uniforms = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    out[0] = min(np.searchsorted(np.cumsum(pi), uniforms[0], side="right"), len(pi) - 1)
    for t in range(1, n):
        out[t] = min(np.searchsorted(cumulative[out[t - 1]], uniforms[t], side="right"), len(pi) - 1)
    return out


def markov_log_probs(transition, sequence) -> np.ndarray:
    """log p(x_t | x_{t-1}) for t = 1..n-1 under the chain (the first symbol is not scored): [n-1]."""
    transition = check_distribution(transition, "transition")
    sequence = np.asarray(sequence)
    if sequence.ndim != 1 or len(sequence) < 2:
        raise ValueError("sequence must be a 1-D array of at least 2 symbols")
    with np.errstate(divide="ignore"):
        return np.log(transition[sequence[:-1], sequence[1:]])
