"""`import book_utils` and its framework-free modules must not import TensorFlow or PyTorch."""

import subprocess
import sys

FRAMEWORK_FREE = ["book_utils", "book_utils.data", "book_utils.download", "book_utils.idx", "book_utils.toy",
                  "book_utils.repro", "book_utils.profiles", "book_utils.plotting", "book_utils.progress",
                  "book_utils.runs", "book_utils.source", "book_utils.corpus", "book_utils.cli"]


def test_core_modules_import_no_framework():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in FRAMEWORK_FREE)
            + "print(sorted(m for m in ('tensorflow', 'torch', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_help_imports_no_framework():
    code = ("import sys\nfrom book_utils.cli import build_parser\nbuild_parser().format_help()\n"
            "print('tensorflow' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
