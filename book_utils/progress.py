"""Progress bars and timing shared by every training loop."""

from __future__ import annotations

import time
from contextlib import contextmanager


def progress(iterable=None, total=None, desc: str | None = None, **kwargs):
    """A tqdm progress bar that stays readable in a terminal, a notebook and on GitHub.

    ``tqdm.auto`` draws a widget when ipywidgets is installed, else a text bar;
    text bars update at most every few seconds so committed outputs stay short.
    """
    import importlib.util

    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:  # tqdm.auto would warn and fall back to the text bar anyway
        from tqdm.std import tqdm

    kwargs.setdefault("mininterval", 5.0)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, total=total, desc=desc, **kwargs)


class Timer:
    """Wall-clock seconds of a block: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


@contextmanager
def timed(label: str):
    """Print how long a block took: ``with timed("training"): ...``."""
    with Timer() as t:
        yield t
    print(f"{label}: {t.seconds:.1f} s")
