"""The run directory every model writes (``python -m book_utils train ...``).

A run directory holds ``run.json`` (which model, its configuration), the
checkpoint, ``samples.npy``, ``metrics.json`` and figures. Every file is
written to a temporary name and renamed, so a killed run never leaves a
half-written file, and a second run into the same directory either resumes
the same model or stops with a clear message, never overwriting another run.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

RUN_FILE = "run.json"


class RunDirError(ValueError):
    """The output directory holds something this run must not overwrite."""


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def save_json(path: str | Path, obj) -> Path:
    """Atomically write ``obj`` as indented JSON (NumPy scalars converted, NaN -> null)."""
    return atomic_write_bytes(path, (json.dumps(_jsonable(obj), indent=2) + "\n").encode())


def load_json(path: str | Path):
    return json.loads(Path(path).read_text())


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    """Atomically write one array in NumPy's .npy format."""
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return atomic_write_bytes(path, buffer.getvalue())


def prepare_run_dir(out: str | Path, model: str, config: dict) -> tuple[Path, bool]:
    """Create or reopen a run directory for ``model`` with ``config``.

    Returns (path, resuming). Raises :class:`RunDirError` when ``out`` holds
    another model's run, a run with another configuration, or unrelated files.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} is a file; give a directory for the run (--out DIR)")
    run_file = out / RUN_FILE
    config = _jsonable(config)
    if run_file.exists():
        saved = load_json(run_file)
        if saved.get("model") != model:
            raise RunDirError(
                f"{out} holds a {saved.get('model')!r} run, not a {model!r} run; nothing was "
                "changed. Choose another --out directory.")
        if saved.get("config") != config:
            diff = {k: (saved.get("config", {}).get(k), config.get(k))
                    for k in set(saved.get("config", {})) | set(config)
                    if saved.get("config", {}).get(k) != config.get(k)}
            raise RunDirError(
                f"{out} holds a {model} run with another configuration "
                f"(saved vs now: {diff}); nothing was changed. Re-run with the same options to "
                "resume it, or choose another --out directory.")
        return out, True
    if out.exists() and any(p for p in out.iterdir() if not p.name.startswith(".")):
        raise RunDirError(f"{out} already holds files but no {RUN_FILE}; it is not a run directory "
                          "of this book. Choose an empty or new --out directory.")
    out.mkdir(parents=True, exist_ok=True)
    save_json(run_file, {"model": model, "config": config})
    return out, False


def read_run(out: str | Path) -> dict:
    """The ``run.json`` of a run directory (model name and configuration)."""
    run_file = Path(out) / RUN_FILE
    if not run_file.exists():
        raise RunDirError(f"{out} is not a run directory (no {RUN_FILE}); train one with "
                          "`python -m book_utils train gan|vae|arm --out DIR`")
    return load_json(run_file)


def check_finite(value: float, what: str, out: str | Path | None = None) -> float:
    """Raise a clear error when a loss turns NaN or infinite (what was saved is kept)."""
    if not math.isfinite(float(value)):
        where = f" The last checkpoint in {out} is kept." if out is not None else ""
        raise FloatingPointError(
            f"{what} became {value}: training diverged.{where} Try a lower learning rate "
            "or another --seed, and resume.")
    return float(value)


def book_run_dir(model: str, fresh: bool = False) -> Path:
    """``runs/book/<model>`` at the repository root: where a chapter notebook leaves its
    trained model, so a later section (the head-to-head in 5.3) can load it instead of
    training again. With ``fresh`` an older run there is removed first (it is the book's
    own cache, never a reader's run)."""
    import shutil

    path = Path(__file__).resolve().parent.parent / "runs" / "book" / model
    if fresh and path.exists():
        shutil.rmtree(path)
    return path
