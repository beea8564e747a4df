"""book_utils.apps.bias (Section 8.2.2) and book_utils.metrics.cost (Section 8.2.3): NumPy only, fast."""

import json

import numpy as np
import pytest

from book_utils.apps import bias
from book_utils.metrics import cost


def test_subsample_class_keeps_share_of_one_class_only():
    labels = np.repeat(np.arange(10), 50)
    idx = bias.subsample_class(labels, 3, 0.1, seed=0)
    kept = labels[idx]
    assert (kept == 3).sum() == 5
    assert all((kept == c).sum() == 50 for c in range(10) if c != 3)
    assert len(np.unique(idx)) == len(idx)
    with pytest.raises(ValueError):
        bias.subsample_class(labels, 3, 0.0)


def test_class_shares_and_tv_distance():
    shares = bias.class_shares([0, 0, 1, 3], 4)
    np.testing.assert_allclose(shares, [0.5, 0.25, 0, 0.25])
    assert bias.tv_distance(shares, shares) == 0.0
    assert bias.tv_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert bias.tv_distance([0.5, 0.5], [0.7, 0.3]) == pytest.approx(0.2)


def test_bootstrap_share_covers_the_share():
    pred = np.array([1] * 30 + [0] * 270)
    low, high = bias.bootstrap_share(pred, 1, seed=0)
    assert low < 0.1 < high and high - low < 0.08


def test_oversample_matches_target_and_repeats_evenly():
    labels = np.array([0] * 90 + [1] * 10)
    idx = bias.oversample(labels, [0.5, 0.5], seed=0)
    assert len(idx) == 100
    np.testing.assert_allclose(bias.class_shares(labels[idx], 2), [0.5, 0.5])
    counts = np.bincount(idx[labels[idx] == 1], minlength=100)[90:]
    assert counts.min() == counts.max() == 5          # every minority example five times
    assert len(np.unique(idx[labels[idx] == 0])) == 50  # the majority is not repeated


def test_labels_for_proportions():
    labels = bias.labels_for(1000, [0.1, 0.3, 0.6], seed=0)
    np.testing.assert_array_equal(np.bincount(labels), [100, 300, 600])


def test_training_flops_and_published():
    assert cost.training_flops(10, 100) == 6000
    gpt3 = cost.PUBLISHED[0]
    # Brown et al. 2020 report 3.14e23 FLOPs; 6ND gives 3.15e23
    assert cost.training_flops(gpt3["parameters"], gpt3["tokens"]) == pytest.approx(gpt3["flops"], rel=0.01)


def test_matmul_rate_is_plausible():
    rate = cost.matmul_flops_per_second(n=128, repeats=2)
    assert 1e7 < rate < 1e14


def test_run_cost_reads_a_run_directory(tmp_path):
    run = tmp_path / "vae"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"format": 2, "model": "vae", "config": {"epochs": 3},
                                              "data": {"kind": "images", "name": "digits"}}))
    (run / "metrics.json").write_text(json.dumps({"epochs": 3, "parameters": 100, "train_cpu_seconds": 2.5,
                                                  "test_nll": 20.0, "test_nll_kind": "bound"}))
    np.save(run / "samples.npy", np.zeros((4, 8, 8), dtype=np.float32))
    row = cost.run_cost(run, n_train=10)
    assert (row["model"], row["parameters"], row["epochs"], row["cpu_seconds"]) == ("vae", 100, 3, 2.5)
    assert row["examples"] == 30 and row["flops"] == 6 * 100 * 30
    with pytest.raises(FileNotFoundError):
        cost.run_cost(tmp_path / "missing")
