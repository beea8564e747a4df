"""Reading the IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the values.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from book_utils.errors import BookError

_TYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


class IDXFormatError(BookError, ValueError):
    """The bytes are not a well-formed IDX file."""


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes into an array whose shape is the file's dimensions."""
    if len(raw) < 4:
        raise IDXFormatError(f"{name}: {len(raw)} bytes is too short for an IDX header (4 bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise IDXFormatError(
            f"{name}: bad magic number {raw[:4].hex()}: an IDX file starts with two zero bytes "
            "(is it an HTML error page or a different format?)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _TYPES:
        raise IDXFormatError(f"{name}: unknown IDX type code 0x{type_code:02x}; "
                             f"known codes are {', '.join(f'0x{c:02x}' for c in _TYPES)}")
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise IDXFormatError(f"{name}: header announces {ndim} dimensions but the file is too short")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _TYPES[type_code]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IDXFormatError(
            f"{name}: header says shape {shape} ({expected} bytes of data) but the file holds "
            f"{len(raw) - header} bytes after the header; the file is truncated or corrupt")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file; gzip compression is detected from the content."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise IDXFormatError(f"{path}: gzip data is corrupt ({err}); delete it and fetch again") from err
    return parse_idx(raw, name=str(path))
