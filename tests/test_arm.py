"""Tests of the autoregressive models (book_utils.arm): masks, exact likelihood, sampling, and both
models' runs in the lifecycle (checked options, resume after a kill, files)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from book_utils.arm import run as arm_run
from book_utils.arm.charmodel import CharGRU, CharVocab, bits_per_char, generate
from book_utils.arm.config import CharConfig, PixelConfig, recipe
from book_utils.arm.made import MADE
from book_utils.arm.sampling import filter_logits, sample_next
from book_utils.cli import main as cli_main
from book_utils.data.corpus import CorpusError
from book_utils.errors import BookError, ConfigError, RunDirError
from book_utils.runs import evaluate, load, load_json, read_history


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
    assert not (tmp_path / "run").exists()


# --- configurations ---------------------------------------------------------------------------

def test_recipes_and_configs():
    assert PixelConfig(**recipe((8, 8))) == PixelConfig()
    large = PixelConfig(**recipe((28, 28)))
    assert (large.hidden, large.n_masks, large.batch_size, large.checkpoint_every) == ((2000,), 8, 100, 1)
    with pytest.raises(ConfigError, match="hidden"):
        PixelConfig(hidden=())
    with pytest.raises(ConfigError, match="dropout"):
        PixelConfig(dropout=1.0)
    with pytest.raises(ConfigError, match="seq_len"):
        CharConfig(seq_len=0)


# --- run directories ---------------------------------------------------------------------------

def _npz(tmp_path, size=6, n=48, seed=0, scale=255):
    rng = np.random.default_rng(seed)
    base = rng.random((1, size, size)) < 0.5
    flips = rng.random((n, size, size)) < 0.15
    x = ((base ^ flips) * scale).astype(np.uint8)
    path = tmp_path / f"tiny{size}-{scale}.npz"
    np.savez(path, x_train=x[: n * 3 // 4], x_test=x[n * 3 // 4:])
    return str(path)


def _corpus(tmp_path, text="a small dog sees a big cat. ", times=40):
    path = tmp_path / "corpus.txt"
    path.write_text(text * times)
    return str(path)


# 36 training images, 4 held out: 4 batches an epoch, so with 3 orderings the mask index of a
# batch depends on the epoch; dropout 0.3 (the recipe) draws from torch's global generator
TINY = dict(hidden=[16], n_masks=3, epochs=4, batch_size=8, checkpoint_every=1, progress=False)
TINY_CHAR = dict(epochs=3, batch_size=4, hidden=16, embed=8, seq_len=16, checkpoint_every=1, progress=False)
TINY_TRANSFORMER = dict(arch="transformer", epochs=3, batch_size=4, d_model=16, heads=2, blocks=2, seq_len=16,
                        dropout=0.1, checkpoint_every=1, progress=False)


@pytest.mark.parametrize("bad", [dict(batch_size=-5), dict(batch_size=0), dict(epochs=0)])
@pytest.mark.parametrize("kind", ["pixel", "char"])
def test_bad_sizes_are_refused_before_anything_is_written(tmp_path, bad, kind):
    out = tmp_path / "run"
    if kind == "char":
        source, small = dict(text=_corpus(tmp_path)), dict(hidden=16, embed=8, seq_len=16)
    else:
        source, small = dict(dataset=_npz(tmp_path)), dict(hidden=[16], n_masks=2)
    with pytest.raises(ConfigError, match=next(iter(bad))):
        arm_run.train_run(out, **source, **small, **bad)
    assert not out.exists()


def test_options_are_checked_before_the_data_and_named_as_the_command_line_has_them(tmp_path, capsys):
    with pytest.raises(ConfigError, match="batch_size"):      # not "no such file": options come first
        arm_run.train_run(tmp_path / "run", str(tmp_path / "missing.npz"), batch_size=0)
    with pytest.raises(ConfigError, match="--latent-dim"):
        arm_run.train_run(tmp_path / "run", "digits", latent_dim=3)
    with pytest.raises(ConfigError, match="seq_len.*--text"):
        arm_run.train_run(tmp_path / "run", "digits", seq_len=64)
    with pytest.raises(ConfigError, match="n_masks.*without --text"):
        arm_run.train_run(tmp_path / "run", text=_corpus(tmp_path), n_masks=4)
    with pytest.raises(ConfigError, match="--option seq_len="):
        arm_run.train_run(tmp_path / "run", text=_corpus(tmp_path, "short text. ", 3))
    assert not (tmp_path / "run").exists()
    assert cli_main(["train", "arm", "--out", str(tmp_path / "cli"), "--batch-size", "-5"]) == 2
    assert cli_main(["train", "arm", "--out", str(tmp_path / "cli"), "--latent-dim", "3"]) == 2
    err = capsys.readouterr().err
    assert "batch_size must be a positive integer" in err and "latent" in err and "unexpected" not in err
    assert not (tmp_path / "cli").exists()


def test_text_that_is_a_directory_is_refused_clearly(tmp_path, capsys):
    with pytest.raises(BookError, match="directory"):
        arm_run.train_run(tmp_path / "run", text=str(tmp_path))
    assert not (tmp_path / "run").exists()
    assert cli_main(["train", "arm", "--text", str(tmp_path), "--out", str(tmp_path / "cli")]) == 2
    err = capsys.readouterr().err
    assert "directory" in err and "unexpected" not in err


def test_binary_uint8_images_are_not_destroyed(tmp_path):
    """An .npz of uint8 pixels already in {0, 1} is the binarized data itself, not 255-scale grey
    levels that all fall below the threshold."""
    path = _npz(tmp_path, scale=1)
    with np.load(path) as npz:
        x_train, x_test = npz["x_train"], npz["x_test"]
    data = arm_run.FAMILY.plan(path, None, {}).loaded
    both = np.concatenate([data.train, data.valid])
    assert both.mean() == pytest.approx(x_train.mean()) and both.mean() > 0.1
    np.testing.assert_array_equal(np.sort(both.sum(1)), np.sort(x_train.reshape(len(x_train), -1).sum(1)))
    np.testing.assert_array_equal(data.test, x_test.reshape(len(x_test), -1).astype(np.float32))


def _weights(out):
    return {k: v.clone() for k, v in load(out).state_dict().items()}


def test_pixel_run_resumes_after_a_kill_exactly(tmp_path, kill_after_checkpoint):
    data = _npz(tmp_path)
    whole = arm_run.train_run(tmp_path / "whole", data, **TINY)
    saved = kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        arm_run.train_run(tmp_path / "killed", data, **TINY)
    assert saved == [1, 2] and not (tmp_path / "killed" / "metrics.json").exists()
    with pytest.raises(RunDirError, match="resume"):
        evaluate(tmp_path / "killed")
    resumed = arm_run.train_run(tmp_path / "killed", data, **TINY)
    assert saved == [1, 2, 3, 4]
    assert resumed["test_nll"] == whole["test_nll"]
    for key in ("valid_nll", "best_epoch", "test_nll_sem"):
        assert resumed["details"][key] == whole["details"][key]
    assert read_history(tmp_path / "killed") == read_history(tmp_path / "whole")
    whole_w, resumed_w = _weights(tmp_path / "whole"), _weights(tmp_path / "killed")
    assert all(torch.equal(whole_w[k], resumed_w[k]) for k in whole_w)
    np.testing.assert_array_equal(np.load(tmp_path / "whole" / "samples.npy"),
                                  np.load(tmp_path / "killed" / "samples.npy"))
    with pytest.raises(RunDirError, match="another configuration"):
        arm_run.train_run(tmp_path / "killed", data, **{**TINY, "epochs": 5})


def test_pixel_run_files_load_and_evaluate(tmp_path):
    data = _npz(tmp_path)
    out = tmp_path / "run"
    metrics = arm_run.train_run(out, data, **TINY)
    for name in ("run.json", "samples.npy", "metrics.json", "samples.png", "losses.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "checkpoints" / "epoch-000004" / arm_run.STATE_FILE).exists()
    samples = np.load(out / "samples.npy")
    assert samples.dtype == np.float32 and samples.shape == (1000, 6, 6)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    assert metrics["test_nll_kind"] == "exact" and metrics["details"]["evaluated_on"] == "test"
    assert set(read_history(out)) == {"train_nll", "valid_nll"} and len(read_history(out)["valid_nll"]) == 4
    model = load(out)
    assert isinstance(model, MADE) and not model.training
    with np.load(data) as npz:
        x_test = (npz["x_test"] >= 128).reshape(len(npz["x_test"]), -1).astype(np.float32)
    assert arm_run.mean_nll(model, x_test) == pytest.approx(metrics["test_nll"], abs=1e-4)
    assert min(read_history(out)["valid_nll"]) == metrics["details"]["valid_nll"]
    assert evaluate(out)["test_nll"] == metrics["test_nll"]
    assert load_json(out / "metrics.json")["parameters"] == metrics["parameters"]


def test_28x28_images_and_the_command_line(tmp_path, capsys):
    data = _npz(tmp_path, size=28, n=16)
    metrics = arm_run.train_run(tmp_path / "big", data, hidden=[8], n_masks=1, epochs=1, progress=False)
    assert np.load(tmp_path / "big" / "samples.npy").shape == (1000, 28, 28)
    assert math.isfinite(metrics["details"]["test_bits_per_dim"])
    config = load_json(tmp_path / "big" / "run.json")["config"]
    assert config["batch_size"] == 100 and config["weight_decay"] == 1e-4      # the 28 x 28 recipe
    small = _npz(tmp_path, size=4, n=40)
    cli_dir = str(tmp_path / "cli")
    assert cli_main(["train", "arm", "--dataset", small, "--out", cli_dir, "--epochs", "1",
                     "--option", "hidden=[8]"]) == 0
    assert cli_main(["evaluate", cli_dir]) == 0
    assert "test_nll" in capsys.readouterr().out
    assert cli_main(["options", "arm"]) == 0
    assert {"PixelConfig", "CharConfig"} <= set(capsys.readouterr().out.replace('"', " ").split())


def test_char_run_files_and_samples(tmp_path):
    text = _corpus(tmp_path, "the cat sees the dog. ", 60)
    out = tmp_path / "char"
    metrics = arm_run.train_run(out, text=text, **{**TINY_CHAR, "epochs": 2})
    model = load(out)
    assert isinstance(model, CharGRU) and not model.training
    _, _, valid_ids = arm_run.char_split(open(text).read(), 0.1)
    bpc = metrics["details"]["valid_bits_per_char"]
    assert bits_per_char(model, valid_ids) == pytest.approx(bpc, abs=1e-6)
    assert metrics["test_nll"] == pytest.approx(bpc * math.log(2))
    assert metrics["test_nll_kind"] == "exact (held-out text)" and metrics["sample_metrics"] is None
    assert bpc < math.log2(len(model.vocab)) and metrics["details"]["vocab_size"] == len(model.vocab)
    assert metrics["data"]["kind"] == "text" and len(read_history(out)["train_bits_per_char"]) == 2
    samples = np.load(out / "samples.npy")
    assert samples.dtype == np.int32 and samples.shape == (1000, arm_run.SAMPLE_CHARS)
    assert samples.min() >= 0 and samples.max() < len(model.vocab)
    first = (out / "samples.txt").read_text().split("\n----\n")[0]
    assert first == model.vocab.decode(samples[0])


@pytest.mark.parametrize("options", [TINY_CHAR, TINY_TRANSFORMER], ids=["gru", "transformer"])
def test_char_run_resumes_after_a_kill_exactly(tmp_path, kill_after_checkpoint, options):
    text = _corpus(tmp_path)
    whole = arm_run.train_run(tmp_path / "whole", text=text, **options)
    saved = kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        arm_run.train_run(tmp_path / "killed", text=text, **options)
    assert saved == [1, 2]
    resumed = arm_run.train_run(tmp_path / "killed", text=text, **options)
    assert saved == [1, 2, 3]
    assert resumed["test_nll"] == whole["test_nll"]
    assert read_history(tmp_path / "killed") == read_history(tmp_path / "whole")
    whole_w, resumed_w = _weights(tmp_path / "whole"), _weights(tmp_path / "killed")
    assert all(torch.equal(whole_w[k], resumed_w[k]) for k in whole_w)
    np.testing.assert_array_equal(np.load(tmp_path / "whole" / "samples.npy"),
                                  np.load(tmp_path / "killed" / "samples.npy"))
