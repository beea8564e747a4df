"""The command line: every failure is one line `error: ...` with exit status 2 and loses nothing."""

import os
import subprocess
import sys

import numpy as np
import pytest

from book_utils import cli

FAST_VAE = ["--epochs", "2", "--batch-size", "16", "--latent-dim", "2", "--option", "hidden=[16]",
            "--option", "eval_k=4", "--option", "checkpoint_every=1"]


def fails_cleanly(capsys, argv) -> str:
    """Run the CLI; assert exit status 2 and a single `error:` line; return that line."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert "unexpected" not in err[0], f"a failure the book did not foresee: {err[0]}"
    return err[0]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def blobs(tmp_path):
    """A reader's .npz: 40 8 x 8 grey images."""
    rng = np.random.default_rng(0)
    path = tmp_path / "blobs.npz"
    np.savez(path, x_train=rng.integers(0, 256, (40, 8, 8)).astype(np.uint8),
             x_test=rng.integers(0, 256, (10, 8, 8)).astype(np.uint8))
    return path


def test_help_lists_the_commands_and_the_defaults():
    out = subprocess.run([sys.executable, "-m", "book_utils", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for word in ("train", "evaluate", "options", "fetch"):
        assert word in out
    out = subprocess.run([sys.executable, "-m", "book_utils", "train", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "vae: epochs 700" in " ".join(out.split()) and "--option NAME=VALUE" in out


def test_train_requires_a_known_model_and_an_out_dir(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "diffusion", "--out", "x"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "gan"])


def test_evaluate_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert "not a run directory" in fails_cleanly(capsys, ["evaluate", str(tmp_path)])


def test_options_list_a_models_fields(capsys):
    assert cli.main(["options", "vae"]) == 0
    assert '"eval_k": 1000' in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--batch-size", "-5"], "batch_size must be a positive integer"),
    (["--batch-size", "0"], "batch_size must be a positive integer"),
    (["--epochs", "0"], "epochs must be a positive integer"),
    (["--seed", "-1"], "seed must be an integer >= 0"),
    (["--batch-size", "5000"], "larger than the"),
    (["--option", "warp=9"], "unknown vae option"),
    (["--option", "eval_k"], "write NAME=VALUE"),
    (["--text", "python-docs"], "--text belongs to the arm model"),
])
def test_bad_options_are_one_line_and_write_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "run"
    assert message in fails_cleanly(capsys, ["train", "vae", "--out", str(out), *argv])
    assert not out.exists()


def test_a_corrected_command_is_accepted_after_a_refused_one(tmp_path, capsys):
    out = tmp_path / "run"
    fails_cleanly(capsys, ["train", "vae", "--out", str(out), "--batch-size", "5000"])
    assert cli.main(["train", "vae", "--out", str(out), *FAST_VAE]) == 0


@pytest.mark.parametrize("damage", ["zero-byte", "not a zip", "truncated", "bit flip"])
def test_a_damaged_npz_is_one_line(tmp_path, capsys, blobs, damage):
    data = blobs.read_bytes()
    middle = len(data) // 2                                  # inside x_train's stored pixels
    content = {"zero-byte": b"", "not a zip": b"PK\x03\x04 truncated", "truncated": data[:middle],
               "bit flip": data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]}[damage]
    bad = tmp_path / "bad.npz"
    bad.write_bytes(content)
    line = fails_cleanly(capsys, ["train", "vae", "--dataset", str(bad), "--out", str(tmp_path / "run")])
    assert "bad.npz" in line
    assert not (tmp_path / "run").exists()


def test_a_one_image_npz_is_refused(tmp_path, capsys):
    path = tmp_path / "one.npz"
    np.savez(path, x_train=np.full((1, 8, 8), 200, np.uint8))
    assert "at least 2 images" in fails_cleanly(capsys, ["train", "vae", "--dataset", str(path),
                                                         "--out", str(tmp_path / "run")])


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_a_read_only_out_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = fails_cleanly(capsys, ["train", "vae", "--out", str(locked / "run"), *FAST_VAE])
        assert "cannot write" in line
    finally:
        locked.chmod(0o700)


def test_an_out_below_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert "cannot write the run directory" in fails_cleanly(
        capsys, ["train", "vae", "--out", str(tmp_path / "file" / "run"), *FAST_VAE])


@pytest.fixture
def finished_vae(tmp_path, blobs, monkeypatch):
    """A finished VAE run trained on a reader's .npz given by a RELATIVE path."""
    monkeypatch.chdir(blobs.parent)
    out = tmp_path / "run"
    assert cli.main(["train", "vae", "--dataset", blobs.name, "--out", str(out), *FAST_VAE]) == 0
    return out


def test_evaluate_works_from_any_directory_and_refuses_a_moved_dataset(finished_vae, blobs, tmp_path,
                                                                       capsys, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert cli.main(["evaluate", str(finished_vae)]) == 0
    before = snapshot(finished_vae)
    blobs.rename(tmp_path / "moved.npz")
    line = fails_cleanly(capsys, ["evaluate", str(finished_vae)])
    assert "blobs.npz" in line and "no longer exists" in line
    assert snapshot(finished_vae) == before


@pytest.mark.parametrize("damage", ["zero-byte", "garbage"])
def test_damaged_checkpoints_are_one_line(finished_vae, capsys, damage):
    for folder in (finished_vae / "checkpoints").iterdir():
        (folder / "vae.pt").write_bytes(b"" if damage == "zero-byte" else b"\x80\x04not a checkpoint")
    before = snapshot(finished_vae)
    line = fails_cleanly(capsys, ["evaluate", str(finished_vae)])
    assert "vae.pt is damaged" in line and "weights_only=False" not in line
    assert snapshot(finished_vae) == before


@pytest.mark.parametrize("name, content, message", [
    ("run.json", "{", "run.json is damaged"),
    ("run.json", '{"model": 3}', "does not describe a run"),
    ("metrics.json", "", None)])
def test_damaged_json_files(finished_vae, blobs, capsys, monkeypatch, name, content, message):
    (finished_vae / name).write_text(content)
    if message:
        assert message in fails_cleanly(capsys, ["evaluate", str(finished_vae)])
    else:   # a finished run whose metrics.json is damaged is evaluated again when its command is re-run
        assert cli.main(["train", "vae", "--dataset", blobs.name, "--out", str(finished_vae), *FAST_VAE]) == 0
        assert '"test_nll"' in (finished_vae / "metrics.json").read_text()


def test_another_epoch_count_on_a_finished_run_is_refused(finished_vae, blobs, capsys):
    before = snapshot(finished_vae)
    args = ["train", "vae", "--dataset", blobs.name, "--out", str(finished_vae), *FAST_VAE, "--epochs", "3"]
    assert "another configuration" in fails_cleanly(capsys, args)
    assert snapshot(finished_vae) == before


def test_debug_shows_the_traceback(tmp_path):
    from book_utils.errors import ConfigError

    with pytest.raises(ConfigError):
        cli.main(["train", "vae", "--out", str(tmp_path / "run"), "--epochs", "0", "--debug"])
