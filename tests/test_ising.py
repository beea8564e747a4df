"""The Ising sampler and observables (book_utils.apps.ising) and the conditional MADE it trains (6.3)."""

import itertools
import math

import numpy as np
import pytest
import torch

from book_utils.apps import ising
from book_utils.apps.conditional import fit_made, log_prob
from book_utils.arm.made import MADE


def test_critical_temperature_and_onsager():
    assert ising.T_CRITICAL == pytest.approx(2.269185, abs=1e-6)
    m = ising.onsager_magnetisation([1.0, 2.0, 2.26, ising.T_CRITICAL, 3.0])
    assert m[0] == pytest.approx(0.99928, abs=1e-4) and m[1] == pytest.approx(0.91132, abs=1e-4)
    assert 0 < m[2] < m[1] and m[3] == 0 and m[4] == 0


def test_energy_and_magnetisation_of_known_states():
    up = np.ones((1, 4, 4), dtype=np.int8)
    checker = (2 * (np.add.outer(np.arange(4), np.arange(4)) % 2) - 1)[None].astype(np.int8)
    assert ising.energy(up)[0] == -2 and ising.magnetisation(up)[0] == 1
    assert ising.energy(checker)[0] == 2 and ising.magnetisation(checker)[0] == 0
    assert ising.energy(-up)[0] == -2 and ising.magnetisation(-up)[0] == -1


@pytest.mark.parametrize("temperature", [2.0, 2.5])
def test_metropolis_matches_exact_enumeration_on_a_4x4_lattice(temperature):
    # all 2^16 states of a periodic 4 x 4 lattice, weighted exactly by exp(-H / T)
    states = np.array(list(itertools.product([-1, 1], repeat=16)), dtype=np.int8).reshape(-1, 4, 4)
    e = ising.energy(states) * 16
    weights = np.exp(-(e - e.min()) / temperature)
    exact_abs_m = float((np.abs(ising.magnetisation(states)) * weights).sum() / weights.sum())
    exact_e = float((ising.energy(states) * weights).sum() / weights.sum())
    samples = ising.sample_ising(4, temperature, n_chains=400, n_per_chain=20, burn_in=100, thin=5, seed=0)
    assert np.abs(ising.magnetisation(samples)).mean() == pytest.approx(exact_abs_m, abs=0.015)
    assert ising.energy(samples).mean() == pytest.approx(exact_e, abs=0.02)


def test_sampler_is_ordered_below_and_disordered_above_tc_and_refuses_odd_lattices():
    cold = ising.sample_ising(8, 1.5, n_chains=50, n_per_chain=2, burn_in=50, thin=5, seed=1)
    hot = ising.sample_ising(8, 5.0, n_chains=50, n_per_chain=2, burn_in=50, thin=5, seed=1)
    assert cold.shape == (100, 8, 8) and cold.dtype == np.int8
    assert np.abs(ising.magnetisation(cold)).mean() > 0.95 and np.abs(ising.magnetisation(hot)).mean() < 0.3
    with pytest.raises(ValueError, match="even"):
        ising.metropolis_sweeps(np.ones((1, 3, 3), dtype=np.int8), 2.0, 1, np.random.default_rng(0))


def test_autocorrelation_time_of_white_noise_and_of_an_ar1_chain():
    rng = np.random.default_rng(0)
    assert ising.integrated_autocorrelation_time(rng.normal(size=(20, 2000))) == pytest.approx(1.0, abs=0.15)
    phi = 0.8                                                  # AR(1): tau = (1 + phi) / (1 - phi) = 9
    x = np.zeros((20, 5000))
    for t in range(1, 5000):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=20)
    assert ising.integrated_autocorrelation_time(x) == pytest.approx(9.0, rel=0.15)


def test_bits_round_trip_and_features():
    spins = ising.sample_ising(4, 2.0, 3, 1, 1, 1, seed=2)
    bits = ising.spins_to_bits(spins)
    assert bits.shape == (3, 16) and set(np.unique(bits)) <= {0.0, 1.0}
    assert np.array_equal(ising.bits_to_spins(bits, 4), spins)
    f = ising.temperature_features([ising.T_CRITICAL, 3.0])
    assert f.shape == (2, 3) and np.allclose(f[0], 0) and f[1, 0] > 0


def test_conditional_made_is_normalised_for_every_condition_and_unconditional_unchanged():
    torch.manual_seed(0)
    model = MADE(4, hidden=(8,), n_masks=2, seed=0, n_cond=3).eval()
    with torch.no_grad():
        model.cond_output.weight.normal_()
    images = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))
    totals = []
    for cond in ([0.0, 0.0, 0.0], [1.0, -2.0, 0.5]):
        with torch.no_grad():
            totals.append(float(model.log_prob(images, torch.tensor(cond)).exp().sum()))
    assert totals == pytest.approx([1.0, 1.0], abs=1e-5)
    with torch.no_grad():
        other = torch.tensor([1.0, -2.0, 0.5])
        differ = model.log_prob(images, torch.zeros(3)) - model.log_prob(images, other)
    assert differ.abs().max() > 1e-3                           # the condition changes the distribution
    with pytest.raises(ValueError, match="conditional"):
        model.log_prob(images)
    plain = MADE(4, hidden=(8,), seed=0)
    assert not any(name.startswith("cond") for name in plain.state_dict())
    with pytest.raises(ValueError, match="unconditional"):
        plain.log_prob(images, torch.zeros(3))


def test_fitted_conditional_made_learns_the_condition_and_samples_it():
    rng = np.random.default_rng(0)
    cond = rng.integers(0, 2, size=600)
    u = rng.random((600, 6))
    x = np.where(cond[:, None] == 1, u < 0.9, u < 0.1).astype(np.float32)
    features = np.eye(2, dtype=np.float32)[cond]
    model, history = fit_made(x, features, hidden=(16,), epochs=30, batch_size=64, lr=1e-2)
    assert history[-1] < history[0]
    ones = model.sample(400, seed=1, cond=np.array([0.0, 1.0])).numpy()
    zeros = model.sample(400, seed=1, cond=np.array([1.0, 0.0])).numpy()
    assert ones.mean() > 0.8 and zeros.mean() < 0.2
    nll = -log_prob(model, x, features).mean()
    entropy = 6 * -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))  # the true conditional entropy, nats
    assert nll < entropy + 0.3


def test_fit_made_without_a_condition_is_an_ordinary_made():
    x = (np.random.default_rng(1).random((200, 5)) < 0.3).astype(np.float32)
    model, history = fit_made(x, None, hidden=(8,), epochs=3, batch_size=50)
    assert model.n_cond == 0 and len(history) == 3 and log_prob(model, x).shape == (200,)
    with pytest.raises(ValueError, match="same N"):
        fit_made(x, np.zeros((10, 2)), hidden=(8,), epochs=1)
