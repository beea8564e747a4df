"""Tests of the decoding strategies (book_utils.arm.decoding, the repetition penalty in
book_utils.arm.sampling) and of the text measurements (book_utils.arm.textstats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from book_utils.arm.decoding import Strategy, continue_ids
from book_utils.arm.sampling import penalize_repeats
from book_utils.arm.text import CharTokenizer, NGramModel
from book_utils.arm.textstats import distinct_n, longest_shared_span, ngram_bits_per_char, repeated_ngram_rate
from book_utils.arm.transformer import TransformerConfig, TransformerLM


def _model(seed=0):
    torch.manual_seed(seed)
    return TransformerLM(TransformerConfig(vocab_size=7, context=16, d_model=16, heads=2, layers=1)).eval()


class Table(torch.nn.Module):
    """A bigram 'model' with fixed logits: next token = (last + 1) % V is by far the most likely."""

    def __init__(self, v=5):
        super().__init__()
        self.logits = torch.full((v, v), -2.0)
        for i in range(v):
            self.logits[i, (i + 1) % v] = 3.0

    def forward(self, ids, state=None):
        return self.logits[ids], state


def test_penalty_lowers_only_seen_tokens():
    logits = torch.tensor([[2.0, -1.0, 0.5, 3.0]])
    out = penalize_repeats(logits, torch.tensor([[0, 1, 1]]), 2.0)
    assert torch.allclose(out, torch.tensor([[1.0, -2.0, 0.5, 3.0]]))
    assert torch.equal(penalize_repeats(logits, torch.tensor([[0]]), 1.0), logits)
    with pytest.raises(ValueError, match="penalty"):
        penalize_repeats(logits, torch.tensor([[0]]), 0.5)


def test_greedy_follows_the_argmax_and_the_penalty_breaks_a_loop():
    out = continue_ids(Table(), [[0], [3]], 6, Strategy(greedy=True))
    assert out.tolist() == [[1, 2, 3, 4, 0, 1], [4, 0, 1, 2, 3, 4]]
    model = Table()
    model.logits[2, 2] = 4.0                                      # 2 -> 2 -> 2 ... under greedy decoding
    assert continue_ids(model, [[2]], 4, Strategy(greedy=True)).tolist() == [[2, 2, 2, 2]]
    broken = continue_ids(model, [[2]], 4, Strategy(greedy=True, repetition_penalty=3.0, penalty_window=1))
    assert broken[0, 0] == 3


def test_sampling_is_seeded_and_shapes_hold():
    model = _model()
    prompts = np.array([[1, 2, 3], [4, 5, 6]])
    a = continue_ids(model, prompts, 40, Strategy(top_p=0.9), seed=3)
    assert a.shape == (2, 40) and a.dtype == np.int64 and a.min() >= 0 and a.max() < 7
    assert np.array_equal(a, continue_ids(model, prompts, 40, Strategy(top_p=0.9), seed=3))
    assert not np.array_equal(a, continue_ids(model, prompts, 40, Strategy(top_p=0.9), seed=4))
    assert continue_ids(model, prompts, 0).shape == (2, 0)
    with pytest.raises(ValueError, match="prompts"):
        continue_ids(model, [1, 2, 3], 4)
    with pytest.raises(ValueError, match="temperature"):
        Strategy(temperature=0)


def test_top_k_one_equals_greedy():
    model, prompts = _model(1), np.array([[1, 2], [3, 4]])
    assert np.array_equal(continue_ids(model, prompts, 30, Strategy(top_k=1), seed=0),
                          continue_ids(model, prompts, 30, Strategy(greedy=True)))


def test_diversity_measures():
    assert distinct_n("a b c d", 2) == 1.0
    assert distinct_n("a b a b a", 2) == pytest.approx(2 / 4)
    assert repeated_ngram_rate("a b c d e", 2) == 0.0
    assert repeated_ngram_rate("x y x y x y", 2) == pytest.approx(3 / 5)   # (x y) (y x) new, then 3 repeats
    assert math.isnan(distinct_n("one", 2)) and math.isnan(repeated_ngram_rate("a b", 4))
    with pytest.raises(ValueError):
        distinct_n("a b", 0)


def test_longest_shared_span_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(20):
        ref = "".join(rng.choice(list("abc"), 40))
        text = "".join(rng.choice(list("abc"), 15))
        brute = max((j - i for i in range(len(text)) for j in range(i, len(text) + 1) if text[i:j] in ref),
                    default=0)
        assert longest_shared_span(text, ref) == brute
    assert longest_shared_span("xyz", "abc") == 0 and longest_shared_span("", "abc") == 0


def test_ngram_bits_per_char_judges_familiar_text_as_likelier():
    train = "the cat sat on the mat. " * 50
    tok = CharTokenizer(train + "zqx")
    model = NGramModel(3, tok.vocab_size, smoothing="witten-bell").fit(tok.encode(train))
    assert ngram_bits_per_char(model, tok.encode, "the cat sat") < 1.0
    assert ngram_bits_per_char(model, tok.encode, "zqx tac") > 3.0
