"""Tests of the probabilistic grammar with an exact entropy rate (book_utils.arm.grammar)."""

from __future__ import annotations

import math

import pytest

from book_utils.arm.grammar import CharGrammar, GrammarError


def _h(p):
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def test_entropy_rate_matches_hand_computed_values():
    assert abs(CharGrammar({"S": [("a", 0.5, "S"), ("b", 0.5, "S")]}).entropy_rate() - 1.0) < 1e-12
    assert abs(CharGrammar({"S": [("ab", 1.0, "S")]}).entropy_rate()) < 1e-12
    p = 0.3   # "a" or "bc": h(p) bits per choice, 2 - p characters per choice
    rate = CharGrammar({"S": [("a", p, "S"), ("bc", 1 - p, "S")]}).entropy_rate()
    assert abs(rate - _h(p) / (2 - p)) < 1e-12
    # shared prefixes inside a trie: "ab" / "ac" / "d" -> the first character carries all the choice
    g = CharGrammar({"S": [("ab", 0.25, "S"), ("ac", 0.25, "S"), ("d", 0.5, "S")]})
    assert abs(g.entropy_rate() - 1.5 / 1.5) < 1e-12


def test_toy_grammar_exact_rate_agrees_with_word_level_and_monte_carlo():
    g = CharGrammar()
    exact = g.entropy_rate()
    assert abs(exact - g.word_level_entropy_rate()) < 1e-10
    assert abs(g.monte_carlo_entropy(100_000, seed=1) - exact) < 0.01
    assert 0.2 < exact < 0.5


def test_sampled_sentences_are_accepted_and_errors_are_clear():
    g = CharGrammar()
    text = g.sample(2000, seed=0)
    assert g.sample(2000, seed=0) == text and g.sample(2000, seed=1) != text
    sentences = text.split("\n")[:-1]
    assert sentences and all(g.accepts(s) for s in sentences)
    assert not g.accepts("the cat see a fish.")           # agreement broken
    assert not g.accepts("the cat sees a fish")           # no full stop
    with pytest.raises(GrammarError, match="'z' at position 4"):
        g.log_prob("the zebra")
    with pytest.raises(GrammarError, match="sum to 1"):
        CharGrammar({"S": [("a", 0.5, "S")]})
    with pytest.raises(GrammarError, match="prefix-free"):
        CharGrammar({"S": [("a", 0.5, "S"), ("ab", 0.5, "S")]})
    with pytest.raises(GrammarError, match="unknown state"):
        CharGrammar({"S": [("a", 1.0, "T")]})
