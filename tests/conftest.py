"""Shared test set-up: quiet TensorFlow, shared fixtures, markers `tf`, `torch`, `slow` (pyproject.toml).

Nothing here touches the network.

Markers are given by test module, so a new test needs no decorator:

* ``tf`` / ``torch``: the module imports TensorFlow (or Keras, or a ``book_utils`` module
  that does) / PyTorch, read from its import statements; modules that reach a framework only
  through a subprocess or the command line are listed in ``FRAMEWORKS_BY_HAND``;
* ``slow``: the tests that took more than about 2 s on the quiet 2-core machine
  (``pytest --durations=40``), by module (``SLOW_MODULES``) or by name (``SLOW_TESTS``).

``pytest -m "not slow"`` is the quick loop; ``-m "not tf"`` skips TensorFlow's tests.
"""

from __future__ import annotations

import ast
import os
import warnings
from functools import cache
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# book_utils modules that import no framework although their package has framework modules
FRAMEWORK_FREE = {
    "book_utils.gan.math", "book_utils.gan.modes", "book_utils.gan.clusters", "book_utils.vae.math",
    "book_utils.arm.math", "book_utils.arm.text", "book_utils.arm.grammar",
}
TF_PACKAGES = ("tensorflow", "keras", "tf_keras", "book_utils.gan", "book_utils.basics.tiny_tf",
               "book_utils.bench.gan_speed")
TORCH_PACKAGES = ("torch", "book_utils.vae", "book_utils.arm", "book_utils.basics.tiny_torch",
                  "book_utils.bench.vae_speed")

# modules that reach a framework in a subprocess or through the command line
FRAMEWORKS_BY_HAND = {
    "test_import_light.py": {"tf", "torch"},
    "test_cli.py": {"torch"},
}
# every test of these modules is slow (each trains or imports a framework in a subprocess)
SLOW_MODULES = {"test_gan.py", "test_import_light.py", "test_tiny_nets.py"}
# single slow tests in otherwise quick modules: module -> test function names
SLOW_TESTS = {
    "test_vae.py": {"test_importance_weighted_bound_is_below_elbo_and_tightens",
                    "test_same_seed_same_run_and_load_round_trip",
                    "test_another_configuration_is_refused_and_nothing_is_changed",
                    "test_resume_after_kill_matches_uninterrupted_run",
                    "test_short_runs_still_finish_warm_up_and_keep_a_best_epoch"},
    "test_toy_vae.py": {"test_beta_zero_uses_the_code_and_huge_beta_collapses"},
    "test_toy_gan.py": {"test_same_seed_same_weights_other_seed_differs"},
    "test_gan_math.py": {"test_trained_discriminator_approaches_optimal_discriminator"},
    "test_metrics.py": {"test_evaluate_samples_real_test_split_is_the_floor_and_noise_is_far",
                        "test_reference_classifier_reaches_95_percent_on_digits"},
    "test_arm.py": {"test_char_run_round_trip", "test_28x28_images_and_the_command_line"},
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
