"""The website's requirements, read from ``pyproject.toml`` (standard library only).

``make site`` creates ``.venv-site`` from the ``site`` extra, with the book's own pins as constraints,
so that every package the two environments share has the book's version. The site needs its own
environment because Jupyter Book 1.x needs markdown-it-py 3, older than the book's environment has.

    python -m book_utils.site.pins --extra site      # one requirement a line
    python -m book_utils.site.pins --dependencies    # the book's pins (as pip constraints)
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def project(pyproject: Path = PYPROJECT) -> dict:
    return tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]


def extra(name: str, pyproject: Path = PYPROJECT) -> list[str]:
    """The pins of one optional extra, e.g. ``extra("site")``."""
    return list(project(pyproject)["optional-dependencies"][name])


def dependencies(pyproject: Path = PYPROJECT) -> list[str]:
    """The book's own pins (``[project] dependencies``)."""
    return list(project(pyproject)["dependencies"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--extra", help="print this optional extra's pins")
    group.add_argument("--dependencies", action="store_true", help="print the book's pins")
    args = parser.parse_args(argv)
    print("\n".join(extra(args.extra) if args.extra else dependencies()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
