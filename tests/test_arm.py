"""Tests of the autoregressive models (book_utils.arm): masks, exact likelihood, sampling, runs."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from book_utils.arm import run as arm_run
from book_utils.arm.charmodel import CharGRU, CharVocab, bits_per_char, generate
from book_utils.arm.made import MADE
from book_utils.arm.sampling import filter_logits, sample_next
from book_utils.cli import main as cli_main
from book_utils.data.corpus import CorpusError


def _made(n_pixels=8, hidden=(16, 16), n_masks=3, dropout=0.2, seed=1):
    torch.manual_seed(seed)
    model = MADE(n_pixels, hidden, n_masks, dropout, seed=seed).eval()
    with torch.no_grad():            # make the weights large so that any leak would show
        for p in model.parameters():
            p.normal_(0, 0.7)
    return model


def _all_images(d):
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=d)))


# --- MADE --------------------------------------------------------------------------

def test_masks_are_autoregressive():
    """Changing the pixel at position t never changes the predicted distribution at positions <= t."""
    model = _made(n_pixels=10)
    x = (torch.rand(5, 10, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    for k in range(model.n_masks):
        base = model.logits(x, k)
        order = model.order(k)
        for t, pixel in enumerate(order.tolist()):
            flipped = x.clone()
            flipped[:, pixel] = 1 - flipped[:, pixel]
            changed = (model.logits(flipped, k) - base).abs().amax(0)
            assert changed[order[:t + 1]].max().item() == 0.0          # at or before t: untouched
            if t + 1 < len(order):
                assert changed[order[t + 1:]].max().item() > 0.0     # later pixels do depend on it


def test_log_prob_is_sum_of_step_by_step_log_probs():
    model = _made()
    x = _all_images(8)[::7]
    per_mask = model.log_prob_per_mask(x)
    for k in range(model.n_masks):
        total = torch.zeros(len(x))
        for t, pixel in enumerate(model.order(k).tolist()):
            # hide everything not yet generated (even with junk): only the past may matter
            seen = x.clone()
            seen[:, model.order(k)[t:]] = 0.5
            logit = model.logits(seen, k)[:, pixel]
            total += -F.binary_cross_entropy_with_logits(logit, x[:, pixel], reduction="none")
        torch.testing.assert_close(per_mask[k], total, atol=1e-5, rtol=1e-5)
    mixture = torch.logsumexp(per_mask, 0) - math.log(model.n_masks)
    torch.testing.assert_close(model.log_prob(x), mixture)


@pytest.mark.parametrize("n_masks", [1, 4])
def test_probabilities_of_all_images_sum_to_one(n_masks):
    model = _made(n_masks=n_masks)
    total = torch.logsumexp(model.log_prob(_all_images(8)).double(), 0).exp().item()
    assert abs(total - 1.0) < 1e-5


def test_sampling_is_reproducible_and_follows_the_model():
    model = _made(n_pixels=6, n_masks=2)
    a, b = model.sample(20_000, seed=3), model.sample(20_000, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, model.sample(20_000, seed=4))
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    codes = (a * 2 ** torch.arange(5, -1, -1)).sum(1).long()
    empirical = torch.bincount(codes, minlength=64).double() / len(a)
    exact = model.log_prob(_all_images(6)).double().exp()
    assert 0.5 * (empirical - exact).abs().sum().item() < 0.03     # total variation distance


def test_bad_images_get_clear_errors():
    model = _made()
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.full((2, 8), 0.5))
    with pytest.raises(ValueError, match="8 pixels"):
        model.log_prob(torch.zeros(2, 9))
    other = MADE(8, (16, 16), 3, seed=2)
    with pytest.raises(ValueError, match="orderings differ"):
        other.load_state_dict(model.state_dict())


# --- sampling knobs ------------------------------------------------------------------

def test_filter_logits_temperature_top_k_top_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isinf(filter_logits(logits, top_k=2)[0, 2:]).all()
    assert torch.isfinite(filter_logits(logits, top_k=2)[0, :2]).all()
    kept = torch.isfinite(filter_logits(logits, top_p=0.75))[0].tolist()
    assert kept == [True, True, False, False]                         # 0.5 + 0.3 >= 0.75
    assert torch.isfinite(filter_logits(logits, top_p=0.1))[0].tolist() == [True, False, False, False]
    cold = torch.softmax(filter_logits(logits, temperature=0.5), -1)
    torch.testing.assert_close(cold, torch.softmax(2 * logits, -1))
    for bad in (dict(temperature=0.0), dict(top_k=0), dict(top_p=1.5)):
        with pytest.raises(ValueError):
            filter_logits(logits, **bad)
    picks = sample_next(logits.repeat(2000, 1), torch.Generator().manual_seed(0), top_k=1)
    assert (picks == 0).all()


# --- character model -------------------------------------------------------------------

def test_vocab_and_char_model_errors_and_sampling():
    vocab = CharVocab("hello world")
    assert vocab.decode(vocab.encode("low")) == "low"
    with pytest.raises(ValueError, match="'z' at position 2"):
        vocab.encode("hoz")
    with pytest.raises(ValueError, match="empty"):
        CharVocab("")
    torch.manual_seed(0)
    model = CharGRU(len(vocab), 8, 16)
    a = generate(model, vocab, 30, prompt="h", n=3, seed=5, temperature=0.8, top_p=0.9)
    assert a == generate(model, vocab, 30, prompt="h", n=3, seed=5, temperature=0.8, top_p=0.9)
    assert [len(s) for s in a] == [30, 30, 30] and set("".join(a)) <= set(vocab.chars)
    bpc = bits_per_char(model, vocab.encode("hello world " * 20))
    assert abs(bpc - math.log2(len(vocab))) < 0.5                     # untrained: about uniform


def test_empty_corpus_is_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(CorpusError, match="empty"):
        arm_run.train_run(tmp_path / "run", text=str(empty))


# --- run directories ---------------------------------------------------------------------

def _npz(tmp_path, size=6, n=48, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((1, size, size)) < 0.5
    flips = rng.random((n, size, size)) < 0.15
    x = ((base ^ flips) * 255).astype(np.uint8)
    path = tmp_path / f"tiny{size}.npz"
    np.savez(path, x_train=x[: n * 3 // 4], x_test=x[n * 3 // 4:])
    return str(path)


TINY = dict(hidden=[16], n_masks=2, epochs=4, batch_size=8, save_every_s=0.0)


def _kill_after_two_saves(monkeypatch) -> list[int]:
    """Make the next run raise KeyboardInterrupt right after its second checkpoint (a simulated kill);
    returns the list that collects the epoch of each checkpoint. ``monkeypatch.undo()`` ends it."""
    real_save, calls = arm_run._save_checkpoint, []

    def killed_after_two_epochs(out, state):
        real_save(out, state)
        calls.append(state["epoch"])
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")

    monkeypatch.setattr(arm_run, "_save_checkpoint", killed_after_two_epochs)
    return calls


def test_resume_after_kill_ends_where_an_uninterrupted_run_would(tmp_path, monkeypatch):
    data = _npz(tmp_path)
    whole = arm_run.train_run(tmp_path / "whole", data, **TINY)

    calls = _kill_after_two_saves(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        arm_run.train_run(tmp_path / "killed", data, **TINY)
    with pytest.raises(RuntimeError, match="resume"):
        arm_run.evaluate_run(tmp_path / "killed")
    monkeypatch.undo()
    resumed = arm_run.train_run(tmp_path / "killed", data, **TINY)
    assert calls == [1, 2]
    for key in ("test_nll", "valid_nll", "best_epoch"):
        assert resumed[key] == whole[key]
    assert np.array_equal(np.load(tmp_path / "whole" / "samples.npy"),
                          np.load(tmp_path / "killed" / "samples.npy"))
    with pytest.raises(ValueError, match="another configuration"):
        arm_run.train_run(tmp_path / "killed", data, **{**TINY, "epochs": 5})


def test_load_round_trip_and_files(tmp_path):
    data = _npz(tmp_path)
    out = tmp_path / "run"
    metrics = arm_run.train_run(out, data, **TINY)
    for name in ("run.json", "checkpoint.pt", "samples.npy", "metrics.json", "samples.png", "loss.png"):
        assert (out / name).exists()
    samples = np.load(out / "samples.npy")
    assert samples.shape == (1000, 6, 6) and set(np.unique(samples)) <= {0.0, 1.0}
    model = arm_run.load(out)
    _, _, x_test, _ = arm_run.pixel_split(data, 0.1, 0)
    assert abs(arm_run.mean_nll(model, x_test) - metrics["test_nll"]) < 1e-4
    assert json.loads((out / "metrics.json").read_text())["parameters"] == metrics["parameters"]


def test_28x28_images_and_the_command_line(tmp_path, capsys):
    data = _npz(tmp_path, size=28, n=16)
    metrics = arm_run.train_run(tmp_path / "big", data, hidden=[8], n_masks=1, epochs=1)
    assert np.load(tmp_path / "big" / "samples.npy").shape == (1000, 28, 28)
    assert math.isfinite(metrics["test_bits_per_dim"])
    small = _npz(tmp_path, size=4, n=40)
    cli_dir = str(tmp_path / "cli")
    assert cli_main(["train", "arm", "--dataset", small, "--out", cli_dir, "--epochs", "1"]) == 0
    assert cli_main(["evaluate", str(tmp_path / "cli")]) == 0
    assert "test_nll" in capsys.readouterr().out
    assert cli_main(["train", "arm", "--out", str(tmp_path / "x"), "--latent-dim", "3"]) == 2


def test_char_run_round_trip(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sees the dog. " * 60)
    out = tmp_path / "char"
    metrics = arm_run.train_run(out, text=str(text), epochs=2, batch_size=4, hidden=16, embed=8, seq_len=16,
                                save_every_s=0.0)
    model = arm_run.load(out)
    _, _, valid_ids = arm_run.char_split(text.read_text(), 0.1)
    assert abs(bits_per_char(model, valid_ids) - metrics["valid_bits_per_char"]) < 1e-6
    assert metrics["valid_bits_per_char"] < math.log2(len(model.vocab))
    assert np.load(out / "samples.npy").shape == (1000, 100)


def test_char_run_resumes_after_kill_where_an_uninterrupted_run_would(tmp_path, monkeypatch):
    text = tmp_path / "corpus.txt"
    text.write_text("a small dog sees a big cat. " * 40)
    options = dict(text=str(text), epochs=3, batch_size=4, hidden=16, embed=8, seq_len=16, save_every_s=0.0)
    whole = arm_run.train_run(tmp_path / "whole", **options)
    calls = _kill_after_two_saves(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        arm_run.train_run(tmp_path / "killed", **options)
    monkeypatch.undo()
    resumed = arm_run.train_run(tmp_path / "killed", **options)
    assert calls == [1, 2]
    assert resumed["valid_bits_per_char"] == whole["valid_bits_per_char"]
    assert np.array_equal(np.load(tmp_path / "whole" / "samples.npy"),
                          np.load(tmp_path / "killed" / "samples.npy"))
