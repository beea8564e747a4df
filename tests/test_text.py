"""Tests for book_utils.arm.text: tokenizers, the n-gram model, cross-entropy and perplexity."""

import math
from collections import Counter

import numpy as np
import pytest

from book_utils.arm import text as T

SAMPLE = ("The cat sat on the mat.\n  The dog sat on the log; the cat saw the dog!\n"
          "Caf\u00e9 na\u00efve \u2014 \u201cquotes\u201d and tabs\tend.  ")


def learn_bpe(text):
    return T.BytePairTokenizer.learn(text, 30)


@pytest.mark.parametrize("make", [T.CharTokenizer, T.WordTokenizer, learn_bpe])
def test_tokenizers_round_trip(make):
    tok = make(SAMPLE)
    ids = tok.encode(SAMPLE)
    assert all(0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == SAMPLE


def test_char_and_word_vocabularies():
    chars = T.CharTokenizer(SAMPLE)
    assert chars.vocab == sorted(set(SAMPLE))
    words = T.WordTokenizer(SAMPLE)
    assert words.tokenize("the cat, sat") == ["the", " ", "cat", ",", " ", "sat"]
    assert words.vocab[0] == " "  # most frequent token first
    assert words.unknown("the zebra sat") == Counter({"zebra": 1})


def test_unknown_tokens_raise_clear_errors():
    with pytest.raises(T.UnknownTokenError, match="zebra"):
        T.WordTokenizer(SAMPLE).encode("the zebra")
    with pytest.raises(T.UnknownTokenError, match="not in the vocabulary"):
        T.CharTokenizer(SAMPLE).encode("Z")
    with pytest.raises(T.UnknownTokenError, match="ids must be integers"):
        T.CharTokenizer(SAMPLE).decode([0, 10_000])
    with pytest.raises(T.UnknownTokenError):
        T.BytePairTokenizer.learn(SAMPLE, 5).decode([-1])


@pytest.mark.parametrize("make", [T.CharTokenizer, T.WordTokenizer, learn_bpe])
def test_empty_text_is_refused(make):
    with pytest.raises(ValueError, match="empty"):
        make("")


def test_bpe_merges_are_the_most_frequent_pairs():
    bpe = T.BytePairTokenizer.learn(SAMPLE * 3, 25)
    assert len(bpe.merges) == 25
    words = Counter(tuple(p.encode()) for p in T.PRETOKEN_PATTERN.findall(SAMPLE * 3))
    for step, (pair, count) in enumerate(zip(bpe.merges, bpe.merge_counts)):
        pairs = T.pair_counts(words)
        assert count == pairs[pair] == max(pairs.values())
        words = Counter({tuple(T.merge_pair(list(w), pair, 256 + step)): c for w, c in words.items()})
    assert bpe.token_text(256 + bpe.merges.index((ord("h"), ord("e")))) == "he"


def test_bpe_encodes_unseen_text_and_shortens_seen_text():
    bpe = T.BytePairTokenizer.learn(SAMPLE, 40)
    unseen = "Zebras \u00fcber alles \U0001F600"
    assert bpe.decode(bpe.encode(unseen)) == unseen
    assert len(bpe.encode(SAMPLE)) < 0.7 * len(SAMPLE.encode())


def tokens_of(text):
    tok = T.CharTokenizer(text)
    return tok, tok.encode(text)


@pytest.mark.parametrize("smoothing", T.NGramModel.SMOOTHINGS)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_ngram_probabilities_sum_to_one_for_every_context(n, smoothing):
    tok, ids = tokens_of(SAMPLE)
    model = T.NGramModel(n, tok.vocab_size, smoothing=smoothing, k=0.5).fit(ids)
    contexts = {tuple(ids[i:i + n - 1]) for i in range(len(ids) - n + 2)} | {(), (0,) * (n - 1)}
    for context in contexts:
        p = model.distribution(context)
        assert p.shape == (tok.vocab_size,) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_ngram_counts_give_the_maximum_likelihood_estimate():
    ids = [0, 1, 0, 1, 0, 2]
    model = T.NGramModel(2, 3, k=1e-9).fit(ids)
    assert model.counts[1][(0, 1)] == 2 and model.context_totals[1][(0,)] == 3
    assert model.prob([0], 1) == pytest.approx(2 / 3)
    assert model.prob([2], 1) == pytest.approx(1 / 3)  # unseen history: uniform


def test_perplexity_of_uniform_model_is_vocab_size():
    ids = [3, 1, 4, 1, 5, 9, 2, 6]
    assert T.perplexity(T.UniformModel(10), ids) == pytest.approx(10.0)
    # a unigram model trained on text where every token is equally frequent is uniform too
    model = T.NGramModel(1, 4, k=1e-12).fit([0, 1, 2, 3] * 5)
    assert T.perplexity(model, [2, 0, 3, 1]) == pytest.approx(4.0)
    assert T.cross_entropy_bits(model, [2, 0, 3, 1]) == pytest.approx(2.0)


def test_higher_order_fits_training_text_better():
    tok, ids = tokens_of(SAMPLE * 4)
    train_bits = [T.cross_entropy_bits(T.NGramModel(n, tok.vocab_size, k=0.01).fit(ids), ids)
                  for n in (1, 2, 3, 4)]
    assert all(a > b for a, b in zip(train_bits, train_bits[1:]))
    assert train_bits[0] < math.log2(tok.vocab_size)


def test_sampling_follows_the_model():
    ids = [0, 1, 2] * 50  # a deterministic cycle: a trigram model has learned it exactly
    model = T.NGramModel(3, 3, k=1e-9).fit(ids)
    assert T.sample_tokens(model, 9, seed=0, prompt=[0, 1]) == [2, 0, 1] * 3
    assert T.sample_tokens(model, 5, seed=4) == T.sample_tokens(model, 5, seed=4)


def test_ngram_errors_are_clear():
    with pytest.raises(ValueError, match="n \\(the order"):
        T.NGramModel(0, 5)
    with pytest.raises(ValueError, match="empty"):
        T.NGramModel(2, 5).fit([])
    with pytest.raises(T.UnknownTokenError, match="token ids must lie"):
        T.NGramModel(2, 5).fit([1, 7])
    with pytest.raises(RuntimeError, match="fit"):
        T.NGramModel(2, 5).prob([1], 2)
    with pytest.raises(ValueError, match="smoothing"):
        T.NGramModel(2, 5, smoothing="magic")
    with pytest.raises(ValueError, match="empty"):
        T.cross_entropy_bits(T.UniformModel(3), [])
