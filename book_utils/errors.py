"""The errors a reader can fix. Each message says what was wrong and what to do.

The command line (:mod:`book_utils.cli`) turns every :class:`BookError` into one line
``error: ...`` and exit status 2; anything else is a bug in the book and keeps its traceback.
"""

from __future__ import annotations


class BookError(Exception):
    """A failure caused by the input (a file, an option, the data), not by the book's code."""


class ConfigError(BookError, ValueError):
    """An option has a value the model cannot train with."""


class RunDirError(BookError, ValueError):
    """The output directory holds something this run must not overwrite, or is not a run."""


class CheckpointError(BookError):
    """No checkpoint of a run could be read back."""


class CorruptFileError(BookError, ValueError):
    """A file the book wrote (JSON, NumPy) cannot be read back."""


class DivergedError(BookError, FloatingPointError):
    """A loss became NaN or infinite; the last checkpoint is kept."""
