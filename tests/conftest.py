"""Shared test set-up: quiet TensorFlow, shared fixtures, markers `tf`, `torch`, `slow` (pyproject.toml).

Nothing here touches the network.

Markers are given by test module, so a new test needs no decorator:

* ``tf`` / ``torch``: the module imports TensorFlow (or Keras, or a ``book_utils`` module
  that does) / PyTorch, read from its import statements; modules that reach a framework only
  through a subprocess or the command line are listed in ``FRAMEWORKS_BY_HAND``;
* ``slow``: the tests that took more than about 2 s on the 2-core machine under ``make unit``
  (``pytest -n 2 --durations=60``), by module (``SLOW_MODULES``) or by name (``SLOW_TESTS``);
  a test module may also mark a test ``@pytest.mark.slow`` itself.

``pytest -m "not slow"`` is the quick loop; ``-m "not tf"`` skips TensorFlow's tests.
"""

from __future__ import annotations

import ast
import os
import warnings
from functools import cache
from pathlib import Path

import pytest

from tests.test_import_light import NUMPY_ONLY_IN_FAMILIES

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")        # Hugging Face: never download (Section 7.3)
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

# book_utils modules that import no framework although their family package has framework modules
FRAMEWORK_FREE = set(NUMPY_ONLY_IN_FAMILIES)
TF_PACKAGES = ("tensorflow", "keras", "tf_keras", "book_utils.gan", "book_utils.basics.tiny_tf",
               "book_utils.bench.gan_speed", "book_utils.tools.keras_vae")
TORCH_PACKAGES = ("torch", "book_utils.vae", "book_utils.arm", "book_utils.basics.tiny_torch",
                  "book_utils.bench.vae_speed", "book_utils.tools.torch_tools",
                  "book_utils.bench.tools_torch",
                  "book_utils.tools.hf_port", "book_utils.tools.hf_train", "book_utils.tools.hf_accel")

# modules that reach a framework in a subprocess or through the command line
FRAMEWORKS_BY_HAND = {
    "test_import_light.py": {"tf", "torch"},
    "test_cli.py": {"torch"},
    "test_keras_vae.py": {"torch"},
    "test_distributed_torch.py": {"torch"},
}
# every test of these modules is slow (each trains or imports a framework in a subprocess)
SLOW_MODULES = {"test_gan.py", "test_gan_distributed.py", "test_import_light.py", "test_tiny_nets.py",
                "test_distributed_torch.py", "test_keras_vae.py",
                "test_hf_train.py", "test_hf_port.py", "test_personalise.py"}
# single slow tests in otherwise quick modules: module -> test function names
SLOW_TESTS = {
    "test_cli.py": {"test_a_corrected_command_is_accepted_after_a_refused_one"},
    "test_torch_tools.py": {"test_bench_writes_its_json",
                            "test_compile_with_a_working_backend_gives_the_same_losses"},
}


def _under(name: str, packages) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def imported_names(source: str) -> set[str]:
    """Every module name a test module imports, anywhere in it (``from a import b`` gives a, a.b)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def frameworks_of(source: str) -> set[str]:
    """``{"tf", "torch"}`` or a part of it: the frameworks the imports of ``source`` load."""
    marks = set()
    for name in imported_names(source):
        if _under(name, FRAMEWORK_FREE) or name in ("book_utils.gan", "book_utils.vae", "book_utils.arm"):
            continue                                   # the lazy family packages load nothing
        if _under(name, TF_PACKAGES):
            marks.add("tf")
        if _under(name, TORCH_PACKAGES):
            marks.add("torch")
    return marks


@cache
def _module_marks(path: str) -> frozenset[str]:
    path = Path(path)
    marks = frameworks_of(path.read_text(encoding="utf-8")) | FRAMEWORKS_BY_HAND.get(path.name, set())
    if path.name in SLOW_MODULES:
        marks.add("slow")
    return frozenset(marks)


@pytest.hookimpl(tryfirst=True)        # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    seen: dict[str, set[str]] = {}
    for item in items:
        path = getattr(item, "path", None)
        if path is None or path.suffix != ".py":
            continue
        marks = set(_module_marks(str(path)))
        name = getattr(item, "originalname", item.name)
        if name in SLOW_TESTS.get(path.name, ()):
            marks.add("slow")
        seen.setdefault(path.name, set()).add(name)
        for mark in sorted(marks):
            item.add_marker(mark)
    for module, names in SLOW_TESTS.items():       # a renamed test must not drop out of "slow" silently
        partial = config.getoption("keyword", "") or any("::" in str(arg) for arg in config.args)
        if module in seen and not partial and names - seen[module]:
            warnings.warn(f"tests/conftest.py SLOW_TESTS names tests {sorted(names - seen[module])} "
                          f"that {module} no longer has", pytest.PytestConfigWarning, stacklevel=1)


@pytest.fixture
def kill_after_checkpoint(monkeypatch):
    """``kill_after_checkpoint(n)``: the runs started next stop with KeyboardInterrupt right after their
    n-th checkpoint is written, as if the process had been killed there. Returns the list of the
    epochs checkpointed so far (it keeps growing when the run is resumed)."""
    from book_utils.runs import lifecycle

    real_save = lifecycle.save_checkpoint
    saved: list[int] = []

    def arm(n: int) -> list[int]:
        def save_then_maybe_die(out, trainer, state):
            path = real_save(out, trainer, state)
            saved.append(state["epoch"])
            if len(saved) == n:
                raise KeyboardInterrupt("simulated kill right after a checkpoint")
            return path

        monkeypatch.setattr(lifecycle, "save_checkpoint", save_then_maybe_die)
        return saved

    return arm
