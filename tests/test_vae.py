"""Tests of book_utils.vae: the loss is the negative ELBO, the bound is a bound, runs are reproducible,
resumable and refuse bad input."""

import math

import numpy as np
import pytest
import torch

from book_utils import cli
from book_utils.data import DatasetError
from book_utils.errors import CheckpointError, ConfigError
from book_utils.runs import RunDirError, checkpoint_folders, load, load_json, read_history
from book_utils.vae import (
    VAE,
    importance_weighted_nll,
    iw_log_likelihood,
    kl_divergence,
    loss_function,
    negative_elbo,
    train_run,
)

TINY = dict(epochs=3, batch_size=16, latent_dim=2, hidden=(16,), eval_k=8, warmup_epochs=2,
            checkpoint_every=1, progress=False)


@pytest.fixture(scope="module")
def npz_path(tmp_path_factory):
    """Small random 28x28 uint8 images with structure (a bright blob at one of four places)."""
    rng = np.random.default_rng(0)
    corners = rng.integers(0, 4, size=60)
    images = rng.integers(0, 90, size=(60, 28, 28)).astype(np.uint8)
    for i, c in enumerate(corners):
        r, col = divmod(int(c), 2)
        images[i, r * 14:r * 14 + 10, col * 14:col * 14 + 10] = 230
    path = tmp_path_factory.mktemp("data") / "blobs.npz"
    np.savez(path, x_train=images[:48], x_test=images[48:])
    return str(path)


def model_tensors(out):
    return load(out).state_dict()


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)


# --- the mathematics --------------------------------------------------------------------------

def test_closed_form_kl_matches_monte_carlo():
    torch.manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 0.0], [2.0, 0.3, -0.7]], dtype=torch.float64)
    logvar = torch.tensor([[0.0, -1.0, 0.8], [-2.0, 0.5, 0.1]], dtype=torch.float64)
    z = mu + (0.5 * logvar).exp() * torch.randn(100_000, *mu.shape, dtype=torch.float64)
    log_q = -0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)
    log_p = -0.5 * (math.log(2 * math.pi) + z ** 2).sum(-1)
    monte_carlo = (log_q - log_p).mean(0)
    torch.testing.assert_close(kl_divergence(mu, logvar), monte_carlo, atol=0.02, rtol=0.0)
    assert kl_divergence(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0.0


def test_loss_function_equals_hand_computation():
    logits = torch.tensor([[0.0, 2.0], [-1.0, 3.0]])
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    mu = torch.tensor([[1.0], [0.0]])
    logvar = torch.tensor([[0.0], [math.log(2.0)]])

    def sigmoid(a):
        return 1 / (1 + math.exp(-a))

    rec = [-math.log(sigmoid(0.0)) - math.log(1 - sigmoid(2.0)),
           -math.log(1 - sigmoid(-1.0)) - math.log(sigmoid(3.0))]
    kl = [0.5 * (1 + 1 - 1 - 0), 0.5 * (2 + 0 - 1 - math.log(2.0))]
    expected = (rec[0] + kl[0] + rec[1] + kl[1]) / 2  # summed over pixels, averaged over the batch
    assert loss_function(logits, x, mu, logvar).item() == pytest.approx(expected, rel=1e-6)
    assert loss_function(logits, x, mu, logvar, beta=0.0).item() == pytest.approx(sum(rec) / 2, rel=1e-6)


def test_reparameterised_gradient_matches_finite_differences():
    model = VAE((2, 2), latent_dim=3, hidden=(5,)).double()
    x = torch.tensor([[1.0, 0.0, 0.0, 1.0]], dtype=torch.float64)
    mu = torch.tensor([[0.3, -0.2, 0.1]], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([[-0.5, 0.2, 0.0]], dtype=torch.float64, requires_grad=True)

    def objective(m, lv):
        torch.manual_seed(7)  # the same eps every call: z is a smooth function of (mu, logvar)
        z = model.reparameterize(m, lv)
        return loss_function(model.decode(z), x, m, lv)

    objective(mu, logvar).backward()
    h = 1e-6
    for param, grad in ((mu, mu.grad), (logvar, logvar.grad)):
        for j in range(3):
            step = torch.zeros_like(param)
            step[0, j] = h
            dmu, dlogvar = step * (param is mu), step * (param is logvar)
            with torch.no_grad():
                upper, lower = objective(mu + dmu, logvar + dlogvar), objective(mu - dmu, logvar - dlogvar)
                numeric = (upper - lower) / (2 * h)
            assert grad[0, j].item() == pytest.approx(numeric.item(), rel=1e-5, abs=1e-8)


def test_reparameterised_gradient_is_unbiased():
    # E[z^2] = mu^2 + exp(logvar): the pathwise gradient averages to (2 mu, exp(logvar)).
    torch.manual_seed(0)
    mu = torch.full((50_000, 1), 0.7, requires_grad=True)
    logvar = torch.full((50_000, 1), -0.4, requires_grad=True)
    VAE().reparameterize(mu, logvar).pow(2).mean().backward()
    assert mu.grad.sum().item() == pytest.approx(1.4, abs=0.02)
    assert logvar.grad.sum().item() == pytest.approx(math.exp(-0.4), abs=0.02)


@pytest.fixture(scope="module")
def trained_digits_model():
    """A small VAE trained for a few hundred steps on binarized digits."""
    from book_utils.data import load as load_data

    torch.manual_seed(0)
    ds = load_data("digits", view="binary")
    x = torch.from_numpy(ds.x_train)
    model = VAE((8, 8), latent_dim=4, hidden=(64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(300):
        batch = x[torch.randint(0, len(x), (64,))]
        recon, mu, logvar = model(batch)
        loss = loss_function(recon, batch, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), torch.from_numpy(ds.x_test[:80])


def test_importance_weighted_bound_is_below_elbo_and_tightens(trained_digits_model):
    model, x = trained_digits_model
    elbo = negative_elbo(model, x, samples=200, generator=torch.Generator().manual_seed(1))["neg_elbo"]
    nll = {k: importance_weighted_nll(model, x, k=k, seed=3) for k in (1, 10, 100, 1000)}
    assert nll[1] == pytest.approx(elbo, abs=0.3)        # k = 1 is the ELBO (one sample)
    assert nll[1000] < elbo - 0.2
    assert nll[1] > nll[10] > nll[100] > nll[1000]
    # batching the importance samples in chunks does not change the estimate
    chunked = -iw_log_likelihood(model, x, k=100, chunk=7, generator=torch.Generator().manual_seed(0))
    whole = -iw_log_likelihood(model, x, k=100, chunk=100, generator=torch.Generator().manual_seed(0))
    assert chunked.mean().item() == pytest.approx(whole.mean().item(), abs=0.15)


# --- runs: reproducible, saved, resumable -----------------------------------------------------

def test_same_seed_same_run_and_load_round_trip(tmp_path, npz_path):
    a = train_run(tmp_path / "a", npz_path, seed=3, **TINY)
    b = train_run(tmp_path / "b", npz_path, seed=3, **TINY)
    assert_same_weights(model_tensors(tmp_path / "a"), model_tensors(tmp_path / "b"))
    assert a["test_nll"] == b["test_nll"] and a["details"] == b["details"]
    assert a["test_nll_kind"] == "importance-weighted bound, k = 8"
    samples = np.load(tmp_path / "a" / "samples.npy")
    np.testing.assert_array_equal(samples, np.load(tmp_path / "b" / "samples.npy"))
    assert samples.shape == (1000, 28, 28) and samples.dtype == np.float32
    assert set(np.unique(samples)) <= {0, 1}
    for name in ("losses.png", "samples.png", "metrics.json", "run.json"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    model = load(tmp_path / "a")
    assert isinstance(model, VAE) and model.latent_dim == 2 and not model.training
    x = torch.from_numpy((np.load(npz_path)["x_test"] >= 128).astype(np.float32))
    assert importance_weighted_nll(model, x, k=8, seed=0) == pytest.approx(a["test_nll"], rel=1e-5)
    assert load_json(tmp_path / "a" / "metrics.json")["test_nll"] == pytest.approx(a["test_nll"])


def test_resume_after_kill_matches_uninterrupted_run(tmp_path, npz_path, kill_after_checkpoint):
    options = dict(TINY, epochs=4)
    full = train_run(tmp_path / "full", npz_path, **options)
    saved = kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        train_run(tmp_path / "resumed", npz_path, **options)
    assert saved == [1, 2] and not (tmp_path / "resumed" / "metrics.json").exists()
    resumed = train_run(tmp_path / "resumed", npz_path, **options)
    assert_same_weights(model_tensors(tmp_path / "full"), model_tensors(tmp_path / "resumed"))
    assert resumed["test_nll"] == full["test_nll"]
    assert read_history(tmp_path / "resumed") == read_history(tmp_path / "full")
    # a finished run is not trained again
    assert train_run(tmp_path / "resumed", npz_path, **options)["test_nll"] == full["test_nll"]
    assert saved == [1, 2, 3, 4]


# --- bad input --------------------------------------------------------------------------------

def test_unknown_dataset_is_refused(tmp_path, capsys):
    with pytest.raises(DatasetError, match="unknown dataset 'digitz'"):
        train_run(tmp_path / "run", "digitz", **TINY)
    assert not (tmp_path / "run").exists()
    assert cli.main(["train", "vae", "--dataset", "digitz", "--out", str(tmp_path / "run")]) == 2
    assert "unknown dataset" in capsys.readouterr().err


def test_grey_levels_are_refused_by_the_bernoulli_likelihood():
    model = VAE()
    grey = torch.rand(4, 8, 8)
    with pytest.raises(ValueError, match="binary pixels"):
        loss_function(*model(grey), grey)
    with pytest.raises(ValueError, match="binary pixels"):
        importance_weighted_nll(model, grey, k=2)
    with pytest.raises(ValueError, match="8x8 images"):
        model.encode(torch.zeros(2, 28, 28))


def test_another_configuration_is_refused_and_nothing_is_changed(tmp_path, npz_path):
    train_run(tmp_path / "run", npz_path, **TINY)
    before = {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()}
    with pytest.raises(RunDirError, match="another configuration"):
        train_run(tmp_path / "run", npz_path, **dict(TINY, latent_dim=3))
    assert {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()} == before


class RunsCodeWhenUnpickled:
    def __reduce__(self):
        return (print, ("this ran while loading a checkpoint",))


def test_checkpoint_cannot_run_code(tmp_path, npz_path):
    train_run(tmp_path / "run", npz_path, **dict(TINY, checkpoint_every=10))
    (folder,) = checkpoint_folders(tmp_path / "run")
    state = torch.load(folder / "vae.pt", weights_only=True)
    state["payload"] = RunsCodeWhenUnpickled()
    torch.save(state, folder / "vae.pt")
    with pytest.raises(CheckpointError, match="vae.pt is damaged or not a checkpoint"):
        load(tmp_path / "run")


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_checkpoint(tmp_path, npz_path, monkeypatch):
    from book_utils.vae import run as vae_run

    real_terms = vae_run.loss_terms
    epochs_seen = []

    def nan_in_second_epoch(recon, x, mu, logvar):
        rec, kl = real_terms(recon, x, mu, logvar)
        if len(epochs_seen) >= 3:  # 3 batches per epoch of 43 images
            rec = rec * float("nan")
        epochs_seen.append(1)
        return rec, kl

    monkeypatch.setattr(vae_run, "loss_terms", nan_in_second_epoch)
    with pytest.raises(FloatingPointError, match="epoch 2.*checkpoint"):
        train_run(tmp_path / "run", npz_path, **TINY)
    assert [f.name for f in checkpoint_folders(tmp_path / "run")] == ["epoch-000001"]
    assert read_history(tmp_path / "run")["loss"][0] > 0


def test_a_one_image_dataset_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "one.npz"
    np.savez(path, x_train=np.full((1, 8, 8), 255, np.uint8))
    with pytest.raises(ConfigError, match="at least 2 images"):
        train_run(tmp_path / "run", str(path), **TINY)
    assert not (tmp_path / "run").exists()


def test_data_keeps_the_protocol_test_split_and_validates_on_train_only():
    from book_utils.data import load as load_data
    from book_utils.vae.data import binarize_epoch, load_vae_data

    data = load_vae_data("digits", val_fraction=0.1)
    protocol = load_data("digits", view="binary")
    np.testing.assert_array_equal(data.test.numpy(), protocol.x_test)
    assert len(data.train_grey) + len(data.val) == len(protocol.x_train) and len(data.val) == 144
    generator = torch.Generator().manual_seed(0)
    fixed = binarize_epoch(data.train_grey, 16, "fixed", generator)
    soft = torch.stack([binarize_epoch(data.train_grey, 16, "soft", generator, softness=1.0)
                        for _ in range(50)]).mean(0)
    far = (data.train_grey <= 2) | (data.train_grey >= 13)
    assert (soft[far] - fixed[far]).abs().mean().item() < 0.01     # far from the threshold: the protocol
    near = (data.train_grey == 7) | (data.train_grey == 8)
    assert soft[near].mean().item() == pytest.approx(0.5, abs=0.05)  # at the threshold: a coin flip
    with pytest.raises(ValueError, match="unknown augmentation"):
        binarize_epoch(data.train_grey, 16, "rotate", generator)


def test_short_runs_still_finish_warm_up_and_keep_a_best_epoch(tmp_path, npz_path):
    metrics = train_run(tmp_path / "run", npz_path, **dict(TINY, epochs=4, warmup_epochs=50))
    assert read_history(tmp_path / "run")["beta"] == [0.5, 1.0, 1.0, 1.0]   # warm-up shortened to half
    assert metrics["details"]["best_epoch"] >= 2
