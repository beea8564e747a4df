"""What is inside a ``.safetensors`` file, read with the standard library alone.

The format (Hugging Face's safetensors, 2022): 8 bytes, a little-endian unsigned integer N; then
N bytes of JSON, the header, naming each tensor with its ``dtype``, ``shape`` and
``data_offsets`` [begin, end) into the byte buffer that follows (plus an optional
``__metadata__`` of strings); then the raw tensor bytes, nothing else. Loading it runs no code:
unlike a pickle (``torch.save``'s ``data.pkl``), the file holds no instructions to execute, only
numbers and a description of them. Framework-free.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
               "BOOL": 1}


def safetensors_header(path: str | Path) -> dict:
    """The JSON header of a ``.safetensors`` file: {tensor name: {dtype, shape, data_offsets}}, plus
    ``__metadata__`` if present. Checks that the tensors tile the data buffer exactly."""
    path = Path(path)
    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data_bytes = path.stat().st_size - 8 - n
    spans = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
    covered = 0
    for begin, end in spans:
        if begin != covered:
            raise ValueError(f"{path}: tensor bytes do not tile the buffer (gap or overlap at {begin})")
        covered = end
    if covered != data_bytes:
        raise ValueError(f"{path}: the header describes {covered} bytes, the file holds {data_bytes}")
    for name, info in header.items():
        if name != "__metadata__":
            count = 1
            for d in info["shape"]:
                count *= d
            begin, end = info["data_offsets"]
            if count * DTYPE_BYTES[info["dtype"]] != end - begin:
                raise ValueError(f"{path}: {name} has shape {info['shape']} but {end - begin} bytes")
    return header


def folder_files(folder: str | Path) -> dict[str, int]:
    """{file name: bytes} of the files directly in ``folder``, sorted by name."""
    return {p.name: p.stat().st_size for p in sorted(Path(folder).iterdir()) if p.is_file()}
