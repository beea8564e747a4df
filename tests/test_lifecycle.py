"""The run lifecycle (book_utils.runs.lifecycle) with a tiny NumPy 'model': checks before writing,
resume from the newest checkpoint that loads, NaN stops, metrics that are never made worse."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from book_utils import runs
from book_utils.errors import CheckpointError, ConfigError, CorruptFileError, DivergedError, RunDirError
from book_utils.runs.config import make_config, require_positive
from book_utils.runs.lifecycle import Evaluation, Plan


@dataclass(frozen=True)
class WalkConfig:
    epochs: int = 6
    checkpoint_every: int = 2
    seed: int = 0
    step: float = 0.1
    nan_at: int = 0

    def __post_init__(self):
        require_positive(self, "epochs", "checkpoint_every")


class WalkTrainer:
    """A 'model' that is a random walk of 8 x 8 images: each epoch adds seeded noise."""

    def __init__(self, config):
        self.config, self.rng = config, np.random.default_rng(config.seed)
        self.weights = np.full((8, 8), 0.5)

    def train_epoch(self, epoch):
        self.weights = self.weights + self.config.step * self.rng.standard_normal((8, 8))
        loss = float(np.abs(self.weights).mean())
        return {"loss": float("nan") if epoch == self.config.nan_at else loss}

    def save(self, folder: Path):
        runs.save_npy(folder / "weights.npy", self.weights)
        runs.save_json(folder / "rng.json", self.rng.bit_generator.state)

    def restore(self, folder: Path):
        self.weights = np.load(folder / "weights.npy")
        self.rng.bit_generator.state = runs.load_json(folder / "rng.json")

    def evaluate(self):
        samples = np.clip(np.stack([self.weights] * 10), 0, 1).astype(np.float32)
        return Evaluation(samples=samples, parameters=64, test_nll=float(self.weights.sum()),
                          test_nll_kind="exact")

    def trained_model(self):
        return self.weights


class WalkFamily:
    name = "walk"
    sample_view = "text"                 # no image metrics for this toy
    loss_panels = {"loss": ["loss"]}
    smoke_limits = {"epochs": 2}

    def plan(self, dataset, text, options):
        config = make_config(WalkConfig, {}, options, model="walk")
        return Plan(config, {"kind": "images", "name": str(dataset)})

    def build(self, plan):
        return WalkTrainer(plan.config)


@pytest.fixture
def walk(monkeypatch):
    family = WalkFamily()
    monkeypatch.setattr(runs.lifecycle, "family", lambda name: family)
    return family


def train(out, **options):
    return runs.train(WalkFamily(), out, "toy", progress=False, **options)


def test_a_run_writes_the_documented_files(tmp_path, walk):
    metrics = train(tmp_path / "run")
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {"run.json", "checkpoints", "samples.npy", "metrics.json", "losses.png", "samples.png"}
    assert [f.name for f in runs.checkpoint_folders(tmp_path / "run")] == ["epoch-000006", "epoch-000004"]
    assert metrics["epochs"] == 6 and metrics["parameters"] == 64 and metrics["test_nll_kind"] == "exact"
    assert len(runs.read_history(tmp_path / "run")["loss"]) == 6
    assert runs.read_run(tmp_path / "run")["format"] == runs.rundir.FORMAT


def test_bad_options_write_nothing(tmp_path, walk):
    with pytest.raises(ConfigError, match="epochs must be a positive integer"):
        train(tmp_path / "run", epochs=0)
    with pytest.raises(ConfigError, match="unknown walk option.*nope"):
        train(tmp_path / "run", nope=1)
    assert not (tmp_path / "run").exists()


def test_killed_run_resumes_to_the_same_result(tmp_path, walk, kill_after_checkpoint):
    whole = train(tmp_path / "whole")
    kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "killed")
    assert not (tmp_path / "killed" / "metrics.json").exists()
    resumed = train(tmp_path / "killed")
    assert resumed["test_nll"] == whole["test_nll"]
    assert runs.read_history(tmp_path / "killed") == runs.read_history(tmp_path / "whole")


def test_a_damaged_newest_checkpoint_falls_back_to_the_older_one(tmp_path, walk, kill_after_checkpoint,
                                                                  capsys):
    whole = train(tmp_path / "whole")
    kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "killed")
    newest = runs.checkpoint_folders(tmp_path / "killed")[0]
    (newest / "weights.npy").write_bytes(b"")                    # a zero-byte file
    assert train(tmp_path / "killed")["test_nll"] == whole["test_nll"]
    assert "skipped a damaged checkpoint" in capsys.readouterr().err


def test_no_readable_checkpoint_is_an_error_that_keeps_them(tmp_path, walk, kill_after_checkpoint):
    kill_after_checkpoint(1)
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "killed")
    (folder,) = runs.checkpoint_folders(tmp_path / "killed")
    (folder / "weights.npy").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="no checkpoint .* could be read"):
        train(tmp_path / "killed")
    assert (folder / "weights.npy").read_bytes() == b"garbage"


def test_nan_stops_the_run_and_keeps_its_checkpoint(tmp_path, walk):
    with pytest.raises(DivergedError, match="loss at epoch 3 became nan.*kept"):
        train(tmp_path / "run", nan_at=3)
    assert [f.name for f in runs.checkpoint_folders(tmp_path / "run")] == ["epoch-000002"]


def test_evaluate_never_loses_numbers_and_repairs_damaged_metrics(tmp_path, walk, monkeypatch):
    train(tmp_path / "run")
    good = (tmp_path / "run" / "metrics.json").read_bytes()
    monkeypatch.setattr(WalkTrainer, "evaluate", lambda self: Evaluation(
        samples=np.zeros((2, 8, 8), np.float32), parameters=64))            # no test NLL any more
    with pytest.raises(RunDirError, match="gives no test_nll.*kept"):
        runs.evaluate(tmp_path / "run")
    assert (tmp_path / "run" / "metrics.json").read_bytes() == good
    monkeypatch.undo()
    monkeypatch.setattr(runs.lifecycle, "family", lambda name: walk)
    (tmp_path / "run" / "metrics.json").write_text("{broken")
    with pytest.raises(CorruptFileError, match="metrics.json is damaged"):
        runs.load_json(tmp_path / "run" / "metrics.json")
    repaired = train(tmp_path / "run")
    saved = runs.load_json(tmp_path / "run" / "metrics.json")
    assert repaired["test_nll"] == pytest.approx(saved["test_nll"])


@pytest.mark.parametrize("content, message", [
    ("", "run.json is damaged"), ("[1, 2]", "does not describe a run"),
    ('{"model": "walk", "config": {}}', "another version of the book")])
def test_a_damaged_run_json_is_named(tmp_path, content, message):
    (tmp_path / "run.json").write_text(content)
    with pytest.raises((CorruptFileError, RunDirError), match=message):
        runs.read_run(tmp_path)


def test_an_unwritable_out_is_refused_clearly(tmp_path, walk):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunDirError, match="is a file"):
        train(tmp_path / "file")
    with pytest.raises(RunDirError, match="cannot write the run directory"):
        train(tmp_path / "file" / "run")


def test_the_data_reference_follows_a_file_and_refuses_a_changed_one(tmp_path):
    data = tmp_path / "mine.npz"
    data.write_bytes(b"first")
    ref = runs.data_reference(data, ("digits",))
    assert ref["path"] == str(data.resolve()) and runs.data_source(ref) == str(data.resolve())
    assert runs.data_reference("digits", ("digits",)) == {"kind": "images", "name": "digits"}
    data.write_bytes(b"second")
    with pytest.raises(RunDirError, match="has changed"):
        runs.data_source(ref)
    data.unlink()
    with pytest.raises(RunDirError, match="no longer exists"):
        runs.data_source(ref)


def test_book_run_dir_finds_the_book_from_a_chapter_folder(tmp_path, monkeypatch):
    (tmp_path / "chapters" / "05_practice").mkdir(parents=True)
    monkeypatch.delenv("BOOK_RUNS", raising=False)
    monkeypatch.chdir(tmp_path / "chapters" / "05_practice")
    assert runs.book_run_dir("vae") == tmp_path.resolve() / "runs" / "book" / "vae"
    monkeypatch.setenv("BOOK_RUNS", str(tmp_path / "elsewhere"))
    assert runs.book_run_dir("vae") == tmp_path / "elsewhere" / "vae"


def test_smoke_mode_caps_the_epochs(tmp_path, walk, monkeypatch):
    monkeypatch.setenv("BOOK_SMOKE", "1")
    assert train(tmp_path / "run", epochs=50)["epochs"] == 2


def test_a_run_saved_before_an_option_existed_still_opens_and_a_changed_one_is_named(tmp_path, walk,
                                                                                     monkeypatch):
    train(tmp_path / "run")
    saved = runs.read_run(tmp_path / "run")
    del saved["config"]["nan_at"]                      # as written by a version without that option
    runs.save_json(tmp_path / "run" / "run.json", saved)
    assert runs.load(tmp_path / "run").shape == (8, 8)
    monkeypatch.setattr(WalkFamily, "plan", lambda self, dataset, text, options: Plan(
        make_config(WalkConfig, {}, {**options, "step": 0.2}, model="walk"), {"kind": "images"}))
    with pytest.raises(RunDirError, match=r"\(step differ\)"):
        runs.load(tmp_path / "run")
