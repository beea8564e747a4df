"""Showing the package's tested source inside a notebook (DESIGN.md's single-source rule)."""

from __future__ import annotations

import inspect


def show_source(obj):
    """Return a highlighted, displayable view of ``obj``'s source code.

    A notebook cell ending in ``show_source(book_utils.basics.toy.ring_of_gaussians)``
    shows the exact code the tests check, so the book never keeps a second copy.
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")
