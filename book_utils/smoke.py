"""The full profile's smoke test: every notebook through the 28 x 28 code path in minutes, on a CPU.

    python -m book_utils.smoke chapters/*/*.ipynb        # make smoke

Each notebook is executed in a fresh kernel (two at a time, :mod:`book_utils.nbrun`) with
``BOOK_PROFILE=full`` and ``BOOK_SMOKE=1``: ``load("mnist")`` gives a 28 x 28 stand-in made from
the digits (no download), the run lifecycle caps training epochs, and ``pick(..., smoke=...)``
shrinks the notebooks' own loops. Outputs are not written back, and the runs the notebooks
train go to a temporary ``BOOK_RUNS`` folder (``--keep-runs DIR`` keeps them there instead), so
the book's own ``runs/book`` is left alone.

It fails when

* a cell raised any error other than an AssertionError of a *quality check*: an assertion that
  compares a measured number with a bar or a baseline (``assert fid < baseline``) and says
  nothing of shapes, types or finiteness, or any AssertionError in a cell tagged ``quality``.
  Quality margins mean nothing after two epochs, so these are listed as "quality checks skipped
  at smoke scale"; a NameError, a shape error or a failing shape assertion fails the smoke;
* a run directory the notebooks left has no readable ``metrics.json`` (a JSON object) or no
  ``samples.npy`` of the documented form: finite float32 N x H x W in [0, 1] for image models,
  integer N x L token ids for text runs (``run.json``'s ``data.kind``);
* notebooks that train runs left none.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from book_utils import nbrun

QUALITY_TAG = "quality"
# words that make an assertion structural (it must hold at any scale)
STRUCTURAL = re.compile(r"\b(shape|dtype|ndim|len|isfinite|isnan|nan|array_equal|isinstance|type|size)\b")
ORDERING = re.compile(r"<|>")


def failing_assert(error: dict) -> str | None:
    """The failing statement of an error output: the innermost ``---->`` line of its traceback,
    completed from the cell's source when the statement spans several lines of the cell."""
    in_cell, frame_in_cell, number, text = False, False, None, None
    for line in error.get("traceback", "").splitlines():
        if line.startswith("Cell In["):
            in_cell = True
        elif line.startswith("File "):
            in_cell = False
        match = re.match(r"\s*-+>\s*(\d+)\s?(.*)", line)
        if match:
            number, text, frame_in_cell = int(match.group(1)), match.group(2).strip(), in_cell
    if text is None:
        return None
    if frame_in_cell:
        lines = error.get("source", "").splitlines()[number - 1:]
        for end in range(1, len(lines) + 1):
            statement = "\n".join(lines[:end]).strip()
            try:
                ast.parse(statement)
                return statement
            except SyntaxError:
                continue
    return text


def is_quality_check(error: dict) -> bool:
    """True for an AssertionError of an assertion that checks how good a model is."""
    if error.get("ename") != "AssertionError":
        return False
    if QUALITY_TAG in error.get("tags", []):
        return True
    statement = failing_assert(error)
    if not statement or not statement.startswith("assert"):
        return False
    condition = assert_condition(statement)
    return bool(ORDERING.search(condition)) and not STRUCTURAL.search(condition)


def assert_condition(statement: str) -> str:
    """``assert cond, "message"`` -> ``cond`` (the whole line when it does not parse alone)."""
    try:
        node = ast.parse(statement).body[0]
    except (SyntaxError, IndexError):
        return statement
    return ast.unparse(node.test) if isinstance(node, ast.Assert) else statement


def classify(errors: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split a notebook's error outputs into (failures, quality checks skipped at smoke scale)."""
    failures, skipped = [], []
    for error in errors:
        (skipped if is_quality_check(error) else failures).append(error)
    return failures, skipped


def trains_runs(path: Path) -> bool:
    """True for a notebook that trains a run into the book's run folder (``book_run_dir(x, fresh=True)``)."""
    return any("fresh=True" in call for call in nbrun.run_dir_calls(path))


def check_run_dir(folder: Path) -> list[str]:
    """Problems of one run directory (an empty list when it is sound)."""
    problems = []
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        if not isinstance(metrics, dict):
            problems.append("metrics.json is not a JSON object")
    except (OSError, ValueError) as err:
        problems.append(f"metrics.json unreadable: {err}")
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run = {}
    text = (run.get("data") or {}).get("kind") == "text"
    try:
        samples = np.load(folder / "samples.npy", allow_pickle=False)
    except (OSError, ValueError) as err:
        return problems + [f"samples.npy unreadable: {err}"]
    if text:
        if samples.ndim != 2 or not np.issubdtype(samples.dtype, np.integer):
            problems.append(f"text samples.npy should be integer N x L token ids, got {samples.dtype} "
                            f"{samples.shape}")
        return problems
    if samples.dtype != np.float32 or samples.ndim != 3:
        problems.append(f"samples.npy should be float32 N x H x W, got {samples.dtype} {samples.shape}")
    if not np.all(np.isfinite(samples)):
        problems.append("samples.npy holds NaN or infinite values")
    elif samples.size and (samples.min() < 0 or samples.max() > 1):
        problems.append(f"samples.npy outside [0, 1]: {samples.min():.3g} .. {samples.max():.3g}")
    return problems


def run_dirs(root: Path) -> list[Path]:
    """Every run directory under ``root``: the folders holding a run.json."""
    return sorted(p.parent for p in Path(root).rglob("run.json"))


def smoke_env(runs: Path) -> dict:
    env = dict(os.environ)
    env.update(BOOK_PROFILE="full", BOOK_SMOKE="1", BOOK_RUNS=str(runs))
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help=f"notebooks at once (default: CPUs, at most {nbrun.MAX_JOBS})")
    parser.add_argument("--keep-runs", type=Path, help="train the runs into this folder and keep them")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)
    tmp = None
    if args.keep_runs:
        runs = args.keep_runs.resolve()
        runs.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="book-smoke-runs-")
        runs = Path(tmp.name)
    print(f"smoke: BOOK_PROFILE=full BOOK_SMOKE=1, runs in {runs}", flush=True)
    start = time.perf_counter()
    report: dict[str, list[str]] = {}
    failed: list[str] = []

    def done(result, path, message):
        if result is None:
            failed.append(str(path))
            print(f"FAIL {message}", flush=True)
            return
        failures, skipped = classify(result["errors"])
        lines = [f"cell {e['cell']}: quality check skipped at smoke scale: "
                 f"{' '.join((failing_assert(e) or e['ename']).split())} ({e['evalue'] or 'no message'})"
                 for e in skipped]
        lines += [f"cell {e['cell']}: {e['ename']}: {e['evalue']}" for e in failures]
        if failures:
            failed.append(str(path))
        status = "FAIL" if failures else "ok  "
        print(f"{status} {path}: {result['seconds']:.0f} s wall, {result['cpu_seconds']:.0f} s CPU"
              + "".join(f"\n       {line}" for line in lines), flush=True)
        report[str(path)] = lines

    try:
        nbrun.run_all(args.notebooks, jobs=args.jobs, env=smoke_env(runs), allow_errors=True,
                      timeout=args.timeout, on_done=done)
        found = run_dirs(runs)
        print(f"\nrun directories under {runs}: {len(found)}")
        for folder in found:
            problems = check_run_dir(folder)
            print(f"{'FAIL' if problems else 'ok  '} {folder.relative_to(runs)}"
                  + "".join(f"\n       {p}" for p in problems))
            if problems:
                failed.append(str(folder))
        producers = [str(p) for p in args.notebooks if trains_runs(p) and str(p) not in failed]
        if producers and not found:
            print(f"FAIL no run directory, although {', '.join(producers)} train(s) runs")
            failed.append("runs")
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(f"\nsmoke: {len(args.notebooks)} notebook(s) in {time.perf_counter() - start:.0f} s wall; "
          + (f"{len(failed)} failure(s)" if failed else "no failure"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
