"""Text corpora read from this machine at run time (the book ships no third-party text).

CPython ships the text of its reference documentation's topics (what
``help("assert")`` prints) in the standard-library module ``pydoc_data.topics``.
That is several hundred thousand characters of English technical prose on every
Python 3.11 install, so text chapters need no download and the repository holds
none of it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from book_utils.data import DatasetError


class CorpusError(DatasetError):
    """The text could not be read or is unusable; the message says what to do."""


def python_docs_text() -> str:
    """The documentation topics that ship with this Python, joined in sorted order (str)."""
    try:
        topics = importlib.import_module("pydoc_data.topics").topics
    except ImportError as err:
        raise CorpusError(
            "this Python has no pydoc_data.topics module (some minimal builds strip it); "
            "pass your own text file instead (e.g. --text my_corpus.txt)") from err
    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def read_text(source: str | Path = "python-docs") -> str:
    """``python-docs`` for :func:`python_docs_text`, else the path of a UTF-8 text file."""
    if source == "python-docs":
        text = python_docs_text()
    else:
        remedy = "give a UTF-8 text file or 'python-docs'"
        path = Path(source)
        if path.is_dir():
            raise CorpusError(f"{source} is a directory, not a text file; {remedy}")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as err:
            raise CorpusError(f"{source}: no such text file; {remedy}") from err
        except UnicodeDecodeError as err:
            raise CorpusError(
                f"{source}: not UTF-8 text (byte {err.start} cannot be decoded: {err.reason}); "
                f"convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8 {source} > text-utf8.txt, "
                "naming its real encoding) or save it as UTF-8 from your editor") from err
        except OSError as err:
            raise CorpusError(f"{source}: cannot read it ({err.strerror or err}); {remedy}") from err
    if not text.strip():
        raise CorpusError(f"{source}: the corpus is empty (no text, or only white space); a language "
                          "model needs text to learn from: give a file that holds some")
    return text


def split_text(text: str, valid_fraction: float = 0.1) -> tuple[str, str]:
    """Split text into (train, validation): the last ``valid_fraction`` of characters is held out."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be between 0 and 1, got {valid_fraction}")
    if len(text) < 2:
        raise CorpusError("the text is too short to split into training and validation parts")
    cut = int(len(text) * (1.0 - valid_fraction))
    return text[:cut], text[cut:]
