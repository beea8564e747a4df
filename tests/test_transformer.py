"""Tests of the decoder-only Transformer (book_utils.arm.transformer) and of its character runs in the
lifecycle: shapes, the causal mask, the parameter count, the key/value cache, determinism, learning,
and a run that resumes exactly after a kill."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from book_utils.arm import run as arm_run
from book_utils.arm.charmodel import CharGRU, CharVocab, generate, train_steps
from book_utils.arm.config import CharConfig
from book_utils.arm.transformer import (
    TransformerConfig,
    TransformerLM,
    _windows,
    bits_per_token,
    causal_mask,
    parameter_count,
    sinusoidal_positions,
)
from book_utils.cli import main as cli_main
from book_utils.errors import ConfigError
from book_utils.runs import load

SMALL = dict(vocab_size=11, context=12, d_model=16, heads=4, layers=2)


def _model(seed=0, **changes) -> TransformerLM:
    torch.manual_seed(seed)
    return TransformerLM(TransformerConfig(**{**SMALL, **changes})).eval()


def _ids(batch=3, length=12, vocab=11, seed=0):
    return torch.randint(vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


def test_shapes_of_logits_and_cache():
    model = _model()
    logits, cache = model(_ids(batch=3, length=7))
    assert logits.shape == (3, 7, 11)
    assert cache.ids.shape == (3, 7) and cache.length == 7 and len(cache.layers) == 2
    assert all(k.shape == v.shape == (3, 4, 7, 4) for k, v in cache.layers)        # (B, H, S, D)
    with pytest.raises(ValueError, match="at most 12 positions"):
        model(_ids(length=13))


def test_causal_mask_is_a_shifted_lower_triangle():
    assert torch.equal(causal_mask(3), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))
    assert torch.equal(causal_mask(2, 4), torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool))


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
def test_outputs_never_depend_on_later_tokens_and_do_depend_on_earlier_ones(positions):
    """Changing tokens at positions > t leaves every output at positions <= t unchanged; changing the
    token at t changes the outputs at t and after."""
    model = _model(positions=positions, dropout=0.2)            # eval mode: dropout off
    with torch.no_grad():
        for p in model.parameters():                            # large weights, so that a leak would show
            p.normal_(0, 0.5)
    x = _ids(batch=4, length=12)
    base, _ = model(x)
    for t in range(12):
        later = x.clone()
        later[:, t + 1:] = (later[:, t + 1:] + 1 + torch.arange(11 - t) % 5) % 11   # each later token differs
        changed, _ = model(later)
        assert (changed[:, :t + 1] - base[:, :t + 1]).abs().max().item() < 1e-6
        here = x.clone()
        here[:, t] = (here[:, t] + 3) % 11
        moved = (model(here)[0] - base).abs().amax(dim=(0, 2))                          # (T,)
        assert moved[:t].max().item() < 1e-6 if t else True
        assert (moved[t:] > 1e-4).all(), f"outputs at {t}.. should react to the token at {t}"


@pytest.mark.parametrize("changes", [{}, dict(tie_weights=False), dict(positions="sinusoidal"),
                                     dict(mlp_ratio=2, layers=3, d_model=24, heads=3)])
def test_parameter_count_formula(changes):
    config = TransformerConfig(**{**SMALL, **changes})
    model = TransformerLM(config)
    assert parameter_count(config) == sum(p.numel() for p in model.parameters())
    c, v, t = config.d_model, config.vocab_size, config.context
    if not changes:                                            # the formula of the docstring, m = 4
        assert parameter_count(config) == v * c + t * c + 2 * (12 * c * c + 13 * c) + 2 * c


def test_sinusoidal_positions_follow_the_formula():
    table = sinusoidal_positions(50, 8)
    p, i = 17, 2
    assert table[p, 2 * i].item() == pytest.approx(math.sin(p / 10000 ** (2 * i / 8)), abs=1e-6)
    assert table[p, 2 * i + 1].item() == pytest.approx(math.cos(p / 10000 ** (2 * i / 8)), abs=1e-6)
    assert sinusoidal_positions(5, 7).shape == (5, 7)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="multiple of heads"):
        TransformerConfig(vocab_size=5, d_model=10, heads=4)
    with pytest.raises(ValueError, match="positions"):
        TransformerConfig(vocab_size=5, positions="rotary")
    with pytest.raises(ValueError, match="context"):
        TransformerConfig(vocab_size=5, context=0)


def test_the_cache_gives_the_logits_of_one_full_pass_and_slides_past_the_context():
    model = _model()
    x = _ids(batch=2, length=12)
    full, _ = model(x)
    logits, cache = model(x[:, :5])
    steps = [logits]
    for t in range(5, 12):                                      # one token at a time, reusing the cache
        logits, cache = model(x[:, t:t + 1], cache)
        steps.append(logits)
    stepwise = torch.cat(steps, dim=1)
    assert (stepwise - full).abs().max().item() < 1e-5 and cache.length == 12
    nxt = _ids(batch=2, length=1, seed=1)
    slid, cache = model(nxt, cache)                            # 13 > 12 positions: keep the last 6, re-read
    again, _ = model(torch.cat([x[:, -6:], nxt], dim=1))
    assert (slid - again[:, -1:]).abs().max().item() < 1e-5 and cache.length == 7


@pytest.mark.parametrize("n,context", [(2, 4), (5, 4), (6, 4), (23, 4), (40, 8), (41, 8), (100, 7), (9, 1)])
def test_windows_score_every_target_once_with_enough_context(n, context):
    covered = []
    for start, first in _windows(n, min(context, n - 1)):
        targets = [start + j + 1 for j in range(first, min(context, n - 1))]
        covered += targets
        if start:
            assert first + 1 >= context // 2          # predicted from at least context // 2 tokens
    assert covered == list(range(1, n))


def test_bits_per_token_is_the_cross_entropy_of_each_window():
    model = _model()
    ids = _ids(batch=1, length=10)[0]
    logits, _ = model(ids[None, :-1])
    direct = F.cross_entropy(logits[0], ids[1:]).item() / math.log(2)
    assert bits_per_token(model, ids.numpy()) == pytest.approx(direct, abs=1e-6)
    long = _ids(batch=1, length=200, seed=3)[0].numpy()
    assert 0 < bits_per_token(model, long) < 2 * math.log2(11)


def test_seeded_models_train_and_sample_identically():
    text = "the cat sees the dog. a dog sees a cat. " * 30
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    runs = []
    for _ in range(2):
        model = _model(vocab_size=len(vocab), dropout=0.1)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        losses = train_steps(model, opt, ids, 5, batch=4, length=12,
                             generator=torch.Generator().manual_seed(1))
        runs.append((losses, generate(model, vocab, 30, prompt="the ", n=3, seed=2)))
    assert runs[0] == runs[1]


def test_a_few_steps_reduce_the_loss_on_a_tiny_corpus():
    text = "the cat sees the dog. a dog sees a cat. " * 40
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    model = _model(vocab_size=len(vocab))
    before = bits_per_token(model, ids[:300])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    train_steps(model, opt, ids, 60, batch=8, length=12, generator=torch.Generator().manual_seed(0))
    after = bits_per_token(model, ids[:300])
    assert before > math.log2(len(vocab)) - 0.5 and after < 0.5 * before
    sample = generate(model, vocab, 40, prompt="the ", seed=0)[0]
    assert len(sample) == 40 and set(sample) <= set(text)


# --- the lifecycle -----------------------------------------------------------------------------

TINY_TF = dict(arch="transformer", epochs=3, batch_size=4, d_model=16, heads=2, blocks=2, seq_len=16,
               dropout=0.1, checkpoint_every=1, progress=False)


def _corpus(tmp_path, text="a small dog sees a big cat. ", times=40):
    path = tmp_path / "corpus.txt"
    path.write_text(text * times)
    return str(path)


def test_the_gru_stays_the_default_character_model():
    assert CharConfig().arch == "gru"
    assert isinstance(arm_run.char_model(CharConfig(), 10), CharGRU)
    assert isinstance(arm_run.char_model(CharConfig(arch="transformer"), 10), TransformerLM)


def test_options_of_the_other_architecture_are_refused_before_anything_is_written(tmp_path):
    text = _corpus(tmp_path)
    with pytest.raises(ConfigError, match="d_model.*arch=transformer"):
        arm_run.train_run(tmp_path / "run", text=text, d_model=64)
    with pytest.raises(ConfigError, match="hidden.*arch=gru"):
        arm_run.train_run(tmp_path / "run", text=text, arch="transformer", hidden=64)
    with pytest.raises(ConfigError, match="multiple of heads"):
        arm_run.train_run(tmp_path / "run", text=text, arch="transformer", d_model=10, heads=4)
    with pytest.raises(ConfigError, match="arch"):
        arm_run.train_run(tmp_path / "run", text=text, arch="lstm")
    assert not (tmp_path / "run").exists()


def test_transformer_run_files_and_held_out_score(tmp_path):
    text = _corpus(tmp_path, "the cat sees the dog. ", 60)
    out = tmp_path / "tf"
    metrics = arm_run.train_run(out, text=text, **{**TINY_TF, "epochs": 2})
    model = load(out)
    assert isinstance(model, TransformerLM) and not model.training
    assert model.config.context == 16 and model.config.layers == 2
    _, _, valid_ids = arm_run.char_split(open(text).read(), 0.1)
    bpc = metrics["details"]["valid_bits_per_char"]
    assert bits_per_token(model, valid_ids) == pytest.approx(bpc, abs=1e-6)
    assert metrics["details"]["arch"] == "transformer" and bpc < math.log2(len(model.vocab))
    assert metrics["parameters"] == parameter_count(model.config)
    samples = np.load(out / "samples.npy")
    assert samples.shape == (1000, arm_run.SAMPLE_CHARS) and samples.max() < len(model.vocab)


def test_the_command_line_trains_a_transformer(tmp_path, capsys):
    out = str(tmp_path / "cli")
    assert cli_main(["train", "arm", "--text", _corpus(tmp_path), "--out", out, "--epochs", "1",
                     "--option", "arch=transformer", "--option", "d_model=16", "--option", "blocks=1",
                     "--option", "seq_len=16"]) == 0
    assert isinstance(load(out), TransformerLM)
    assert cli_main(["train", "arm", "--text", _corpus(tmp_path), "--out", str(tmp_path / "bad"),
                     "--option", "heads=3"]) == 2
    assert "arch=transformer" in capsys.readouterr().err
