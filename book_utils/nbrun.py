"""Execute chapter notebooks, each in a fresh kernel, two at a time, and measure them.

    python -m book_utils.nbrun --execute-inplace chapters/*/*.ipynb    # make book
    python -m book_utils.nbrun --table chapters/*/*.ipynb              # make bench

``--execute-inplace`` writes the outputs back into each notebook (what ``make book`` does).
``--table`` also prints a Markdown table of wall time, the kernel's CPU time (user + system,
which another busy process inflates far less than wall time) and peak memory (the kernel's
maximum resident set size) for the README.

Each notebook runs in its own child process and kernel, so the memory figure is that
notebook's alone. ``--jobs N`` runs N notebooks at once (default: the number of CPUs, at most
2; ``--table`` defaults to 1 so that the notebooks' times do not include each other's load).
With more than one job the kernels get ``OMP_WAIT_POLICY=PASSIVE`` unless it is set, so that
idle OpenMP threads of one kernel do not spin on the cores the other one needs.

Notebooks that read a run another notebook trained (they call ``book_run_dir(...)`` without
``fresh=True``, like Section 5.3) start only after every notebook that trains one has finished.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MAX_JOBS = 2

# The child process: executes one notebook with nbclient and reports its kernel's resources
# and every error output as JSON (the last line of its stdout).
_CHILD = r"""
import json, resource, sys, nbformat
from nbclient import NotebookClient
path, cwd, write, allow_errors, timeout = sys.argv[1:6]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=int(timeout), kernel_name="python3", allow_errors=allow_errors == "1",
               resources={"metadata": {"path": cwd}}).execute()
if write == "1":
    nbformat.write(nb, path)
errors = []
for index, cell in enumerate(nb.cells):
    if cell.cell_type != "code":
        continue
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            errors.append({"cell": index, "execution_count": cell.get("execution_count"),
                           "ename": out.get("ename", ""), "evalue": out.get("evalue", ""),
                           "traceback": "\n".join(out.get("traceback", [])), "source": cell.source,
                           "tags": list(cell.get("metadata", {}).get("tags", []))})
kernel = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"peak_kib": kernel.ru_maxrss, "cpu_seconds": kernel.ru_utime + kernel.ru_stime,
                  "errors": errors}))
"""


def default_jobs() -> int:
    """The number of CPUs this process may use, at most :data:`MAX_JOBS`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:          # macOS
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cpus))


# jupyter_client's words when a kernel dies before it answers (two kernels started at once can race for
# the same free ports): no cell has run, so the notebook can simply be started again
KERNEL_NEVER_STARTED = "Kernel died before replying to kernel_info"


def run_notebook(path: Path, write: bool = False, allow_errors: bool = False, env: dict | None = None,
                 timeout: int = 1800) -> dict:
    """Execute one notebook in a fresh kernel (in its own folder); returns its figures.

    The result holds ``notebook``, ``seconds`` (wall), ``cpu_seconds`` (the kernel's),
    ``peak_mib`` and ``errors`` (one dict per error output: ``cell``, ``ename``, ``evalue``,
    ``traceback``, ``source``, ``tags``; empty unless ``allow_errors``). Without
    ``allow_errors`` the first failing cell stops the notebook and raises RuntimeError.
    """
    path = Path(path)
    for _ in range(2):              # a kernel that died before running a cell is started once more
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(path.parent.resolve()),
                               "1" if write else "0", "1" if allow_errors else "0", str(timeout)],
                              capture_output=True, text=True, env=dict(os.environ if env is None else env))
        seconds = time.perf_counter() - start
        if proc.returncode == 0 or KERNEL_NEVER_STARTED not in proc.stderr:
            break
    if proc.returncode != 0:
        tail = "\n".join(_strip_ansi(proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"{path} failed after {seconds:.0f} s:\n{tail}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    for error in report["errors"]:
        error["traceback"] = _strip_ansi(error["traceback"])
    return {"notebook": str(path), "seconds": round(seconds, 1),
            "cpu_seconds": round(report["cpu_seconds"], 1), "peak_mib": round(report["peak_kib"] / 1024),
            "errors": report["errors"]}


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def run_dir_calls(path: Path) -> list[str]:
    """The notebook's ``book_run_dir(...)`` calls, as written in its code cells."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return re.findall(r"book_run_dir\([^)]*\)", code)


def reads_other_runs(path: Path) -> bool:
    """True for a notebook that loads a run another notebook trains (``book_run_dir(x)`` without
    ``fresh=True``): it must wait until those have run."""
    return any("fresh=True" not in call for call in run_dir_calls(path))


def run_all(paths, *, jobs: int | None = None, write: bool = False, allow_errors: bool = False,
            env: dict | None = None, timeout: int = 1800, on_done=None) -> tuple[list[dict], list[str]]:
    """Execute ``paths``, ``jobs`` at a time; returns (results in the order given, failures).

    A failure is a notebook that stopped on an error (or whose kernel died): ``"path: message"``.
    ``on_done(result_or_None, path, message)`` is called as each notebook finishes.
    """
    paths = [Path(p) for p in paths]
    jobs = max(1, jobs or default_jobs())
    env = dict(os.environ if env is None else env)
    if jobs > 1:
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    later = [p for p in paths if reads_other_runs(p)]
    phases = [[p for p in paths if p not in later], later]
    results: dict[Path, dict] = {}
    failures: list[str] = []

    def one(path: Path):
        try:
            result = run_notebook(path, write=write, allow_errors=allow_errors, env=env, timeout=timeout)
        except RuntimeError as err:
            failures.append(str(err))
            if on_done:
                on_done(None, path, str(err))
            return
        results[path] = result
        if on_done:
            on_done(result, path, "")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for phase in phases:
            list(pool.map(one, phase))
    return [results[p] for p in paths if p in results], failures


def markdown_table(rows: list[dict]) -> str:
    lines = ["| notebook | wall time (s) | kernel CPU time (s) | peak memory (MiB) |", "|---|---:|---:|---:|"]
    for row in rows:
        cells = [f"`{row['notebook']}`", f"{row['seconds']:.0f}", f"{row['cpu_seconds']:.0f}",
                 str(row["peak_mib"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def print_result(result, path, message) -> None:
    if result is None:
        print(message, file=sys.stderr, flush=True)
        return
    print(f"{result['notebook']}: {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU "
          f"(kernel), peak {result['peak_mib']} MiB", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--execute-inplace", action="store_true", help="write outputs back")
    parser.add_argument("--table", action="store_true", help="print a Markdown table at the end")
    parser.add_argument("--json", type=Path, help="also save the figures as JSON here")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help=f"notebooks at once (default: CPUs, at most {MAX_JOBS}; 1 with --table)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    parser.add_argument("--readers", action="store_true",
                        help="only print those of the notebooks that read another notebook's run, and exit")
    args = parser.parse_args(argv)
    if args.readers:
        print(" ".join(str(p) for p in args.notebooks if reads_other_runs(p)))
        return 0
    jobs = args.jobs or (1 if args.table else default_jobs())
    start = time.perf_counter()
    rows, failed = run_all(args.notebooks, jobs=jobs, write=args.execute_inplace, timeout=args.timeout,
                           on_done=print_result)
    wall = time.perf_counter() - start
    print(f"{len(rows)} notebook(s) in {wall:.0f} s wall with {jobs} job(s)", flush=True)
    if args.table and rows:
        print("\n" + markdown_table(rows))
    if args.json:
        figures = [{k: v for k, v in r.items() if k != "errors"} for r in rows]
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if failed:
        print(f"{len(failed)} notebook(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
