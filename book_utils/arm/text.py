"""Text as tokens, and the simplest autoregressive model of it (Section 2.3).

* Tokenizers that turn a string into a list of integer ids and back:
  :class:`CharTokenizer` (one id per character), :class:`WordTokenizer` (words,
  punctuation and runs of white space) and :class:`BytePairTokenizer` (a
  byte-pair-encoding vocabulary learned from the text itself). All three
  round-trip: ``decode(encode(text)) == text``.
* :class:`NGramModel`: a count-based n-gram language model,
  p(x_t | x_{t-n+1} ... x_{t-1}), with add-k or Witten-Bell smoothing.
* :func:`cross_entropy_bits`, :func:`perplexity` and :func:`sample_tokens`:
  measure a model on held-out tokens and sample from it, one token at a time.

Everything is plain Python and NumPy; the numbers it gives are exact counts, so
they are the same on every machine.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np


class UnknownTokenError(ValueError):
    """The text holds a symbol the vocabulary does not know."""


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("the text is empty: a tokenizer needs some text to learn its vocabulary from")
    return text


def _check_ids(ids, vocab_size: int) -> list[int]:
    ids = list(ids)
    bad = [i for i in ids if not isinstance(i, (int, np.integer)) or not 0 <= i < vocab_size]
    if bad:
        raise UnknownTokenError(f"token ids must be integers in [0, {vocab_size}), got e.g. {bad[:5]}")
    return ids


class _VocabTokenizer:
    """Shared encode/decode for tokenizers whose tokens are strings in a fixed vocabulary."""

    vocab: list[str]

    def _index(self):
        self.token_to_id = {tok: i for i, tok in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def tokenize(self, text: str) -> list[str]:
        raise NotImplementedError

    def unknown(self, text: str) -> Counter:
        """Tokens of ``text`` that are not in the vocabulary, with their counts."""
        return Counter(tok for tok in self.tokenize(text) if tok not in self.token_to_id)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; raises UnknownTokenError naming unseen tokens."""
        try:
            return [self.token_to_id[tok] for tok in self.tokenize(text)]
        except KeyError:
            missing = self.unknown(text)
            raise UnknownTokenError(
                f"{sum(missing.values())} token(s) not in the vocabulary of {self.vocab_size}, e.g. "
                f"{[tok for tok, _ in missing.most_common(5)]}; fit the tokenizer on text that "
                "contains them") from None

    def decode(self, ids) -> str:
        """The text of a sequence of ids (the inverse of :meth:`encode`)."""
        return "".join(self.vocab[i] for i in _check_ids(ids, self.vocab_size))


class CharTokenizer(_VocabTokenizer):
    """One token per character; the vocabulary is the sorted set of characters seen."""

    def __init__(self, text: str):
        self.vocab = sorted(set(_check_text(text)))
        self._index()

    def tokenize(self, text: str) -> list[str]:
        return list(text)


WORD_PATTERN = re.compile(r"\w+|[^\w\s]|\s+")


class WordTokenizer(_VocabTokenizer):
    """Words, single punctuation marks and runs of white space (so nothing is lost).

    The vocabulary is every such token seen, most frequent first. Unlike
    characters, new text soon holds words never seen: see :meth:`unknown`.
    """

    def __init__(self, text: str):
        counts = Counter(self.tokenize(_check_text(text)))
        self.vocab = sorted(counts, key=lambda tok: (-counts[tok], tok))
        self._index()

    def tokenize(self, text: str) -> list[str]:
        return WORD_PATTERN.findall(text)


# GPT-2-style pre-tokenization: merges never cross a word boundary; a word keeps
# its leading space. The pieces concatenate back to the text exactly.
PRETOKEN_PATTERN = re.compile(r" ?\w+| ?[^\w\s]+|\s+")


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` in ``ids`` (left to right) by ``new_id``."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def pair_counts(words: dict[tuple[int, ...], int]) -> Counter:
    """How often each adjacent pair of ids occurs, over words {id tuple: count}."""
    counts = Counter()
    for ids, count in words.items():
        for pair in zip(ids, ids[1:]):
            counts[pair] += count
    return counts


class BytePairTokenizer:
    """Byte-pair encoding (Sennrich et al., 2016) over UTF-8 bytes, learned from a text.

    The vocabulary starts as the 256 byte values, so any text can be encoded
    (no unknown tokens). Learning repeats: count adjacent pairs of tokens inside
    each pre-token (a word with its leading space), merge the most frequent pair
    into a new token (ties: the smallest pair of ids). ``merges[i]`` is the pair
    merged into id 256 + i and ``merge_counts[i]`` how often it occurred then.
    """

    def __init__(self, merges: list[tuple[int, int]], merge_counts: list[int] | None = None):
        self.merges = [tuple(pair) for pair in merges]
        self.merge_counts = list(merge_counts or [])
        self.vocab = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            if not (0 <= a < len(self.vocab) and 0 <= b < len(self.vocab)):
                raise ValueError(f"merge {(a, b)} uses an id not defined before it")
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.ranks = {pair: 256 + i for i, pair in enumerate(self.merges)}
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def learn(cls, text: str, num_merges: int) -> BytePairTokenizer:
        """Learn up to ``num_merges`` merges from ``text`` (stops early when no pair occurs twice)."""
        _check_text(text)
        if not isinstance(num_merges, int) or num_merges < 0:
            raise ValueError(f"num_merges must be a non-negative integer, got {num_merges!r}")
        words = Counter(tuple(piece.encode("utf-8")) for piece in PRETOKEN_PATTERN.findall(text))
        merges, counts = [], []
        for step in range(num_merges):
            pairs = pair_counts(words)
            if not pairs:
                break
            best = min(pairs, key=lambda pair: (-pairs[pair], pair))
            if pairs[best] < 2:
                break
            merges.append(best)
            counts.append(pairs[best])
            new_id = 256 + step
            words = Counter({tuple(merge_pair(list(ids), best, new_id)) if best[0] in ids else ids: c
                             for ids, c in words.items()})
        return cls(merges, counts)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def token_text(self, token_id: int) -> str:
        """A readable form of one token (bytes that are not whole UTF-8 characters shown as escapes)."""
        return self.vocab[token_id].decode("utf-8", errors="backslashreplace")

    def _encode_piece(self, piece: str) -> list[int]:
        if piece not in self._cache:
            ids = list(piece.encode("utf-8"))
            while len(ids) > 1:
                pair = min(zip(ids, ids[1:]), key=lambda p: self.ranks.get(p, math.inf))
                if pair not in self.ranks:
                    break
                ids = merge_pair(ids, pair, self.ranks[pair])
            self._cache[piece] = ids
        return self._cache[piece]

    def encode(self, text: str) -> list[int]:
        """Token ids of any string: apply the learned merges, earliest first, inside each pre-token."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return [i for piece in PRETOKEN_PATTERN.findall(text) for i in self._encode_piece(piece)]

    def decode(self, ids) -> str:
        """The text of a sequence of ids; raises on unknown ids or bytes that are not valid UTF-8."""
        data = b"".join(self.vocab[i] for i in _check_ids(ids, self.vocab_size))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"these ids do not decode to valid UTF-8 text ({err})") from None


class NGramModel:
    """Count-based n-gram language model over token ids 0..vocab_size-1.

    p(x_t | h) with h the previous n-1 tokens (fewer at the start of a text).
    ``smoothing``:

    * ``"add-k"``: p(w | h) = (c(h w) + k) / (c(h) + k V); an unseen history
      gives the uniform distribution 1/V.
    * ``"witten-bell"``: p(w | h) = (c(h w) + T(h) p(w | h')) / (c(h) + T(h)),
      where T(h) is the number of distinct tokens seen after h and h' is h
      without its oldest token; the recursion ends in the uniform 1/V. Unseen
      histories fall back to shorter ones instead of to uniform.

    Either way every conditional distribution sums to 1 over the vocabulary.
    """

    SMOOTHINGS = ("add-k", "witten-bell")

    def __init__(self, n: int, vocab_size: int, smoothing: str = "add-k", k: float = 0.01):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n (the order of the n-gram model) must be an integer >= 1, got {n!r}")
        if not isinstance(vocab_size, (int, np.integer)) or vocab_size < 1:
            raise ValueError(f"vocab_size must be a positive integer, got {vocab_size!r}")
        if smoothing not in self.SMOOTHINGS:
            raise ValueError(f"unknown smoothing {smoothing!r}: choose one of {self.SMOOTHINGS}")
        if smoothing == "add-k" and not k > 0:
            raise ValueError(f"add-k smoothing needs k > 0, got {k}")
        self.n, self.vocab_size, self.smoothing, self.k = int(n), int(vocab_size), smoothing, k
        self.counts: list[Counter] = []
        self.context_totals: list[Counter] = []
        self.context_types: list[Counter] = []

    def _check_tokens(self, tokens) -> tuple[int, ...]:
        tokens = tuple(int(t) for t in tokens)
        if not tokens:
            raise ValueError("the token sequence is empty")
        bad = [t for t in tokens if not 0 <= t < self.vocab_size]
        if bad:
            raise UnknownTokenError(f"token ids must lie in [0, {self.vocab_size}), got e.g. {bad[:5]}")
        return tokens

    def fit(self, tokens) -> NGramModel:
        """Count every m-gram, m = 1..n, of a token sequence."""
        tokens = self._check_tokens(tokens)
        self.counts, self.context_totals, self.context_types = [], [], []
        for m in range(1, self.n + 1):
            grams = Counter(zip(*(tokens[j:] for j in range(m))))
            totals, types = Counter(), Counter()
            for gram, c in grams.items():
                totals[gram[:-1]] += c
                types[gram[:-1]] += 1
            self.counts.append(grams)
            self.context_totals.append(totals)
            self.context_types.append(types)
        return self

    def _history(self, context) -> tuple[int, ...]:
        if not self.counts:
            raise RuntimeError("call fit(tokens) before asking for probabilities")
        return tuple(context)[-(self.n - 1):] if self.n > 1 else ()

    def prob(self, context, token: int) -> float:
        """p(token | the last n-1 tokens of context)."""
        history = self._history(context)
        if not 0 <= token < self.vocab_size:
            raise UnknownTokenError(f"token id {token} outside the vocabulary [0, {self.vocab_size})")
        if self.smoothing == "add-k":
            m = len(history)
            c_hw = self.counts[m].get(history + (token,), 0)
            c_h = self.context_totals[m].get(history, 0)
            return (c_hw + self.k) / (c_h + self.k * self.vocab_size)
        p = 1.0 / self.vocab_size
        for m in range(0, len(history) + 1):  # shortest history first, each level refines the last
            h = history[len(history) - m:] if m else ()
            c_h = self.context_totals[m].get(h, 0)
            if c_h:
                t_h = self.context_types[m][h]
                p = (self.counts[m].get(h + (token,), 0) + t_h * p) / (c_h + t_h)
        return p

    def distribution(self, context) -> np.ndarray:
        """p(. | context) as a [vocab_size] array that sums to 1."""
        return np.array([self.prob(context, w) for w in range(self.vocab_size)])


class UniformModel:
    """Every token equally likely: the baseline whose perplexity is the vocabulary size."""

    n = 1

    def __init__(self, vocab_size: int):
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be positive, got {vocab_size}")
        self.vocab_size = vocab_size

    def prob(self, context, token: int) -> float:
        if not 0 <= token < self.vocab_size:
            raise UnknownTokenError(f"token id {token} outside the vocabulary [0, {self.vocab_size})")
        return 1.0 / self.vocab_size

    def distribution(self, context) -> np.ndarray:
        return np.full(self.vocab_size, 1.0 / self.vocab_size)


def cross_entropy_bits(model, tokens) -> float:
    """Average -log2 p(x_t | x_<t) over a token sequence, in bits per token.

    Each token is scored with the model's history of up to n-1 earlier tokens
    of the same sequence, so the first tokens use shorter histories.
    """
    tokens = [int(t) for t in tokens]
    if not tokens:
        raise ValueError("cannot measure cross-entropy on an empty token sequence")
    width = max(model.n - 1, 0)
    total = 0.0
    for t, token in enumerate(tokens):
        p = model.prob(tokens[max(0, t - width):t], token)
        if p <= 0:
            return math.inf
        total -= math.log2(p)
    return total / len(tokens)


def perplexity(model, tokens) -> float:
    """2 ** cross-entropy: the number of equally likely choices the model is as unsure as."""
    return 2.0 ** cross_entropy_bits(model, tokens)


def sample_tokens(model, length: int, seed=0, prompt=(), temperature: float = 1.0) -> list[int]:
    """Generate ``length`` tokens after ``prompt``, each drawn from p(. | previous tokens).

    ``temperature`` < 1 sharpens the distribution (p ** (1/T), renormalised), > 1 flattens it.
    """
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    out = [int(t) for t in prompt]
    width = max(model.n - 1, 0)
    for _ in range(length):
        p = model.distribution(out[len(out) - width:] if width else [])
        if temperature != 1.0:
            p = p ** (1.0 / temperature)
        p = p / p.sum()
        out.append(int(rng.choice(len(p), p=p)))
    return out[len(prompt):]
