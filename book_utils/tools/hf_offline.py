"""Hugging Face with no network: the environment switches, and a guard that proves it.

The Hugging Face libraries read their switches from environment variables *when they are
imported*, so :func:`offline_env` must run first (``book_utils.notebook.setup`` sets the two
offline switches itself):

* ``HF_HUB_OFFLINE=1``: ``huggingface_hub`` (and so ``transformers``' ``from_pretrained``,
  ``pipeline``) never calls the Hub; a name that is not a local folder or already cached fails
  at once with a clear error instead of trying to download;
* ``HF_DATASETS_OFFLINE=1``: the same for ``datasets.load_dataset``;
* ``USE_TF=0``, ``USE_TORCH=1``: the libraries use PyTorch and never import TensorFlow (the book
  keeps the two frameworks in separate processes);
* quiet: no telemetry, no progress bars, no tokenizers fork warning.

:func:`block_network` makes any attempt to open a network connection raise
:class:`NetworkAccessError`, so a test (or a notebook cell) can show that a code path is offline,
not merely assume it. Framework-free: this module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import socket

# The offline switches: setdefault, so a reader who sets them to 0 on purpose goes online.
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
# PyTorch only, and quiet.
QUIET = {
    "USE_TF": "0", "USE_TORCH": "1", "USE_JAX": "0",
    "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false",
}


def offline_env() -> dict[str, str]:
    """Set the offline and quiet variables (each only if unset); returns their values now."""
    for name, value in {**OFFLINE, **QUIET}.items():
        os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in {**OFFLINE, **QUIET}}


class NetworkAccessError(RuntimeError):
    """A code path tried to open a network connection while :func:`block_network` was active."""


@contextlib.contextmanager
def block_network():
    """Inside the ``with`` block, opening a connection or resolving a host name raises
    :class:`NetworkAccessError` (``socket.socket.connect`` / ``connect_ex``,
    ``socket.create_connection``, ``socket.getaddrinfo``). Everything is restored on exit.

    Yields the list of refused attempts (address, what was called), so a caller can also check
    that nothing was *tried* and swallowed by a library's ``except``.
    """
    attempts: list[tuple[object, str]] = []

    def refuse(what):
        def refused(*args, **kwargs):
            if what.startswith("socket.connect"):          # a method: (self, address)
                address = args[1] if len(args) > 1 else kwargs.get("address")
            else:                                           # (address, ...) or (host, port, ...)
                address = args[:2] if what.endswith("getaddrinfo") else (args[0] if args else None)
            attempts.append((address, what))
            raise NetworkAccessError(f"{what}({address!r}) was called inside block_network(): "
                                     "this code path tries to reach the network")
        return refused

    saved = {"connect": socket.socket.connect, "connect_ex": socket.socket.connect_ex,
             "create_connection": socket.create_connection, "getaddrinfo": socket.getaddrinfo}
    socket.socket.connect = refuse("socket.connect")
    socket.socket.connect_ex = refuse("socket.connect_ex")
    socket.create_connection = refuse("socket.create_connection")
    socket.getaddrinfo = refuse("socket.getaddrinfo")
    try:
        yield attempts
    finally:
        socket.socket.connect = saved["connect"]
        socket.socket.connect_ex = saved["connect_ex"]
        socket.create_connection = saved["create_connection"]
        socket.getaddrinfo = saved["getaddrinfo"]
