"""book_utils.notebook.setup: the one call at the top of every notebook."""

import os
import random
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

from book_utils import notebook
from book_utils.plotting import STYLE


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})


def test_returns_the_checked_profile_and_refuses_an_unknown_one():
    with warnings.catch_warnings():
        assert notebook.setup("quick", seed=0) == "quick"
        assert notebook.setup("full", seed=0, style=False) == "full"
        with pytest.raises(ValueError, match="unknown profile 'fast'"):
            notebook.setup("fast")
        with pytest.raises(ValueError, match="unknown framework"):
            notebook.setup("quick", frameworks=("jax",))


def test_seeds_python_and_numpy():
    with warnings.catch_warnings():
        notebook.setup("quick", seed=3, style=False)
        first = random.random(), np.random.rand()
        notebook.setup("quick", seed=3, style=False)
        assert (random.random(), np.random.rand()) == first
        notebook.setup("quick", seed=4, style=False)
        assert (random.random(), np.random.rand()) != first


def test_applies_the_book_style_without_switching_the_backend():
    code = ("import matplotlib\nbefore = matplotlib.get_backend()\n"
            "from book_utils.notebook import setup\nsetup('quick')\n"
            "import matplotlib.pyplot as plt\n"
            "print(before == matplotlib.get_backend(), tuple(plt.rcParams['figure.figsize']))")
    same, size = run_python(code, MPLBACKEND="svg").stdout.strip().split(" ", 1)
    assert same == "True"
    assert eval(size) == STYLE["figure.figsize"]


def test_sets_tf_log_level_only_when_the_reader_did_not(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with warnings.catch_warnings():
        notebook.quiet_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with warnings.catch_warnings():
        notebook.quiet_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


def test_hides_framework_deprecations_but_not_the_books_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        notebook.quiet_logs()
        for module in ("tensorflow.python.framework.ops", "keras.src.backend", "torch.nn.modules"):
            warnings.warn_explicit("old API", DeprecationWarning, "x.py", 1, module=module)
        warnings.warn_explicit("future change", FutureWarning, "x.py", 1, module="torch.serialization")
        warnings.warn_explicit("book", DeprecationWarning, "x.py", 1, module="book_utils.vae.run")
        warnings.warn_explicit("notebook", UserWarning, "x.py", 1, module="__main__")
    assert [str(w.message) for w in caught] == ["book", "notebook"]


def test_imports_no_framework_unless_asked():
    code = ("import sys\nfrom book_utils.notebook import setup\nsetup('quick', seed=1)\n"
            "print('tensorflow' in sys.modules, 'torch' in sys.modules)")
    assert run_python(code).stdout.split() == ["False", "False"]


@pytest.mark.torch
@pytest.mark.slow
def test_torch_is_imported_and_seeded_when_named():
    code = ("from book_utils.notebook import setup\nsetup('quick', seed=7, frameworks=('torch',))\n"
            "import torch\na = torch.rand(2)\ntorch.manual_seed(7)\n"
            "print(torch.equal(a, torch.rand(2)), torch.are_deterministic_algorithms_enabled())")
    assert run_python(code).stdout.split() == ["True", "True"]


@pytest.mark.tf
@pytest.mark.slow
def test_tensorflow_imports_without_its_start_up_log_lines():
    code = ("from book_utils.notebook import setup\nsetup('quick', seed=0, frameworks=('tensorflow',))\n"
            "import tensorflow as tf\nprint(float(tf.random.uniform([]) >= 0))")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert proc.stdout.strip() == "1.0"
    for noise in ("oneDNN custom operations", "absl::InitializeLog", "cpu_feature_guard"):
        assert noise not in proc.stderr, proc.stderr


def test_filtered_stderr_drops_only_the_noise_written_to_descriptor_2():
    code = ("import os, re, sys\nfrom book_utils.notebook import filtered_stderr\n"
            "with filtered_stderr(re.compile('noise')):\n"
            "    os.write(2, b'I0000 noise line\\nreal error\\n')\n"
            "    print('python stderr', file=sys.stderr)\n"
            "os.write(2, b'after\\n')\nprint('stdout')")
    proc = run_python(code)
    assert proc.stdout == "stdout\n"
    assert proc.stderr.splitlines() == ["real error", "python stderr", "after"]


def test_warns_when_a_kernel_does_not_draw_inline(monkeypatch):
    import IPython
    import matplotlib

    kernel_shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel_shell)
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    with pytest.warns(UserWarning, match="%matplotlib inline"):
        notebook._check_inline_figures()
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook._check_inline_figures()
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)     # plain IPython or Python: no check
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook._check_inline_figures()
