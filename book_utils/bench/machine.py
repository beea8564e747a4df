"""What every benchmark records about itself: where and when it ran, and how long its code is.

Framework-free (the standard library only), so the TensorFlow, PyTorch and Hugging Face benchmarks of
Chapter 7 share it.
"""

from __future__ import annotations

import ast
import datetime
import inspect
import io
import os
import platform
import textwrap
import tokenize
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model name (Linux /proc/cpuinfo; else what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """When and where a benchmark ran: UTC date, CPU, logical cores, 1-minute load average, Python."""
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu_name(), "logical_cores": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2), "python": platform.python_version()}


def code_lines(*objects, docstrings: bool = True) -> int:
    """Lines of code of ``objects`` (functions, classes, modules) as ``inspect`` finds them.

    Blank lines and comment lines never count; docstrings count unless ``docstrings=False`` (then only
    lines holding a token of code count, so a comment after code still leaves its line counted).
    """
    if docstrings:
        lines = (line.strip() for obj in objects for line in inspect.getsource(obj).splitlines())
        return sum(1 for line in lines if line and not line.startswith("#"))
    total = 0
    for obj in objects:
        source = textwrap.dedent(inspect.getsource(obj))
        skipped = set()
        for node in ast.walk(ast.parse(source)):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skipped.update(range(body[0].lineno, body[0].end_lineno + 1))
        code = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                    tokenize.DEDENT, tokenize.ENDMARKER)}
        total += len(code - skipped)
    return total
