"""Lazy exports for the model-family packages (PEP 562).

``book_utils.gan``, ``book_utils.vae`` and ``book_utils.arm`` import no framework when imported:
their public names load from the submodule that defines them on first use, so the NumPy-only
modules of a family (its mathematics, its toy code) live beside its models without pulling in
TensorFlow or PyTorch.
"""

from __future__ import annotations

import sys
from importlib import import_module


def lazy_exports(package: str, exports: dict[str, str], submodules: tuple[str, ...]):
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the
    submodule that defines it; ``submodules`` may be reached as attributes before they are imported."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        if name in exports:
            value = getattr(import_module(f"{package}.{exports[name]}"), name)
            namespace[name] = value
            return value
        if name in submodules:
            return import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports) | set(submodules))

    return __getattr__, __dir__
