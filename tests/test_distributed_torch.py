"""Data-parallel training under torchrun (book_utils.runs.distributed): DDP on gloo, 2 CPU processes.

Two processes with the same global batch take the same steps as one process, up to rounding: DDP
all-reduces per-rank gradient sums, so the floats are added in another order than one process adds
them, and training carries those last-bit differences forward. The tolerances below are about 20
times the differences measured on this machine (step losses about 5e-6 nats, weights 6e-7), far
below any real change (one step of Adam moves the weights by about 1e-3). Replicas of one run are
bit-identical: every rank receives the same all-reduced gradient.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from book_utils.errors import ConfigError
from book_utils.runs.distributed import Distributed, per_rank_batch

LOSS_TOLERANCE = 1e-4        # nats per image, or bits per character
WEIGHT_TOLERANCE = 1e-4
VAE = ["train", "vae", "--dataset", "digits", "--epochs", "3", "--checkpoint-every", "1",
       "--option", "eval_k=10"]                       # 1,293 training images: a ragged last batch of 13
TIMEOUT = 300


def env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def launch(tmp: Path, name: str, command: list[str], nproc: int = 1, kill_after: int | None = None,
           check: bool = True) -> subprocess.CompletedProcess:
    """Train ``command`` (``python -m book_utils`` arguments) with a report, in one process or under
    torchrun --standalone with ``nproc`` processes."""
    tool = ["-m", "book_utils.runs.distributed", *command, "--out", str(tmp / name / "run"),
            "--report", str(tmp / name / "report")]
    if kill_after is not None:
        tool += ["--kill-after-epoch", str(kill_after)]
    prefix = [sys.executable] if nproc == 1 else \
        [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    done = subprocess.run(prefix + tool, capture_output=True, text=True, env=env(), timeout=TIMEOUT)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def reports(run: Path) -> list[dict]:
    folder = run / "report"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("rank-*.json"))]


def weights(run: Path, file: str) -> dict:
    newest = sorted((run / "run" / "checkpoints").iterdir())[-1]
    return torch.load(newest / file, weights_only=True)["model"]


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def step_losses(report: dict) -> np.ndarray:
    return np.concatenate([np.asarray(s) for s in report["step_losses"]])


@pytest.fixture(scope="module")
def vae_runs(tmp_path_factory):
    """The same VAE run in one process and in two (torchrun, gloo)."""
    tmp = tmp_path_factory.mktemp("ddp")
    launch(tmp, "one", VAE)
    launch(tmp, "two", VAE, nproc=2)
    return tmp


def check_same_training(single: Path, parallel: Path, file: str) -> None:
    """Identical replicas; the same step losses and final weights as one process, within tolerance."""
    one, = reports(single)
    replicas = reports(parallel)
    assert [r["rank"] for r in replicas] == [0, 1] and {r["world_size"] for r in replicas} == {2}
    assert replicas[0]["weights_sha256"] == replicas[1]["weights_sha256"]       # identical replicas
    for replica in replicas:
        assert len(step_losses(replica)) == len(step_losses(one)) > 0
        np.testing.assert_allclose(step_losses(replica), step_losses(one), rtol=0, atol=LOSS_TOLERANCE)
    assert max_difference(weights(single, file), weights(parallel, file)) < WEIGHT_TOLERANCE


def test_two_processes_train_the_vae_as_one_process_does(vae_runs):
    check_same_training(vae_runs / "one", vae_runs / "two", "vae.pt")
    metrics = [json.loads((vae_runs / n / "run" / "metrics.json").read_text()) for n in ("one", "two")]
    assert abs(metrics[0]["test_nll"] - metrics[1]["test_nll"]) < 0.01
    assert sorted(p.name for p in (vae_runs / "two" / "run").iterdir()) == \
        ["checkpoints", "losses.png", "metrics.json", "run.json", "samples.npy", "samples.png"]


@pytest.mark.parametrize("arch, sizes", [("gru", ["hidden=32", "embed=8"]),
                                         ("transformer", ["d_model=32", "heads=2", "blocks=1"])])
def test_two_processes_train_the_character_model_as_one_process_does(tmp_path, arch, sizes):
    text = tmp_path / "text.txt"
    rng = np.random.default_rng(0)
    words = "the cat sat on a mat and the dog ran to the red hat while a bird sang".split()
    text.write_text(" ".join(rng.choice(words, 800)), encoding="utf-8")
    command = ["train", "arm", "--text", str(text), "--epochs", "2", "--batch-size", "8",
               "--option", "seq_len=32", "--option", f"arch={arch}"]
    for size in sizes:
        command += ["--option", size]
    launch(tmp_path, "one", command)
    launch(tmp_path, "two", command, nproc=2)
    check_same_training(tmp_path / "one", tmp_path / "two", "arm.pt")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_nodes_on_loopback_with_c10d_rendezvous(vae_runs, tmp_path):
    port = free_port()
    tool = ["-m", "book_utils.runs.distributed", *VAE, "--out", str(tmp_path / "nodes" / "run"),
            "--report", str(tmp_path / "nodes" / "report")]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc_per_node=1",
                "--rdzv_backend=c10d", f"--rdzv_endpoint=127.0.0.1:{port}", "--rdzv_id=book-test"]
    nodes = [subprocess.Popen([*torchrun, f"--node_rank={rank}", *tool], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env())
             for rank in (0, 1)]
    for node in nodes:
        _, err = node.communicate(timeout=TIMEOUT)
        assert node.returncode == 0, err[-3000:]
    check_same_training(vae_runs / "one", tmp_path / "nodes", "vae.pt")


def test_a_killed_distributed_run_resumes_to_the_uninterrupted_weights(vae_runs, tmp_path):
    killed = launch(tmp_path, "killed", VAE, nproc=2, kill_after=2, check=False)
    assert killed.returncode != 0
    kept = sorted(p.name for p in (tmp_path / "killed" / "run" / "checkpoints").iterdir())
    assert kept == ["epoch-000001"]                 # epoch 2 trained, but rank 0 died before its checkpoint
    launch(tmp_path, "killed", VAE, nproc=2)        # the same command again: resumes from epoch 1
    resumed, uninterrupted = weights(tmp_path / "killed", "vae.pt"), weights(vae_runs / "two", "vae.pt")
    assert all(torch.equal(resumed[k], uninterrupted[k]) for k in uninterrupted)
    replicas = reports(tmp_path / "killed")
    assert [r["epochs"] for r in replicas] == [[2, 3], [2, 3]]
    assert replicas[0]["weights_sha256"] == replicas[1]["weights_sha256"]


def test_a_global_batch_that_does_not_split_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    from book_utils.runs import train

    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match=r"batch_size 63 .*2 processes.*--batch-size 62 or 64"):
        train("vae", tmp_path / "run", "digits", epochs=1, batch_size=63, progress=False)
    assert not (tmp_path / "run").exists()
    assert per_rank_batch(64, 2) == 32 and per_rank_batch(64, 4) == 16
    with pytest.raises(ConfigError, match="multiple of 3"):
        per_rank_batch(64, 3)


def test_each_rank_takes_its_contiguous_slice_of_the_global_batch():
    batch = torch.arange(7)
    slices = [Distributed(r, 2, r, torch.device("cpu")).shard(batch).tolist() for r in (0, 1)]
    assert slices == [[0, 1, 2, 3], [4, 5, 6]]
    assert Distributed(1, 2, 1, torch.device("cpu")).shard(torch.arange(1)).numel() == 0
