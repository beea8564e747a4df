import subprocess
import sys

import pytest

from book_utils import cli


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "book_utils", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for word in ("train", "evaluate", "fetch"):
        assert word in out


def test_train_requires_a_known_model_and_an_out_dir(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "diffusion", "--out", "x"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "gan"])


def test_evaluate_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_options_reach_the_model_module(monkeypatch, tmp_path):
    seen = {}

    class FakeModel:
        @staticmethod
        def train_run(out, dataset, **options):
            seen.update(out=out, dataset=dataset, **options)
            return {"ok": True}

    monkeypatch.setattr(cli, "_model_module", lambda name: FakeModel)
    assert cli.main(["train", "vae", "--out", str(tmp_path), "--epochs", "3", "--latent-dim", "2"]) == 0
    assert seen == {"out": str(tmp_path), "dataset": "digits", "epochs": 3, "latent_dim": 2, "seed": 0}
