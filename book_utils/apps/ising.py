"""The two-dimensional Ising model: Markov chain Monte Carlo samples, observables, exact results (NumPy only).

Spins s_i in {-1, +1} on an L x L periodic square lattice, energy H(s) = -sum_<ij> s_i s_j over
nearest-neighbour pairs (J = 1, k_B = 1), Boltzmann distribution p(s) = exp(-H(s) / T) / Z.
Onsager (1944) solved the infinite lattice: the critical temperature is T_c = 2 / ln(1 + sqrt 2)
and the spontaneous magnetisation below it is m(T) = (1 - sinh(2 / T)^-4)^(1/8) (Yang 1952).
Section 6.3 trains a temperature-conditioned MADE on these samples as a surrogate sampler.
"""

from __future__ import annotations

import math

import numpy as np

T_CRITICAL = 2.0 / math.log(1.0 + math.sqrt(2.0))


def energy(spins: np.ndarray) -> np.ndarray:
    """(N, L, L) spins in {-1, +1} -> (N,) energy per spin, -sum_<ij> s_i s_j / L^2 (periodic)."""
    s = np.asarray(spins, dtype=np.float64)
    bonds = s * np.roll(s, 1, axis=1) + s * np.roll(s, 1, axis=2)
    return -bonds.sum(axis=(1, 2)) / (s.shape[1] * s.shape[2])


def magnetisation(spins: np.ndarray) -> np.ndarray:
    """(N, L, L) spins -> (N,) magnetisation per spin, mean of s_i, in [-1, 1]."""
    return np.asarray(spins, dtype=np.float64).mean(axis=(1, 2))


def onsager_magnetisation(temperature) -> np.ndarray:
    """Onsager-Yang magnetisation of the infinite lattice: (1 - sinh(2/T)^-4)^(1/8) below T_c, 0 above."""
    t = np.asarray(temperature, dtype=np.float64)
    inner = 1.0 - np.sinh(2.0 / t) ** -4.0
    return np.where(t < T_CRITICAL, np.clip(inner, 0.0, None) ** 0.125, 0.0)


def metropolis_sweeps(spins: np.ndarray, temperature: float, sweeps: int, rng: np.random.Generator
                      ) -> np.ndarray:
    """Run ``sweeps`` checkerboard Metropolis sweeps on a batch of independent chains, in place.

    spins: (C, L, L) int8 in {-1, +1}, L even. A sweep updates the two sublattices of the
    checkerboard in turn; within one sublattice no two spins are neighbours, so all of them
    flip at once with the Metropolis probability min(1, exp(-dE / T)) (Metropolis et al. 1953).
    Returns ``spins``.
    """
    c, height, width = spins.shape
    if height % 2 or width % 2:
        raise ValueError(f"the checkerboard update needs an even lattice, got {height} x {width}")
    parity = (np.add.outer(np.arange(height), np.arange(width)) % 2).astype(bool)
    accept_table = {de: math.exp(-de / temperature) for de in (4, 8)}   # dE = 2 s h, h in {0, +-2, +-4}
    for _ in range(int(sweeps)):
        for sub in (parity, ~parity):
            field = (np.roll(spins, 1, 1) + np.roll(spins, -1, 1) + np.roll(spins, 1, 2)
                     + np.roll(spins, -1, 2))
            delta = 2 * spins * field                                     # energy change of a flip
            prob = np.where(delta <= 0, 1.0, np.where(delta == 4, accept_table[4], accept_table[8]))
            flip = (rng.random(spins.shape) < prob) & sub
            spins[flip] *= -1
    return spins


def sample_ising(size: int, temperature: float, n_chains: int, n_per_chain: int, burn_in: int, thin: int,
                 seed: int = 0) -> np.ndarray:
    """Equilibrium samples at one temperature: (n_chains * n_per_chain, size, size) int8 spins.

    Each chain starts ordered with a random sign (so no chain is caught in a striped state at low T),
    runs ``burn_in`` sweeps, then keeps one configuration every ``thin`` sweeps.
    """
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=n_chains)
    spins = np.ones((n_chains, size, size), dtype=np.int8) * signs[:, None, None]
    metropolis_sweeps(spins, temperature, burn_in, rng)
    kept = []
    for _ in range(n_per_chain):
        metropolis_sweeps(spins, temperature, thin, rng)
        kept.append(spins.copy())
    return np.stack(kept, axis=1).reshape(-1, size, size)


def integrated_autocorrelation_time(series: np.ndarray, window: int = 5) -> float:
    """tau = 1 + 2 sum_t rho(t) of a (C, S) batch of chains (or one (S,) chain), in steps.

    The autocorrelation rho is averaged over the chains; the sum stops at the first lag
    t >= window * tau (Sokal 1997's automatic window). A chain of S steps holds about S / tau
    effectively independent samples.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    x = x - x.mean(axis=1, keepdims=True)
    n = x.shape[1]
    spectrum = np.fft.rfft(x, 2 * n)
    acov = np.fft.irfft(spectrum * np.conj(spectrum))[:, :n].mean(0)
    rho = acov / acov[0]
    tau = 1.0
    for t in range(1, n):
        tau += 2.0 * rho[t]
        if t >= window * tau:
            break
    return float(tau)


def spins_to_bits(spins: np.ndarray) -> np.ndarray:
    """(N, L, L) spins in {-1, +1} -> (N, L * L) float32 bits in {0, 1} (up = 1)."""
    s = np.asarray(spins)
    return (s.reshape(len(s), -1) > 0).astype(np.float32)


def bits_to_spins(bits: np.ndarray, size: int) -> np.ndarray:
    """(N, L * L) bits in {0, 1} -> (N, L, L) int8 spins in {-1, +1}."""
    b = np.asarray(bits)
    return (2 * (b.reshape(len(b), size, size) > 0.5) - 1).astype(np.int8)


def temperature_features(temperature) -> np.ndarray:
    """Temperatures (N,) -> (N, 3) conditioning features for a surrogate model.

    t = (T - T_c) / 0.5, then [t, t^2, tanh(4 t)]: smooth in T, with a steep feature at T_c
    where the lattice changes from ordered to disordered.
    """
    t = (np.asarray(temperature, dtype=np.float64).reshape(-1) - T_CRITICAL) / 0.5
    return np.stack([t, t ** 2, np.tanh(4.0 * t)], axis=1).astype(np.float32)
