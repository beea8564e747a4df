"""Atomic file writes and reads that name the file when it is damaged.

Every file goes to a temporary name in the same folder and is renamed into place, so a killed
program never leaves half a file, and a failed write keeps the old one.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from book_utils.errors import CorruptFileError


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


def jsonable(obj):
    """``obj`` with NumPy scalars, tuples and paths made JSON-ready and NaN / inf made ``None``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def save_json(path: str | Path, obj) -> Path:
    """Atomically write ``obj`` as indented JSON (NumPy scalars converted, NaN -> null)."""
    return atomic_write_bytes(path, (json.dumps(jsonable(obj), indent=2) + "\n").encode())


def load_json(path: str | Path, remedy: str = "delete it or restore it from a backup"):
    """The JSON in ``path``; a damaged file raises :class:`CorruptFileError` naming it and ``remedy``."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"{path} is damaged (not valid JSON: {err}); {remedy}") from err


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    """Atomically write one array in NumPy's .npy format."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return atomic_write_bytes(path, buffer.getvalue())


def load_npy(path: str | Path, remedy: str = "delete it and run the command that wrote it again"):
    """The array in ``path`` (no pickles); a damaged file raises :class:`CorruptFileError`."""
    path = Path(path)
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise CorruptFileError(f"{path} is damaged ({err}); {remedy}") from err


def replace_dir(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target`` (an older ``target`` is removed only after)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
