"""One call at the top of every notebook: profile, seeds, quiet logs, the book's figures.

Each notebook keeps its ``parameters`` cell (``PROFILE``, ``SEED``; papermill overrides it)
and then starts its setup cell with::

    PROFILE = setup(PROFILE, seed=SEED, frameworks=("torch",))

which

* checks the profile name (:func:`book_utils.profiles.check_profile`) and returns it;
* quiets library logs: ``TF_CPP_MIN_LOG_LEVEL=2`` before TensorFlow is imported, TensorFlow's
  start-up lines that ignore that variable (``oneDNN custom operations are on``, absl's
  ``WARNING: All log messages before absl::InitializeLog()``) kept out of the notebook while
  the import runs, absl's Python logger at ERROR, and the frameworks' own Deprecation and
  Future warnings hidden (the package's and the notebook's own warnings still show);
* keeps the Hugging Face libraries offline: ``HF_HUB_OFFLINE=1`` and ``HF_DATASETS_OFFLINE=1``
  (unless the reader set them), which those libraries read once, when they are imported;
* imports and seeds the named frameworks (:func:`book_utils.repro.seed_everything`:
  Python, NumPy, and TensorFlow / PyTorch when named here or already imported);
* applies the book's plotting style (:func:`book_utils.plotting.use_book_style`) and, inside
  a Jupyter kernel, checks that figures are drawn inline. It never switches the plotting
  backend: that is the reader's choice (``%matplotlib ...``), not the package's.

Importing this module imports neither TensorFlow nor PyTorch; only ``setup`` with
``frameworks=`` does.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import warnings

from book_utils.profiles import check_profile
from book_utils.repro import FRAMEWORKS, seed_everything

# Lines TensorFlow writes to the process's stderr (file descriptor 2) while it is imported,
# whatever TF_CPP_MIN_LOG_LEVEL says: absl's C++ logger prints them before it is initialised.
TF_IMPORT_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|^[IW]\d{4} [\d:. ]+\d+ \S+\.cc:\d+\] "   # absl C++ INFO / WARNING lines (I0000 00:00:... port.cc:153])
    r"|oneDNN custom operations are on"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|^To enable the following instructions: .* rebuild TensorFlow"
)
# Hugging Face's switches for working without a network (Section 7.3); read when those libraries load.
HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
# Warnings from inside the frameworks that a reader can do nothing about.
FRAMEWORK_MODULES = r"(tensorflow|tf_keras|keras|absl|torch|google\.protobuf|jupyter_client)(\..*)?"


def setup(profile: str, *, seed: int = 0, frameworks: tuple[str, ...] = (),
          deterministic: bool = True, style: bool = True) -> str:
    """Prepare a notebook: check ``profile``, quiet logs, seed, apply the plotting style.

    ``frameworks`` names the deep-learning frameworks the notebook uses (``"tensorflow"``,
    ``"torch"``): each is imported here, quietly, and seeded with ``seed``; frameworks already
    imported are seeded too. ``deterministic`` turns on their determinism switches (see
    :func:`book_utils.repro.seed_everything`). ``style=False`` leaves matplotlib alone.

    Returns the checked profile name, so a notebook writes ``PROFILE = setup(PROFILE, ...)``.
    """
    profile = check_profile(profile)
    frameworks = tuple(frameworks)
    unknown = set(frameworks) - set(FRAMEWORKS)
    if unknown:
        raise ValueError(f"unknown framework(s) {sorted(unknown)}: choose from {FRAMEWORKS}")
    quiet_logs()
    for name, value in HF_OFFLINE.items():
        os.environ.setdefault(name, value)
    if "tensorflow" in frameworks and "tensorflow" not in sys.modules:
        with filtered_stderr(TF_IMPORT_NOISE):
            import tensorflow  # noqa: F401
    if "tensorflow" in sys.modules:
        _quiet_absl()
    seed_everything(seed, frameworks, deterministic=deterministic)
    if style:
        from book_utils.plotting import use_book_style

        use_book_style()
        _check_inline_figures()
    return profile


def quiet_logs() -> None:
    """Quiet the libraries' log output (safe to call more than once, and before any import).

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless the reader set it (it only works before
    TensorFlow is imported) and hides DeprecationWarning / FutureWarning raised inside the
    frameworks.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for category in (DeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=FRAMEWORK_MODULES)


def _quiet_absl() -> None:
    try:
        from absl import logging as absl_logging
    except ImportError:       # absl comes with TensorFlow; without it there is nothing to quiet
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


@contextlib.contextmanager
def filtered_stderr(noise: re.Pattern):
    """Hold back lines matching ``noise`` that C/C++ code writes to file descriptor 2.

    Python's ``sys.stderr`` is flushed first; the captured bytes are replayed afterwards,
    less the matching lines, so a real error message still reaches the reader. In a Jupyter
    kernel, descriptor 2 is the pipe that feeds the notebook's stderr stream.
    """
    fd = 2                          # what C++ writes to, whatever sys.stderr is now
    try:
        saved = os.dup(fd)
    except OSError:                 # no descriptor 2 at all: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), fd)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True) if not noise.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _in_jupyter_kernel() -> bool:
    if "IPython" not in sys.modules:      # a plain Python process (a script, a test)
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def _check_inline_figures() -> None:
    """In a Jupyter kernel, figures should be drawn inline; say so if they are not.

    ipykernel selects matplotlib's inline backend by itself (``MPLBACKEND``); the notebooks
    end each drawing cell with ``plt.show()``. Nothing here calls ``matplotlib.use``: a
    package function never changes the reader's backend.
    """
    if not _in_jupyter_kernel():
        return
    import matplotlib

    backend = matplotlib.get_backend().lower()
    if "inline" not in backend and "ipympl" not in backend and "widget" not in backend:
        warnings.warn(f"matplotlib draws with the {backend!r} backend: run %matplotlib inline to see "
                      "the book's figures in the notebook", stacklevel=3)
