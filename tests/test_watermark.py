"""The green-list watermark (book_utils.apps.watermark): lists, sampling, z-score, cost."""

import numpy as np
import pytest
import torch

from book_utils.apps import watermark as wm


def test_green_lists_are_keyed_and_sized():
    g = wm.green_lists(40, 0.25, key=1)
    assert g.shape == (40, 40) and (g.sum(1) == 10).all()
    assert (g == wm.green_lists(40, 0.25, key=1)).all() and (g != wm.green_lists(40, 0.25, key=2)).any()
    assert len({row.tobytes() for row in g}) > 30          # each previous token has its own list
    with pytest.raises(ValueError):
        wm.green_lists(10, 1.0)


class Uniform(torch.nn.Module):
    """Every next token equally likely: (B, T) -> (B, T, V) zeros."""

    def __init__(self, v):
        super().__init__()
        self.v = v

    def forward(self, ids, cache=None):
        return torch.zeros(ids.shape[0], ids.shape[1], self.v), cache


def test_watermark_is_detected_and_plain_text_is_not():
    v, gamma = 50, 0.5
    greens = wm.green_lists(v, gamma)
    model, prompts = Uniform(v), torch.zeros(200, 1, dtype=torch.long)
    marked, log2p = wm.sample(model, prompts, 200, greens, delta=2.0, seed=0)
    plain, _ = wm.sample(model, prompts, 200, None, seed=1)
    assert marked.shape == (200, 200) and np.allclose(log2p, -np.log2(v))
    share = wm.green_flags(marked, np.zeros(200, int), greens).mean()
    expected = np.exp(2) / (np.exp(2) + 1)                 # uniform model: e^delta / (e^delta + 1)
    assert abs(share - expected) < 0.02
    z_marked = wm.z_score(marked, np.zeros(200, int), greens, gamma, ignore_repeats=False)
    z_plain = wm.z_score(plain, np.zeros(200, int), greens, gamma, ignore_repeats=False)
    assert (z_marked > 4).all() and (z_plain > 4).mean() < 0.02
    assert abs(z_plain.mean()) < 0.3 and 0.8 < z_plain.std() < 1.2     # about N(0, 1)


def test_repeats_inflate_z_unless_ignored():
    greens = wm.green_lists(10, 0.5)
    token = next(t for t in range(10) if greens[t, t])     # a token that is green after itself
    run = np.full((1, 100), token)
    assert wm.z_score(run, [token], greens, 0.5, ignore_repeats=False)[0] == pytest.approx(10.0)
    assert wm.z_score(run, [token], greens, 0.5, ignore_repeats=True)[0] == pytest.approx(1.0)
    assert wm.distinct_pairs(run, [token], 10)[0] == 1
    assert wm.distinct_pairs([[1, 2, 1, 2, 1]], [2], 10)[0] == 2          # (2, 1) and (1, 2)


def test_expected_cost():
    greens = wm.green_lists(20, 0.5)
    logits = torch.zeros(4, 20)
    assert wm.expected_cost_bits(logits, torch.zeros(4, dtype=torch.long), greens, 0.0) == pytest.approx(0.0)
    cost = wm.expected_cost_bits(logits, torch.zeros(4, dtype=torch.long), greens, 2.0)
    q = np.exp(2) / (np.exp(2) + 1)                        # on the green half, uniform within halves
    kl = q * np.log2(q / 0.5) + (1 - q) * np.log2((1 - q) / 0.5)
    assert cost == pytest.approx(kl, abs=1e-5)
