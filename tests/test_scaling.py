"""Tests of the scaling study (book_utils.arm.scaling): the power-law fit recovers known parameters,
the bootstrap interval covers the truth, the extrapolation from smaller models, the compute frontier,
the parameter and FLOP counts, and a tiny grid on the book's grammar whose loss falls with size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from book_utils.arm.charmodel import CharVocab
from book_utils.arm.grammar import CharGrammar
from book_utils.arm.scaling import (
    ModelSize,
    attention_share,
    bootstrap_exponent,
    compute_frontier,
    equal_compute_pairs,
    fit_power_law,
    loss_at_compute,
    non_embedding_parameters,
    power_law,
    predict_from_smaller,
    select,
    train_grid,
    training_flops,
)
from book_utils.arm.transformer import TransformerConfig, TransformerLM

TRUE = {"a": 40.0, "alpha": 0.35, "c": 1.2}
N = np.array([3e3, 7e3, 1.5e4, 3e4, 6e4, 1.2e5, 2.5e5])


def test_the_fit_recovers_known_parameters_from_exact_points():
    fit = fit_power_law(N, power_law(N, **TRUE))
    assert fit["alpha"] == pytest.approx(TRUE["alpha"], rel=1e-3)
    assert fit["a"] == pytest.approx(TRUE["a"], rel=1e-2)
    assert fit["c"] == pytest.approx(TRUE["c"], abs=1e-3)


def test_the_fit_recovers_them_from_noisy_points_and_its_units_are_those_of_n():
    rng = np.random.default_rng(1)
    loss = power_law(N, **TRUE) + rng.normal(0, 0.005, len(N))
    fit = fit_power_law(N, loss)
    assert abs(fit["alpha"] - TRUE["alpha"]) < 0.05 and abs(fit["c"] - TRUE["c"]) < 0.05
    assert np.max(np.abs(power_law(N, fit["a"], fit["alpha"], fit["c"]) - loss)) < 0.02
    scaled = fit_power_law(N * 1000, loss)                 # same curve in other units of N: a absorbs them
    assert scaled["alpha"] == pytest.approx(fit["alpha"], rel=1e-3)
    assert scaled["a"] == pytest.approx(fit["a"] * 1000 ** fit["alpha"], rel=1e-2)


def test_the_fit_refuses_too_few_sizes():
    with pytest.raises(ValueError, match="at least 3 distinct"):
        fit_power_law([1e3, 1e3, 2e3], [3.0, 3.0, 2.5])


def test_the_bootstrap_interval_contains_the_truth_and_narrows_with_less_noise():
    rng = np.random.default_rng(0)
    n = np.geomspace(3e3, 3e5, 8)
    widths = {}
    for noise in (0.003, 0.03):
        loss = power_law(n, **TRUE) + rng.normal(0, noise, len(n))
        boot = bootstrap_exponent(n, loss, n_boot=200, seed=0)
        assert boot["low"] <= TRUE["alpha"] <= boot["high"], (noise, boot["low"], boot["high"])
        assert boot["low"] <= boot["alpha"] <= boot["high"] and len(boot["alphas"]) == 200
        widths[noise] = boot["high"] - boot["low"]
    assert widths[0.003] < widths[0.03]


def test_the_prediction_from_smaller_models_extrapolates_a_true_power_law():
    loss = power_law(N, **TRUE)
    shuffled = np.random.default_rng(0).permutation(len(N))
    out = predict_from_smaller(N[shuffled], loss[shuffled])          # the order of the points does not matter
    assert out["n"] == N.max()
    assert out["error"] == pytest.approx(0.0, abs=1e-3)
    assert out["naive_error"] == pytest.approx(loss[-2] - loss[-1])
    assert out["naive_error"] > 0.01
    bent = loss.copy()
    bent[-1] -= 0.2                                             # the largest model beats the trend
    assert predict_from_smaller(N, bent)["error"] == pytest.approx(0.2, abs=1e-3)


def test_the_compute_frontier_is_the_lower_envelope():
    flops = np.array([1, 2, 3, 2, 4, 6, 8])
    loss = np.array([5.0, 4.0, 3.5, 4.5, 3.0, 3.2, 2.9])
    assert compute_frontier(flops, loss).tolist() == [0, 1, 2, 4, 6]


def test_non_embedding_parameters_and_flops():
    config = TransformerConfig(vocab_size=50, context=32, d_model=16, heads=4, layers=2)
    model = TransformerLM(config)
    embeddings = model.tokens.weight.numel() + model.positions.weight.numel()
    assert non_embedding_parameters(config) == sum(p.numel() for p in model.parameters()) - embeddings
    assert non_embedding_parameters(config) == 2 * (12 * 16 ** 2 + 13 * 16) + 2 * 16
    assert training_flops(1000, 2000) == 6 * 1000 * 2000
    assert 0 < attention_share(config) < 1
    wide = TransformerConfig(vocab_size=50, context=32, d_model=256, heads=4, layers=2)
    assert attention_share(wide) < attention_share(config)      # 6 N D is closer for wider models


def test_a_tiny_grid_trains_and_its_loss_falls_with_size():
    torch.set_num_threads(1)
    text = CharGrammar().sample(20_000, seed=0)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    train, heldout = ids[:18_000], ids[18_000:19_000]
    sizes = [ModelSize(4, 1, heads=1), ModelSize(32, 1)]
    seen = []
    rows = train_grid(train, heldout, len(vocab), sizes, [20, 80], context=16, batch=8, lr=1e-2, warmup=5,
                      log=seen.append)
    assert len(rows) == 4 and seen == rows
    assert [r["steps"] for r in rows] == [20, 80, 20, 80]
    assert all(r["tokens"] == r["steps"] * 8 * 16 for r in rows)
    small, large = (select(rows, d_model=d, steps=80)[0] for d in (4, 32))
    assert large["n_params"] > 10 * small["n_params"]
    assert large["bits"] < small["bits"] - 0.2, (small["bits"], large["bits"])
    assert all(r["bits"] < np.log2(len(vocab)) for r in rows)         # everything beats uniform guessing
    first, last = select(rows, d_model=32)
    assert last["bits"] < first["bits"]                               # more data helps


def test_loss_at_compute_interpolates_in_log_log_and_refuses_to_extrapolate():
    flops, loss = [1e9, 1e10, 1e11], [4.0, 2.0, 1.0]               # a power law: halving per decade
    assert float(loss_at_compute(flops, loss, 10 ** 9.5)) == pytest.approx(np.sqrt(8.0))
    assert np.isnan(loss_at_compute(flops, loss, 1e8)) and np.isnan(loss_at_compute(flops, loss, 1e12))


def test_equal_compute_pairs_compare_a_larger_model_with_a_smaller_one_trained_longer():
    curves = [(100, [(1000, 4.0), (4000, 3.0), (16000, 2.5)]), (400, [(1000, 3.5), (4000, 2.0)])]
    rows = [{"n_params": n, "tokens": d, "flops": 6.0 * n * d, "bits": b}
            for n, curve in curves for d, b in curve]
    pairs = equal_compute_pairs(rows)
    assert len(pairs) == 2                                       # the larger model's two points lie in range
    first = pairs[0]
    assert (first["n_large"], first["n_small"], first["tokens_large"]) == (400, 100, 1000)
    assert first["tokens_small"] == pytest.approx(4000) and first["bits_small"] == pytest.approx(3.0)
    assert pairs[1]["bits_small"] == pytest.approx(2.5) and pairs[1]["bits_large"] == 2.0
