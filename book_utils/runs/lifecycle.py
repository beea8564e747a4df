"""One run lifecycle for every model the book trains: check, start or resume, train, evaluate.

    metrics = train("vae", "runs/vae", "digits", epochs=300)     # python -m book_utils train vae ...
    metrics = evaluate("runs/vae")                                # python -m book_utils evaluate runs/vae

A model family plugs in with two small objects (see :class:`Family` and :class:`Trainer`):
the family checks the options and the data and builds a trainer; the trainer runs one epoch,
saves and restores everything it needs into a checkpoint folder, and evaluates itself.
The lifecycle does the rest, once for all models:

1. every option and the data are checked before anything is written (``Family.plan``);
2. ``run.json`` is written, or a matching run is reopened (:mod:`book_utils.runs.rundir`);
3. training resumes from the newest checkpoint that loads, falling back to an older one;
4. epochs run with a progress bar; a NaN or infinite loss stops the run, keeping its checkpoint;
5. every ``checkpoint_every`` epochs and after the last one, a checkpoint folder is written
   whole and renamed into place (the newest ``KEEP`` are kept);
6. the finished run is evaluated: ``samples.npy``, ``metrics.json``, ``losses.png``,
   ``samples.png`` (and ``samples.txt`` for text), all written atomically.

Under ``torchrun`` the same steps run data-parallel: a trainer that can (``trainer.distribute(ctx)``)
trains its share of each batch in DistributedDataParallel, and rank 0 alone writes
(:mod:`book_utils.runs.distributed`).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from book_utils.data import smoke_mode
from book_utils.errors import BookError, CheckpointError, DivergedError, RunDirError
from book_utils.runs.config import as_dict
from book_utils.runs.files import load_json, replace_dir, save_json, save_npy
from book_utils.runs.rundir import data_source, prepare_run_dir, read_run

CHECKPOINTS = "checkpoints"
KEEP = 2                      # checkpoint folders kept (the newest first)
N_SAMPLES = 1000              # samples written to samples.npy
FAMILIES = {"gan": "book_utils.gan.run", "vae": "book_utils.vae.run", "arm": "book_utils.arm.run"}


@dataclass
class Plan:
    """A checked run: the frozen config (with ``epochs``, ``checkpoint_every``, ``seed``), the data
    reference saved in run.json, and the loaded data the trainer uses."""

    config: Any
    data: dict
    loaded: Any = None


@dataclass
class Evaluation:
    """What a trainer reports about itself once trained.

    samples: images float32 N x H x W in [0, 1], or text int32 N x L token ids;
    test_nll: nats per image (or per character for text), with ``test_nll_kind`` saying
    whether it is exact or a bound; details: the family's own numbers.
    """

    samples: np.ndarray
    parameters: int
    test_nll: float | None = None
    test_nll_kind: str | None = None
    details: dict = field(default_factory=dict)
    text_samples: list[str] | None = None


class Trainer(Protocol):
    def train_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch (``epoch`` counts from 1); return the epoch's mean losses."""

    def save(self, folder: Path) -> None:
        """Write everything needed to continue exactly (weights, optimizers, random states)."""

    def restore(self, folder: Path) -> None:
        """Read back what :meth:`save` wrote; raise on a damaged file."""

    def evaluate(self) -> Evaluation:
        """Samples and numbers of the trained model."""

    def trained_model(self):
        """The trained model as a reader uses it (e.g. the best-on-validation weights, in eval mode)."""


class Family(Protocol):
    name: str                          # "gan", "vae", "arm"
    sample_view: str                   # how the metrics read the samples: "grey", "binary" or "text"
    loss_panels: dict[str, list[str]]  # losses.png: panel title -> history keys drawn in it
    smoke_limits: dict[str, int]       # BOOK_SMOKE: config fields capped, e.g. {"epochs": 2}

    def plan(self, dataset: str | None, text: str | None, options: dict) -> Plan:
        """Check the options and the data (writing nothing); raise BookError with a remedy."""

    def build(self, plan: Plan) -> Trainer:
        """The seeded model, optimizers and data of a checked plan."""


def family(name: str) -> Family:
    """The model family called ``name`` (imports its framework)."""
    if name not in FAMILIES:
        raise RunDirError(f"unknown model {name!r}: choose one of {', '.join(FAMILIES)}")
    from book_utils.notebook import TF_IMPORT_NOISE, filtered_stderr, quiet_logs

    quiet_logs()
    with filtered_stderr(TF_IMPORT_NOISE):      # TensorFlow's start-up lines are not the reader's business
        return importlib.import_module(FAMILIES[name]).FAMILY


def check_finite(value: float, what: str, out: str | Path | None = None) -> float:
    """``value`` as a float, or :class:`DivergedError` when it is NaN or infinite."""
    value = float(value)
    if not np.isfinite(value):
        where = f" The last checkpoint in {out} is kept." if out is not None else ""
        raise DivergedError(f"{what} became {value}: training diverged.{where} Try a lower learning rate "
                            "or another --seed, in a new --out directory.")
    return value


# --- checkpoints ------------------------------------------------------------------------------

def checkpoint_folders(out: Path) -> list[Path]:
    """The run's checkpoint folders, newest first."""
    folder = Path(out) / CHECKPOINTS
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith("epoch-")]
    return sorted(found, key=lambda p: p.name, reverse=True)


def save_checkpoint(out: Path, trainer: Trainer, state: dict) -> Path:
    """Write the trainer and the lifecycle's ``state`` into ``checkpoints/epoch-NNNNNN`` whole."""
    root = Path(out) / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    target = root / f"epoch-{state['epoch']:06d}"
    try:
        trainer.save(tmp)
        save_json(tmp / "state.json", state)
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in checkpoint_folders(out)[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def restore_newest(out: Path, trainer: Trainer) -> dict | None:
    """Restore the newest checkpoint that loads (an older one when the newest is damaged) and
    return its state; ``None`` when the run has no checkpoint yet."""
    problems = []
    for folder in checkpoint_folders(out):
        try:
            state = load_json(folder / "state.json")
            if not {"epoch", "history", "train_seconds", "train_cpu_seconds"} <= set(state):
                raise ValueError("state.json lacks the epoch or the history")
            trainer.restore(folder)
        except Exception as err:  # noqa: BLE001 - any damage: try the next older checkpoint
            problems.append(f"{folder}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            continue
        if problems:
            print(f"warning: skipped a damaged checkpoint ({'; '.join(problems)}); resuming from {folder}",
                  file=sys.stderr)
        return state
    if problems:
        raise CheckpointError(f"no checkpoint of {out} could be read ({'; '.join(problems)}); train into a "
                              f"new --out directory, or move {Path(out) / CHECKPOINTS} away to start over")
    return None


# --- training ----------------------------------------------------------------------------------

def train(model: str | Family, out: str | Path, dataset: str | None = "digits", *, text: str | None = None,
          progress: bool = True, on_epoch_end=None, **options) -> dict | None:
    """Train (or resume) ``model`` into run directory ``out``; returns metrics.json's content.

    ``options`` are fields of the family's config (epochs, batch_size, seed, ...). A killed run
    started again with the same arguments resumes and ends with the weights an uninterrupted run
    would have. ``on_epoch_end(epoch, trainer, losses)`` is called after each epoch.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the run is data-parallel (:mod:`book_utils.runs.distributed`):
    ``batch_size`` is the global batch, rank 0 alone writes the run directory and returns the
    metrics, and the other ranks return ``None`` once training is over.
    """
    fam = family(model) if isinstance(model, str) else model
    plan = fam.plan(dataset, text, dict(options))
    if smoke_mode():
        plan.config = dataclasses.replace(plan.config, **{k: min(getattr(plan.config, k), v)
                                                          for k, v in fam.smoke_limits.items()})
    dist, created = _start_distributed(plan.config)
    try:
        return _train(fam, plan, Path(out), progress, on_epoch_end, dist)
    finally:
        if created:
            from book_utils.runs.distributed import stop

            stop()


def _start_distributed(config):
    """(context, created) under torchrun; (None, False) in a single process (torch is not imported)."""
    if int(os.environ.get("WORLD_SIZE", "1") or 1) <= 1:
        return None, False
    from book_utils.runs.distributed import start

    return start(config.batch_size)


def _train(fam: Family, plan: Plan, out: Path, progress: bool, on_epoch_end, dist) -> dict | None:
    main = dist is None or dist.is_main
    on_main = (lambda fn: fn()) if dist is None else dist.on_main
    out, resuming = on_main(lambda: prepare_run_dir(out, fam.name, as_dict(plan.config), plan.data))
    trainer = fam.build(plan)
    if dist is not None:
        if not hasattr(trainer, "distribute"):
            raise RunDirError(f"this {fam.name} run does not train under torchrun: data-parallel training "
                              "is written for the vae and the character model (arm --text); run it as one "
                              "process")
        trainer.distribute(dist)
    state = (restore_newest(out, trainer) if resuming else None) or \
        {"epoch": 0, "history": {}, "train_seconds": 0.0, "train_cpu_seconds": 0.0}
    epochs, every = plan.config.epochs, plan.config.checkpoint_every
    if state["epoch"] >= epochs and (out / "metrics.json").exists():
        if not main:
            return None
        try:
            return load_json(out / "metrics.json")
        except BookError:
            pass                                   # a damaged metrics.json: evaluate again below
    bar = None
    if progress and main and state["epoch"] < epochs:
        from book_utils.progress import progress as progress_bar

        bar = progress_bar(total=epochs, initial=state["epoch"], desc=f"{fam.name} epochs")
    try:
        for epoch in range(state["epoch"] + 1, epochs + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            losses = trainer.train_epoch(epoch)
            state["train_seconds"] += time.perf_counter() - wall
            state["train_cpu_seconds"] += time.process_time() - cpu
            for name, value in losses.items():
                value = check_finite(value, f"the {name} at epoch {epoch}", out)
                state["history"].setdefault(name, []).append(value)
            state["epoch"] = epoch
            if on_epoch_end is not None:
                on_epoch_end(epoch, trainer, losses)
            if epoch % every == 0 or epoch == epochs:
                if main:
                    save_checkpoint(out, trainer, state)
                if dist is not None:
                    dist.barrier()                 # every rank has the checkpoint behind it
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k: f"{v:.3g}" for k, v in list(losses.items())[:3]}, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    if not main:
        return None                                # rank 0 evaluates and writes the files
    return _finish(out, fam, trainer, state, plan)


def open_run(out: str | Path, model: str | None = None) -> tuple[Family, Plan, Trainer, dict]:
    """A finished run rebuilt from its directory: (family, plan, trainer at its newest checkpoint, state)."""
    out = Path(out)
    run = read_run(out)
    if model is not None and run["model"] != model:
        raise RunDirError(f"{out} holds a {run['model']!r} run, not a {model!r} run")
    fam = family(run["model"])
    plan = replan(fam, run)
    trainer = fam.build(plan)
    state = restore_newest(out, trainer)
    if state is None:
        raise CheckpointError(f"{out} has no checkpoint yet: run its train command to train it")
    if state["epoch"] < plan.config.epochs:
        raise RunDirError(f"{out} stopped after epoch {state['epoch']} of {plan.config.epochs}; run the same "
                          "train command again to resume and finish it")
    return fam, plan, trainer, state


def evaluate(out: str | Path) -> dict:
    """Recompute a finished run's samples, figures and metrics.json from its newest checkpoint.

    A good metrics.json is never replaced by one with fewer numbers.
    """
    fam, plan, trainer, state = open_run(out)
    return _finish(Path(out), fam, trainer, state, plan)


def load(out: str | Path, model: str | None = None):
    """The trained model of a finished run, ready to use (what each family's ``trained_model`` gives)."""
    return open_run(out, model)[2].trained_model()


def read_history(out: str | Path) -> dict[str, list[float]]:
    """Per-epoch losses of a run, from its newest checkpoint (key -> one value per epoch)."""
    for folder in checkpoint_folders(Path(out)):
        return load_json(folder / "state.json")["history"]
    raise CheckpointError(f"{out} has no checkpoint yet: run its train command to train it")



def replan(fam: Family, run: dict) -> Plan:
    """The checked plan of a saved run (its data found again and verified)."""
    data = run.get("data") or {}
    source = data_source(data)
    is_text = data.get("kind") == "text"
    saved = run["config"]
    plan = fam.plan(None if is_text else source, source if is_text else None, dict(saved))
    rebuilt = as_dict(plan.config)       # options added since the run was saved take their defaults
    changed = sorted(k for k in saved if rebuilt.get(k, object()) != saved[k])
    if changed:
        raise RunDirError(f"run.json's configuration no longer builds the same model with this version of "
                          f"the book ({', '.join(changed)} differ); train into a new --out directory")
    return plan


def _finish(out: Path, fam: Family, trainer: Trainer, state: dict, plan: Plan) -> dict:
    from book_utils.runs.figures import save_loss_figure, save_sample_figure

    result = trainer.evaluate()
    save_npy(out / "samples.npy", result.samples)
    if result.text_samples is not None:
        from book_utils.runs.files import atomic_write_bytes

        atomic_write_bytes(out / "samples.txt", "\n----\n".join(result.text_samples[:20]).encode())
    save_sample_figure(out / "samples.png", result, fam.name)
    save_loss_figure(out / "losses.png", state["history"], fam.loss_panels, fam.name)
    if hasattr(trainer, "write_files"):
        trainer.write_files(out, state)
    metrics = {"model": fam.name, "data": plan.data, "epochs": state["epoch"],
               "parameters": result.parameters,
               "train_seconds": state["train_seconds"], "train_cpu_seconds": state["train_cpu_seconds"],
               "test_nll": result.test_nll, "test_nll_kind": result.test_nll_kind}
    view = "text" if plan.data.get("kind") == "text" else fam.sample_view   # arm: pixel or text runs
    metrics.update(_sample_metrics(result.samples, plan.data, view))
    metrics["details"] = result.details
    _write_metrics(out, metrics)
    return load_json(out / "metrics.json")


def _sample_metrics(samples: np.ndarray, data: dict, view: str) -> dict:
    """``book_utils.metrics.evaluate_samples`` of image samples, or why they cannot be scored."""
    if view == "text":
        return {"sample_metrics": None, "sample_metrics_unavailable": "text samples have no image metrics"}
    from book_utils.metrics import evaluate_samples

    try:
        scored = evaluate_samples(samples, dataset=data_source(data), view=view)
    except (ValueError, BookError) as err:
        return {"sample_metrics": None, "sample_metrics_unavailable": str(err)}
    return {"sample_metrics": scored}


def _write_metrics(out: Path, metrics: dict) -> None:
    """Write metrics.json unless that would lose a number the saved one holds."""
    path = out / "metrics.json"
    if path.exists():
        try:
            old = load_json(path)
        except BookError:
            old = None                                   # damaged: nothing to keep
        if isinstance(old, dict):
            lost = [k for k in ("test_nll", "sample_metrics")
                    if old.get(k) is not None and metrics.get(k) is None]
            if lost:
                raise RunDirError(f"evaluating {out} now gives no {' or '.join(lost)} ("
                                  f"{metrics.get('sample_metrics_unavailable', 'unavailable')}), which its "
                                  "metrics.json holds; the file was kept as it was")
    save_json(path, metrics)
