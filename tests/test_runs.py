import json
import os

import numpy as np
import pytest

from book_utils import runs


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    runs.atomic_write_bytes(target, b"first")
    runs.atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["f.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    runs.save_json(target, {"fid": 1.0})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        runs.save_json(target, {"fid": 2.0})
    assert json.loads(target.read_text()) == {"fid": 1.0}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_json_handles_numpy_and_nan(tmp_path):
    runs.save_json(tmp_path / "m.json", {"a": np.float32(0.5), "b": float("nan"), "c": (1, 2)})
    assert runs.load_json(tmp_path / "m.json") == {"a": 0.5, "b": None, "c": [1, 2]}


def test_save_npy_round_trip(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    runs.save_npy(tmp_path / "s.npy", array)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), array)


def test_run_dir_create_resume_and_refuse(tmp_path):
    out = tmp_path / "run"
    path, resuming = runs.prepare_run_dir(out, "gan", {"epochs": 3})
    assert path == out and not resuming and runs.read_run(out)["model"] == "gan"
    (out / "checkpoints" / "epoch-000001").mkdir(parents=True)       # something was trained
    assert runs.prepare_run_dir(out, "gan", {"epochs": 3}) == (out, True)
    with pytest.raises(runs.RunDirError, match="holds a 'gan' run, not a 'vae' run"):
        runs.prepare_run_dir(out, "vae", {"epochs": 3})
    with pytest.raises(runs.RunDirError, match="another configuration"):
        runs.prepare_run_dir(out, "gan", {"epochs": 5})
    assert runs.read_run(out)["config"] == {"epochs": 3}


def test_a_start_that_trained_nothing_takes_the_corrected_options(tmp_path):
    out = tmp_path / "run"
    runs.prepare_run_dir(out, "gan", {"batch_size": 5000})
    assert runs.prepare_run_dir(out, "gan", {"batch_size": 64}) == (out, False)
    assert runs.read_run(out)["config"] == {"batch_size": 64}


def test_run_dir_refuses_foreign_folder_and_file(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(runs.RunDirError, match="not a run directory"):
        runs.prepare_run_dir(tmp_path, "gan", {})
    assert (tmp_path / "thesis.tex").read_text() == "precious"
    with pytest.raises(runs.RunDirError, match="is a file"):
        runs.prepare_run_dir(tmp_path / "thesis.tex", "gan", {})
    with pytest.raises(runs.RunDirError, match="not a run directory"):
        runs.read_run(tmp_path)


def test_check_finite():
    assert runs.check_finite(1.5, "loss") == 1.5
    with pytest.raises(FloatingPointError, match="loss became nan.*kept"):
        runs.check_finite(float("nan"), "loss", out="runs/x")
