"""Execute chapter notebooks, each in a fresh kernel, and measure them.

    python -m book_utils.bench.notebooks --execute-inplace chapters/*/*.ipynb
    python -m book_utils.bench.notebooks --table chapters/*/*.ipynb

``--execute-inplace`` writes the outputs back into each notebook (what
``make book`` does). ``--table`` also prints a Markdown table of wall time,
the kernel's CPU time (user + system, which another busy process inflates far
less than wall time) and peak memory (the kernel's maximum resident set size)
for the README.
Each notebook runs in its own child process, so the memory figure is that
notebook's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

_CHILD = r"""
import resource, sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=1800, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
if sys.argv[3] == "1":
    nbformat.write(nb, path)
kernel = resource.getrusage(resource.RUSAGE_CHILDREN)
print(kernel.ru_maxrss, kernel.ru_utime + kernel.ru_stime)
"""


def run_notebook(path: Path, write: bool) -> dict:
    """Execute one notebook in a fresh kernel; returns seconds and peak MiB."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(path.parent), "1" if write else "0"],
                          capture_output=True, text=True, env=os.environ.copy())
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"{path} failed after {seconds:.0f} s:\n{tail}")
    peak_kib, cpu_seconds = proc.stdout.strip().splitlines()[-1].split()
    return {"notebook": str(path), "seconds": round(seconds, 1), "cpu_seconds": round(float(cpu_seconds), 1),
            "peak_mib": round(int(peak_kib) / 1024)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--execute-inplace", action="store_true", help="write outputs back")
    parser.add_argument("--table", action="store_true", help="print a Markdown table at the end")
    parser.add_argument("--json", type=Path, help="also save the figures as JSON here")
    args = parser.parse_args(argv)
    rows, failed = [], []
    for path in args.notebooks:
        try:
            row = run_notebook(path, write=args.execute_inplace)
        except RuntimeError as err:
            print(err, file=sys.stderr)
            failed.append(str(path))
            continue
        rows.append(row)
        print(f"{row['notebook']}: {row['seconds']:.1f} s wall, {row['cpu_seconds']:.1f} s CPU (kernel), "
              f"peak {row['peak_mib']} MiB", flush=True)
    if args.table and rows:
        print("\n| notebook | wall time (s) | kernel CPU time (s) | peak memory (MiB) |")
        print("|---|---:|---:|---:|")
        for row in rows:
            cells = [f"`{row['notebook']}`", f"{row['seconds']:.0f}", f"{row['cpu_seconds']:.0f}",
                     str(row["peak_mib"])]
            print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
