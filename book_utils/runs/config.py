"""One config style for every model: a frozen dataclass, built from a recipe and options.

    config = make_config(VAEConfig, recipe, options, model="vae")

Unknown options are refused with the list of known ones; values from the command line
(``--option hidden=[512,512]``) arrive as text and are read as Python literals.
"""

from __future__ import annotations

import ast
import dataclasses

from book_utils.errors import ConfigError


def parse_value(text: str):
    """``"3"`` -> 3, ``"1e-3"`` -> 0.001, ``"[256, 256]"`` -> [256, 256], ``"soft"`` -> "soft"."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def field_names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def make_config(cls, recipe: dict, options: dict, *, model: str):
    """``cls(**recipe)`` with ``options`` applied; a clear :class:`ConfigError` for a bad option."""
    known = field_names(cls)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ConfigError(f"unknown {model} option(s) {', '.join(unknown)}; known: {', '.join(known)} "
                          "(from the command line: --option NAME=VALUE)")
    values = {**recipe, **{k: v for k, v in options.items() if v is not None}}
    for f in dataclasses.fields(cls):
        if f.name in values and isinstance(values[f.name], str) and f.type in ("int", "float", "bool"):
            values[f.name] = parse_value(values[f.name])
        if f.name in values and isinstance(values[f.name], list) and f.type.startswith("tuple"):
            values[f.name] = tuple(values[f.name])
    try:
        return cls(**values)
    except TypeError as err:
        raise ConfigError(f"{model}: {err}") from err


def require(condition: bool, message: str) -> None:
    """Raise :class:`ConfigError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(message)


def require_positive(config, *names: str) -> None:
    """Every named field is an integer of at least 1."""
    for name in names:
        value = getattr(config, name)
        require(isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                f"{name} must be a positive integer, got {value!r}")


def as_dict(config) -> dict:
    """The config as plain JSON-ready data (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}
