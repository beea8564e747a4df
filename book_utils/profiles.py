"""The ``quick`` / ``full`` profiles: one code path, two scales.

``quick`` (the default) is what CI runs and what the committed notebook
outputs show: offline data, CPU, minutes. ``full`` is the paper-scale run.
A notebook picks its numbers with :func:`pick`::

    EPOCHS = pick(quick=40, full=200)

Smoke mode (``BOOK_SMOKE=1``, see :func:`smoke_mode`) runs the ``full`` profile's code path at
toy scale so that a CPU can check every notebook at full scale's shapes in minutes
(``make smoke``): ``pick`` then returns the ``smoke=`` value where one is given::

    EPOCHS = pick(quick=40, full=200, smoke=2)
"""

from __future__ import annotations

import os

PROFILES = ("quick", "full")
ENV_VAR = "BOOK_PROFILE"
_NOT_GIVEN = object()


def check_profile(name: str) -> str:
    """Return ``name`` if it is a known profile, else raise a clear ValueError."""
    if name not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r}: choose one of {', '.join(PROFILES)} "
            f"(set {ENV_VAR}=quick or {ENV_VAR}=full, or leave it unset for quick)"
        )
    return name


def active_profile() -> str:
    """The profile named by ``$BOOK_PROFILE`` (``quick`` when unset or empty)."""
    return check_profile(os.environ.get(ENV_VAR, "").strip().lower() or "quick")


def smoke_mode() -> bool:
    """True when ``$BOOK_SMOKE`` is set to anything but "", 0, false or no.

    The variable is read in one place, :func:`book_utils.data.smoke_mode` (the data stand-ins
    and the run lifecycle ask it too); this is that answer, offered beside :func:`pick`.
    """
    from book_utils.data import smoke_mode as data_smoke_mode

    return data_smoke_mode()


def pick(*, quick, full, smoke=_NOT_GIVEN, profile: str | None = None):
    """Return the value for the active profile (or for ``profile`` if given).

    ``smoke`` (optional) replaces ``full`` in :func:`smoke_mode`: give it where the full value
    would take more than about 30 s on a CPU. The quick profile never uses it.
    """
    name = check_profile(profile) if profile is not None else active_profile()
    if name == "quick":
        return quick
    return smoke if smoke is not _NOT_GIVEN and smoke_mode() else full
