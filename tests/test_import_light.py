"""Framework boundaries: `import book_utils` and its framework-free modules import neither
TensorFlow nor PyTorch; TensorFlow modules never import PyTorch, and the other way round."""

import subprocess
import sys

FRAMEWORK_FREE = [
    "book_utils", "book_utils.data", "book_utils.download", "book_utils.idx", "book_utils.toy",
    "book_utils.repro", "book_utils.profiles", "book_utils.plotting", "book_utils.progress",
    "book_utils.runs", "book_utils.source", "book_utils.corpus", "book_utils.cli",
    "book_utils.metrics", "book_utils.baselines", "book_utils.classic", "book_utils.samplers",
    "book_utils.text", "book_utils.modes", "book_utils.gan_math", "book_utils.vae_math",
    "book_utils.arm_math", "book_utils.tiny_data", "book_utils.clusters",
]
TENSORFLOW_ONLY = ["book_utils.gan", "book_utils.toy_gan", "book_utils.tiny_tf"]
TORCH_ONLY = ["book_utils.vae", "book_utils.arm", "book_utils.toy_vae", "book_utils.tiny_torch"]


def frameworks_after_importing(modules: list[str]) -> list[str]:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(' '.join(sorted(m for m in ('tensorflow', 'torch') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def test_core_modules_import_no_framework():
    assert frameworks_after_importing(FRAMEWORK_FREE) == []


def test_tensorflow_modules_do_not_import_torch():
    assert frameworks_after_importing(TENSORFLOW_ONLY) == ["tensorflow"]


def test_torch_modules_do_not_import_tensorflow():
    assert frameworks_after_importing(TORCH_ONLY) == ["torch"]


def test_cli_help_imports_no_framework():
    code = ("import sys\nfrom book_utils.cli import build_parser\nbuild_parser().format_help()\n"
            "print('tensorflow' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
