"""Canary exposure (book_utils.apps.canary): insertion, exact candidate log-likelihoods, exposure."""

import math

import numpy as np
import pytest
import torch

from book_utils.apps import canary as cn
from book_utils.arm.charmodel import CharVocab


def test_secrets_and_insertion():
    secrets = cn.random_secrets(5, digits=4, seed=1)
    assert len(set(secrets)) == 5 and all(len(s) == 4 and s.isdigit() for s in secrets)
    text = "\n\n".join(f"paragraph {i}" for i in range(40))
    out = cn.insert_canaries(text, {secrets[0]: 3, secrets[1]: 1, secrets[2]: 0}, seed=0)
    assert out.count(cn.canary_text(secrets[0])) == 3 and out.count(cn.canary_text(secrets[1])) == 1
    assert secrets[2] not in out.replace(" ", "")
    assert out.replace(cn.canary_text(secrets[0]), "").replace(cn.canary_text(secrets[1]), "") == text
    with pytest.raises(ValueError, match="paragraph breaks"):
        cn.insert_canaries("no breaks", {secrets[0]: 1})


class Bigram(torch.nn.Module):
    """A table of next-character logits given the current character: (B, T) -> (B, T, V)."""

    def __init__(self, vocab_size, seed=0):
        super().__init__()
        self.table = torch.nn.Parameter(torch.randn(vocab_size, vocab_size,
                                                    generator=torch.Generator().manual_seed(seed)))

    def forward(self, ids, state=None):
        return self.table[ids], state


@torch.no_grad()
def brute_force(model, vocab, secret):
    ids = torch.as_tensor(vocab.encode(cn.canary_text(secret)))[None]
    logp = torch.log_softmax(model(ids[:, :-1])[0], -1)[0]
    n = len(cn.PREFIX)
    return logp[torch.arange(n - 1, ids.shape[1] - 1), ids[0, n:]].sum().item() / math.log(2)


def test_candidate_log_probs_match_brute_force_and_sum_to_one():
    vocab = CharVocab(cn.PREFIX + "0123456789 abc")
    model = Bigram(len(vocab))
    lp = cn.candidate_log2_probs(model, vocab, digits=3, batch=7)
    assert lp.shape == (1000,)
    for secret in ("000", "417", "999"):
        assert lp[int(secret)] == pytest.approx(brute_force(model, vocab, secret), abs=1e-4)
    # restricted to digits and spaces the candidates' probabilities sum to at most 1
    assert np.exp2(lp).sum() < 1.0


def test_exposure_extremes():
    lp = np.log2(np.full(100, 0.5 / 99))
    lp[42] = np.log2(0.5)
    assert cn.exposure(lp, "42") == pytest.approx(math.log2(100))
    lp[7] = 0.0                                   # now one candidate is more likely than 42
    assert cn.rank_of(lp, 42) == 2 and cn.exposure(lp, "42") == pytest.approx(math.log2(50))
    ranks = np.random.default_rng(0).permutation(10_000).astype(float)
    mean = np.mean([cn.exposure(ranks, f"{i:04d}") for i in range(10_000)])
    assert abs(mean - 1 / math.log(2)) < 0.01      # uniform ranks: E[exposure] -> log2 e
    assert abs(cn.sampled_exposure(ranks, "0005", n=5000) - cn.exposure(ranks, "0005")) < 0.5
    with pytest.raises(ValueError):
        cn.exposure(lp, "042")
