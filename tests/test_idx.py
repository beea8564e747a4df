import gzip
import struct

import numpy as np
import pytest

from book_utils.data.idx import IDXFormatError, parse_idx, read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_round_trip_plain_and_gzip(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    plain, packed = tmp_path / "x-idx3-ubyte", tmp_path / "x-idx3-ubyte.gz"
    plain.write_bytes(idx_bytes(images))
    packed.write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(plain), images)
    np.testing.assert_array_equal(read_idx(packed), images)


def test_labels_and_other_types():
    labels = np.arange(10, dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels)), labels)
    floats = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(parse_idx(idx_bytes(floats, 0x0D)), floats)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short"),
    (b"<html>error page</html>", "magic"),
    (b"\x00\x00\x42\x01\x00\x00\x00\x01\x00", "type code"),
    (b"\x00\x00\x08\x03\x00\x00", "too short"),
])
def test_malformed_headers(raw, message):
    with pytest.raises(IDXFormatError, match=message):
        parse_idx(raw)


def test_truncated_payload(tmp_path):
    raw = idx_bytes(np.zeros((3, 2, 2), np.uint8))[:-1]
    with pytest.raises(IDXFormatError, match="truncated"):
        parse_idx(raw)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"\x00" * 100)[:20])
    with pytest.raises(IDXFormatError, match="gzip"):
        read_idx(path)


def test_idx_format_error_is_a_book_error():
    from book_utils.errors import BookError

    assert issubclass(IDXFormatError, BookError) and issubclass(IDXFormatError, ValueError)
