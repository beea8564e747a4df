"""Tests of the tokenizer-cost measurements (book_utils.arm.tokens)."""

from __future__ import annotations

import json

import pytest

from book_utils.arm.text import BytePairTokenizer
from book_utils.arm.tokens import bilingual_titles, cost, first_merges

TEXT = "the theory of the thing: then there were three. " * 20


def test_first_merges_is_a_shorter_learning_run():
    full = BytePairTokenizer.learn(TEXT, 20)
    short = BytePairTokenizer.learn(TEXT, 7)
    cut = first_merges(full, 256 + 7)
    assert cut.merges == short.merges and cut.vocab_size == 263
    assert cut.encode(TEXT) == short.encode(TEXT)
    with pytest.raises(ValueError):
        first_merges(full, 255)
    with pytest.raises(ValueError):
        first_merges(full, full.vocab_size + 1)


def test_cost_of_bytes_and_of_chinese():
    raw = BytePairTokenizer([])
    assert cost(raw, "abc") == {"bytes_per_token": 1.0, "tokens_per_char": 1.0, "bytes_per_char": 1.0}
    assert cost(raw, "生成模型")["tokens_per_char"] == 3.0            # three UTF-8 bytes per character
    learned = BytePairTokenizer.learn(TEXT, 30)
    english = cost(learned, TEXT)
    assert english["bytes_per_token"] > 2.0 and english["tokens_per_char"] < 0.5
    assert cost(learned, "生成模型")["bytes_per_token"] == 1.0       # no merge for bytes never seen
    with pytest.raises(ValueError):
        cost(raw, "")


def test_bilingual_titles(tmp_path):
    def notebook(path, first):
        path.parent.mkdir(parents=True, exist_ok=True)
        cells = [{"cell_type": "markdown", "source": [first]}]
        path.write_text(json.dumps({"cells": cells}), encoding="utf-8")

    notebook(tmp_path / "b" / "02.ipynb", "# 2.1 Deep learning · 深度学习\n\nText.")
    notebook(tmp_path / "a" / "01.ipynb", "# 1.1 The evolution of AI · 人工智能的演进")
    notebook(tmp_path / "c.ipynb", "# Notes without a Chinese title")
    assert bilingual_titles(tmp_path) == [("The evolution of AI", "人工智能的演进"),
                                          ("Deep learning", "深度学习")]
