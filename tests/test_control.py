"""Tests of controlled generation on the grammar (book_utils.arm.control)."""

from __future__ import annotations

import pytest

from book_utils.arm.control import (
    control_success,
    controlled_corpus,
    line_control,
    parse_words,
    subject_numbers,
)
from book_utils.arm.grammar import CharGrammar, GrammarError


def test_parse_and_subject_numbers():
    steps = parse_words("the cats see a fish.")
    assert [w for _, w, _ in steps] == ["the ", "cats ", "see ", "a ", "fish", ".\n"]
    assert subject_numbers("a dog sleeps and the cats like the cake.") == ["S", "P"]
    assert line_control("a dog sleeps and the cat likes the cake.") == "S"
    assert line_control("the dogs sleep.") == "P"
    assert line_control("a dog sleeps and the cats sleep.") is None
    for bad in ("the cats sees a fish.", "a cats sleep.", "the dog sleeps", "the dog sleeps. x"):
        with pytest.raises(GrammarError):
            parse_words(bad)


def test_parser_agrees_with_the_character_grammar():
    grammar = CharGrammar()
    lines = grammar.sample(5000, seed=1).split("\n")[:-1]
    assert len(lines) > 50
    for line in lines:
        assert grammar.accepts(line)
        parse_words(line)                        # raises if the word-level parser disagrees


def test_controlled_corpus_labels_every_line_truthfully():
    corpus = controlled_corpus(CharGrammar(), 20_000, seed=0)
    assert corpus.startswith("\n") and corpus.endswith("\n")
    lines = corpus.strip("\n").split("\n")
    assert {line[0] for line in lines} == {"S", "P"}
    assert all(line_control(line[1:]) == line[0] for line in lines)
    assert controlled_corpus(CharGrammar(), 20_000, seed=0) == corpus


def test_control_success_counts_parse_failures_as_failures():
    lines = ["the cats see a fish.", "the cat sees a fish.", "the cats sees",
             "a dog sleeps and the cats sleep."]
    assert control_success(lines, "P") == pytest.approx(1 / 4)
    assert control_success(lines, "S") == pytest.approx(1 / 4)
    with pytest.raises(ValueError):
        control_success(lines, "X")
    with pytest.raises(ValueError):
        control_success([], "S")
