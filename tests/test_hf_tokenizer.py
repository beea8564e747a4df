"""book_utils.tools.hf_tokenizer and hf_files: byte-level BPE with `tokenizers`, safetensors read by hand."""

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from book_utils.tools.hf_files import folder_files, safetensors_header
from book_utils.tools.hf_tokenizer import EOS, compression, encode_ids, train_byte_bpe

TEXT = ("def f(x):\n    return x + 1\n\nThe for statement iterates over the items of a sequence. " * 40
        + "Unicode: 生成式 AI, naïve café, emoji 🙂.\n")


def test_vocabulary_special_token_and_exact_round_trip():
    tok = train_byte_bpe(TEXT, 300)
    assert tok.get_vocab_size() == 300 and tok.token_to_id(EOS) == 0
    for text in (TEXT, "never seen: 量子 Ωmega \t\n  spaces  ", "x"):
        assert tok.decode(encode_ids(tok, text)) == text          # no unknown tokens, nothing normalised


def test_more_merges_compress_more_and_bytes_only_compress_nothing():
    held_out = "The for statement iterates over the items of a list.\n"
    bare = compression(train_byte_bpe(TEXT, 257), held_out)
    small, large = (compression(train_byte_bpe(TEXT, v), held_out) for v in (300, 400))
    assert bare["bytes_per_token"] == 1.0 and bare["tokens"] == len(held_out.encode())
    assert large["bytes_per_token"] > small["bytes_per_token"] > 1.5
    assert all(c["round_trip"] for c in (bare, small, large))


def test_refuses_what_cannot_work():
    with pytest.raises(ValueError, match="at least 257"):
        train_byte_bpe(TEXT, 100)
    with pytest.raises(ValueError, match="non-empty"):
        train_byte_bpe("", 300)


def test_tokenizer_and_file_modules_import_no_framework():
    code = ("import sys\nimport book_utils.tools.hf_tokenizer, book_utils.tools.hf_files, "
            "book_utils.tools.hf_offline\nprint([m for m in ('torch', 'tensorflow') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[str(array.dtype)],
                        "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def test_safetensors_header_reads_what_the_library_writes(tmp_path):
    from safetensors.numpy import load_file, save_file

    tensors = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "ids": np.arange(4, dtype=np.int64)}
    save_file(tensors, str(tmp_path / "a.safetensors"), metadata={"format": "np"})
    header = safetensors_header(tmp_path / "a.safetensors")
    assert header["w"]["shape"] == [2, 3] and header["w"]["dtype"] == "F32"
    assert header["ids"]["dtype"] == "I64" and header["__metadata__"] == {"format": "np"}
    write_safetensors(tmp_path / "b.safetensors", tensors)             # our own writer, read by the library
    assert all(np.array_equal(load_file(str(tmp_path / "b.safetensors"))[k], v) for k, v in tensors.items())
    assert set(folder_files(tmp_path)) == {"a.safetensors", "b.safetensors"}


def test_safetensors_header_refuses_a_truncated_or_inconsistent_file(tmp_path):
    tensors = {"w": np.zeros((2, 3), dtype=np.float32)}
    write_safetensors(tmp_path / "ok.safetensors", tensors)
    data = (tmp_path / "ok.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:-4])
    with pytest.raises(ValueError, match="describes 24 bytes"):
        safetensors_header(tmp_path / "cut.safetensors")
    bad = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])
    bad["w"]["shape"] = [3, 3]
    raw = json.dumps(bad).encode()
    (tmp_path / "shape.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + data[-24:])
    with pytest.raises(ValueError, match="has shape"):
        safetensors_header(tmp_path / "shape.safetensors")
