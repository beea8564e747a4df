"""Measuring generated text: diversity, repetition, likelihood under another model, copying.

Pure Python and NumPy. The word-level measures split on white space:

- :func:`distinct_n`: distinct n-grams / all n-grams of a text (Li et al. 2016, "A Diversity-Promoting
  Objective Function for Neural Conversation Models"), 1 when no n-gram repeats;
- :func:`repeated_ngram_rate`: the share of n-grams that already occurred earlier in the same text
  (Welleck et al. 2020 measure repetition the same way), 0 for text that never repeats itself;
- :func:`longest_shared_span`: the longest run of characters that also occurs in a reference text
  (the training text: how much a model copies);
- :func:`ngram_bits_per_char`: bits per character that an independent n-gram model (Section 2.3) gives a
  text, a judge of fluency that did not produce it.
"""

from __future__ import annotations

from book_utils.arm.text import cross_entropy_bits


def _ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    words = text.split()
    return list(zip(*(words[i:] for i in range(n))))


def distinct_n(text: str, n: int = 2) -> float:
    """Distinct word n-grams / word n-grams in ``text`` (nan when it has no n-gram)."""
    grams = _ngrams(text, n)
    return len(set(grams)) / len(grams) if grams else float("nan")


def repeated_ngram_rate(text: str, n: int = 4) -> float:
    """Share of the word n-grams of ``text`` that occurred earlier in it (nan when it has no n-gram)."""
    grams = _ngrams(text, n)
    if not grams:
        return float("nan")
    seen, repeats = set(), 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)


def longest_shared_span(text: str, reference: str) -> int:
    """Length in characters of the longest substring of ``text`` that occurs in ``reference``.

    One left-to-right pass: at each start only a match longer than the best so far is tried, so
    at most 2 len(text) substring searches of ``reference`` are made.
    """
    best = 0
    for start in range(len(text)):
        while start + best < len(text) and text[start:start + best + 1] in reference:
            best += 1
    return best


def ngram_bits_per_char(model, encode, text: str) -> float:
    """Average -log2 p(character | previous n-1 characters of ``text``) under a fitted
    :class:`~book_utils.arm.text.NGramModel` over characters; ``encode``: str -> ids of its vocabulary."""
    return cross_entropy_bits(model, encode(text))
