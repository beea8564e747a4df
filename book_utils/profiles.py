"""The ``quick`` / ``full`` profiles: one code path, two scales.

``quick`` (the default) is what CI runs and what the committed notebook
outputs show: offline data, CPU, minutes. ``full`` is the paper-scale run.
A notebook picks its numbers with :func:`pick`::

    EPOCHS = pick(quick=40, full=200)
"""

from __future__ import annotations

import os

PROFILES = ("quick", "full")
ENV_VAR = "BOOK_PROFILE"


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


def pick(*, quick, full, profile: str | None = None):
    """Return the value for the active profile (or for ``profile`` if given)."""
    name = check_profile(profile) if profile is not None else active_profile()
    return quick if name == "quick" else full
