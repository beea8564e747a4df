"""The run directory: ``run.json`` says which model, with which configuration, on which data.

A second start into the same directory resumes that run or stops with a clear message; it
never overwrites another run. The data reference works from any directory: a named dataset
by its name, a reader's file by its absolute path and SHA-256, so ``evaluate`` refuses a file
that moved or changed instead of scoring against other data.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from book_utils.data.download import sha256_of
from book_utils.errors import RunDirError
from book_utils.runs.files import jsonable, load_json, save_json

RUN_FILE = "run.json"
FORMAT = 2          # the run-directory format this book writes (README, "The run directory")


def data_reference(source: str | Path, named, kind: str = "images") -> dict:
    """``{"kind", "name"}`` for a named dataset, else ``{"kind", "name", "path", "sha256"}`` of a file
    (``kind`` is "images" or "text")."""
    key = str(source)
    if key in named:
        return {"kind": kind, "name": key}
    path = Path(key).expanduser().resolve()
    if not path.is_file():
        from book_utils.data import DatasetError

        what = "a directory" if path.is_dir() else "no such file"
        noun = "text" if kind == "text" else "dataset"
        raise DatasetError(f"unknown {noun} {key!r} ({what}): choose one of {', '.join(named)} or give "
                           "the path of an existing file")
    return {"kind": kind, "name": path.stem, "path": str(path), "sha256": sha256_of(path)}


def data_source(reference: dict) -> str:
    """What to load for a saved reference: the name, or the file's path once its SHA-256 matches."""
    if "path" not in reference:
        return reference["name"]
    path = Path(reference["path"])
    if not path.is_file():
        raise RunDirError(f"this run was trained on {path}, which no longer exists; put the file back "
                          "there to evaluate or resume it")
    if sha256_of(path) != reference["sha256"]:
        raise RunDirError(f"this run was trained on {path}, which has changed since (its SHA-256 "
                          "differs); restore the original file to evaluate or resume the run")
    return str(path)


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise RunDirError(f"cannot write the run directory {out} ({err.strerror or err}); "
                          "choose a writable --out directory") from err


def prepare_run_dir(out: str | Path, model: str, config: dict, data: dict | None = None
                    ) -> tuple[Path, bool]:
    """Create or reopen the run directory ``out`` for ``model``; returns (path, resuming).

    Call it only after every option and the data were checked: it writes ``run.json``.
    A directory whose ``run.json`` has no checkpoint beside it (a start that failed before its
    first checkpoint) holds nothing to lose and takes the new configuration.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} is a file; give a directory for the run (--out DIR)")
    record = jsonable({"format": FORMAT, "model": model, "config": config, "data": data})
    run_file = out / RUN_FILE
    if run_file.exists():
        saved = read_run(out)
        trained = (out / "checkpoints").is_dir() and any((out / "checkpoints").iterdir())
        if saved["model"] != model:
            raise RunDirError(f"{out} holds a {saved['model']!r} run, not a {model!r} run; nothing was "
                              "changed. Choose another --out directory.")
        if trained and (saved["config"], saved.get("data")) != (record["config"], record["data"]):
            old = {**saved["config"], "data": saved.get("data")}
            new = {**record["config"], "data": record["data"]}
            diff = {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new))
                    if old.get(k) != new.get(k)}
            raise RunDirError(f"{out} holds a {model} run with another configuration (saved vs now: {diff}); "
                              "nothing was changed. Re-run with the same options to resume it, or choose "
                              "another --out directory.")
        if trained:
            return out, True
        _check_writable(out)
        save_json(run_file, record)
        return out, False
    if out.exists() and any(p for p in out.iterdir() if not p.name.startswith(".")):
        raise RunDirError(f"{out} already holds files but no {RUN_FILE}; it is not a run directory "
                          "of this book. Choose an empty or new --out directory.")
    _check_writable(out)
    save_json(run_file, record)
    return out, False


def read_run(out: str | Path) -> dict:
    """The checked ``run.json`` of a run directory: format, model, config, data."""
    out = Path(out)
    run_file = out / RUN_FILE
    if not run_file.is_file():
        raise RunDirError(f"{out} is not a run directory (no {RUN_FILE}); train one with "
                          "`python -m book_utils train gan|vae|arm --out DIR`")
    run = load_json(run_file, remedy="the run's configuration is lost: restore run.json from a backup "
                                     "or train into a new --out directory")
    if not isinstance(run, dict) or not isinstance(run.get("model"), str) \
            or not isinstance(run.get("config"), dict):
        raise RunDirError(f"{run_file} does not describe a run (it needs \"model\" and a \"config\" "
                          "object); restore it from a backup or train into a new --out directory")
    if run.get("format") != FORMAT:
        raise RunDirError(f"{out} was written by another version of the book (run-directory format "
                          f"{run.get('format', 1)}, this version reads {FORMAT}); train into a new --out "
                          "directory")
    return run


def book_run_dir(model: str, fresh: bool = False) -> Path:
    """Where a chapter notebook leaves its trained model so a later section can load it.

    ``$BOOK_RUNS/<model>`` when set; else ``runs/book/<model>`` in the book's folder (the nearest
    folder above the working directory that holds ``chapters/``), else under the working
    directory. With ``fresh`` an older run there is removed first (it is the book's cache).
    """
    import shutil

    if os.environ.get("BOOK_RUNS"):
        root = Path(os.environ["BOOK_RUNS"]).expanduser()
    else:
        here = Path.cwd().resolve()
        book = next((p for p in (here, *here.parents) if (p / "chapters").is_dir()), here)
        root = book / "runs" / "book"
    path = root / model
    if fresh and path.exists():
        shutil.rmtree(path)
    return path
