"""Section 7.2's PyTorch tools: DataLoader determinism, torch.compile's report, profiler tables,
state_dict and safetensors round trips (book_utils.tools.torch_tools)."""

import json

import pytest
import torch

from book_utils.bench import tools_torch
from book_utils.tools import torch_tools as tt
from book_utils.vae.loss import kl_divergence, reconstruction_nll
from book_utils.vae.model import VAE


@pytest.fixture
def grey():
    return torch.randint(0, 17, (50, 8, 8), generator=torch.Generator().manual_seed(0)).float()


def test_dataset_is_binary_per_epoch_and_matches_the_soft_threshold(grey):
    ds = tt.SoftBinarizedDigits(grey, max_value=16, softness=1.0, seed=3)
    first = torch.stack([ds[i] for i in range(len(ds))])
    assert first.shape == (50, 8, 8) and set(first.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(first, torch.stack([ds[i] for i in range(len(ds))]))        # same epoch, same images
    ds.set_epoch(1)
    second = torch.stack([ds[i] for i in range(len(ds))])
    assert not torch.equal(first, second)                                           # a fresh binarization
    # far from the threshold (7.5) the pixels are (almost surely) the protocol's: grey 0 off, 16 on
    assert (second[grey == 0] == 0).all() and (second[grey == 16] == 1).all()


def test_loader_batches_do_not_depend_on_the_number_of_workers(grey):
    ds = tt.SoftBinarizedDigits(grey, max_value=16)
    zero = list(tt.make_loader(ds, batch_size=16, seed=1, num_workers=0))
    two = list(tt.make_loader(ds, batch_size=16, seed=1, num_workers=2))
    other_seed = list(tt.make_loader(ds, batch_size=16, seed=2, num_workers=0))
    assert [b.shape[0] for b in zero] == [16, 16, 16, 2]
    assert all(torch.equal(a, b) for a, b in zip(zero, two, strict=True))
    assert not torch.equal(zero[0], other_seed[0])                  # the seed picks the shuffling order


def test_loader_seconds_counts_epochs_and_calls_the_step(grey):
    loader = tt.make_loader(tt.SoftBinarizedDigits(grey, 16), batch_size=20)
    seen = []
    seconds = tt.loader_seconds(loader, epochs=2, step=lambda b: seen.append(len(b)))
    assert len(seconds) == 2 and all(s > 0 for s in seconds)
    assert seen == [20, 20, 10] * 2 and loader.dataset.epoch == 1


def test_neg_elbo_matches_the_book_loss_and_a_step_lowers_it():
    torch.manual_seed(0)
    model = VAE()
    x = (torch.rand(32, 8, 8) > 0.5).float()
    eps = torch.randn(32, model.latent_dim)
    mu, logvar = model.encode(x)
    logits = model.decode(mu + torch.exp(0.5 * logvar) * eps)
    expected = (reconstruction_nll(logits, x) + kl_divergence(mu, logvar)).mean()
    assert torch.allclose(tt.neg_elbo(model, x, eps), expected)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = tt.neg_elbo(model, x, eps).item()
    for _ in range(5):
        tt.train_step(model, optimizer, x, eps)
    assert tt.neg_elbo(model, x, eps).item() < before - 1.0


def test_compile_with_a_working_backend_gives_the_same_losses():
    x = (torch.rand(16, 8, 8, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    result = tt.compare_compile(VAE(hidden=(32,)), x, steps=3, rounds=1, backend="eager")
    assert result.compiled and result.max_loss_diff == 0.0
    assert result.eager_ms > 0 and result.compiled_ms > 0 and result.speedup > 0


def test_a_failing_compile_is_reported_with_a_reason_not_raised():
    def no_compiler(graph, inputs):
        raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found")

    x = (torch.rand(16, 8, 8) > 0.5).float()
    result = tt.compare_compile(VAE(hidden=(32,)), x, steps=2, rounds=1, backend=no_compiler)
    assert not result.compiled and result.speedup is None and result.eager_ms > 0
    assert "C++ compiler" in result.reason and "eager model is unaffected" in result.reason
    other = tt.explain_compile_error(ValueError("something else"))
    assert "ValueError: something else" in other and "C++" not in other


def test_profile_counts_one_addmm_per_linear_layer_per_step():
    torch.manual_seed(0)
    model = VAE(hidden=(32, 32))                    # 4 Linear layers in the encoder, 3 in the decoder
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = (torch.rand(16, 8, 8) > 0.5).float()
    prof = tt.profile_steps(model, optimizer, x, steps=4, warmup=1)
    rows = tt.top_ops(prof, n=200)
    calls = {r["op"]: r["calls"] for r in rows}
    assert calls["aten::addmm"] == 7 * 4                        # the forward pass: bias + x @ W^T
    assert abs(sum(r["share"] for r in rows) - 1.0) < 1e-6
    assert [r["self_cpu_ms"] for r in rows] == sorted((r["self_cpu_ms"] for r in rows), reverse=True)
    phases = tt.phase_ms(prof)
    assert set(phases) == set(tt.PHASES) and all(v > 0 for v in phases.values())


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_save_and_load_give_identical_outputs(tmp_path, suffix):
    torch.manual_seed(0)
    model = VAE(hidden=(32, 16), latent_dim=4)
    x = (torch.rand(8, 8, 8) > 0.5).float()
    path = tt.save_state(model, tmp_path / f"vae{suffix}")
    again = tt.load_vae(path)
    assert again.hidden == (32, 16) and again.latent_dim == 4
    assert torch.equal(tt.deterministic_outputs(model, x), tt.deterministic_outputs(again, x))
    n_bytes = 4 * sum(p.numel() for p in model.parameters())
    assert n_bytes < path.stat().st_size < n_bytes + 10_000     # the float32 weights plus a small header


def test_safetensors_file_is_plain_tensors_with_a_json_header(tmp_path):
    path = tt.save_state(VAE(hidden=(8,), latent_dim=2), tmp_path / "vae.safetensors")
    raw = path.read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    assert json.loads(header["__metadata__"]["config"])["hidden"] == [8]
    weight = header["encoder.to_mu.weight"]
    assert weight["dtype"] == "F32" and weight["shape"] == [2, 8]
    with pytest.raises(ValueError, match=".pt or a .safetensors"):
        tt.save_state(VAE(hidden=(8,)), tmp_path / "vae.bin")


def test_bench_writes_its_json(tmp_path):
    out = tmp_path / "tools_torch.json"
    result = tools_torch.main(["--epochs", "2", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["epochs"] == 2 and len(saved["seconds_each_epoch"]) == 2
    assert saved["test_neg_elbo"] == pytest.approx(result["test_neg_elbo"])
    assert 10 < saved["test_neg_elbo"] < 44       # trained a little: below 64 random bits (44.4 nats)
    assert saved["model_and_training_lines"] > 50 and saved["parameters"] == 171_088
