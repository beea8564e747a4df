import numpy as np
import pytest

from book_utils import data


def test_digits_protocol_split_and_views():
    raw = data.load("digits")
    assert raw.x_train.shape == (1437, 8, 8) and raw.x_test.shape == (360, 8, 8)
    assert raw.x_train.dtype == np.uint8 and raw.x_train.max() == 16 and raw.max_value == 16
    assert raw.y_train.shape == (1437,) and set(np.unique(raw.y_test)) == set(range(10))

    binary = data.load("digits", view="binary")
    assert set(np.unique(binary.x_train)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary.x_train, (raw.x_train >= 8).astype(np.float32))

    signed = data.load("digits", view="signed")
    assert signed.x_train.min() == -1.0 and signed.x_train.max() == 1.0
    np.testing.assert_allclose(signed.x_test, raw.x_test / 16 * 2 - 1, atol=1e-6)


def test_digits_split_matches_sklearn_call():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    _, x_te, _, y_te = train_test_split(bunch.images, bunch.target, test_size=0.2, random_state=0)
    ds = data.load("digits")
    np.testing.assert_array_equal(ds.x_test, x_te.astype(np.uint8))
    np.testing.assert_array_equal(ds.y_test, y_te)


def test_signed_round_trip():
    x = np.arange(17, dtype=np.uint8)
    np.testing.assert_array_equal(data.from_signed(data.to_signed(x, 16), 16), x)


def test_unknown_dataset_lists_known_names():
    with pytest.raises(data.DatasetError) as err:
        data.load("cifar")
    message = str(err.value)
    for name in ("digits", "mnist", "fashion_mnist", ".npz"):
        assert name in message


def test_unknown_view():
    with pytest.raises(data.DatasetError, match="unknown view"):
        data.load("digits", view="colour")


def test_npz_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(10, 5, 6), dtype=np.uint8)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=x, y_train=np.arange(10))
    ds = data.load(str(path), view="binary")
    assert ds.name == "mine" and ds.x_test is None and ds.image_shape == (5, 6)
    np.testing.assert_array_equal(ds.x_train, (x >= 128).astype(np.float32))


@pytest.mark.parametrize("arrays, message", [
    ({"images": np.zeros((2, 3, 3), np.uint8)}, "x_train"),
    ({"x_train": np.zeros((2, 3, 3), np.float32)}, "uint8"),
    ({"x_train": np.zeros((2, 9), np.uint8)}, "N x H x W"),
    ({"x_train": np.zeros((2, 3, 3), np.uint8), "x_test": np.zeros((2, 4, 4), np.uint8)}, "x_test images"),
    ({"x_train": np.zeros((2, 3, 3), np.uint8), "y_train": np.zeros(3)}, "labels"),
])
def test_malformed_npz_names_the_problem(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(data.DatasetError, match=message):
        data.load(str(path))


def test_npz_that_is_not_an_npz(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_text("not a zip file")
    with pytest.raises(data.DatasetError, match="not a readable .npz"):
        data.load(str(path))


def test_missing_npz():
    with pytest.raises(data.DatasetError, match="no such file"):
        data.load("/nonexistent/dir/images.npz")


def test_dataset_error_is_a_book_error():
    from book_utils.errors import BookError

    assert issubclass(data.DatasetError, BookError) and issubclass(data.DatasetError, ValueError)


def test_binary_npz_keeps_its_ones_in_every_view(tmp_path):
    x = (np.random.default_rng(0).random((6, 4, 4)) < 0.5).astype(np.uint8)
    path = tmp_path / "binary.npz"
    np.savez(path, x_train=x, x_test=x[:2])
    assert data.load(str(path)).max_value == 1
    np.testing.assert_array_equal(data.load(str(path), view="binary").x_train, x.astype(np.float32))
    np.testing.assert_array_equal(data.load(str(path), view="signed").x_test, x[:2] * 2.0 - 1.0)


def test_grey_npz_keeps_max_value_255(tmp_path):
    path = tmp_path / "grey.npz"
    np.savez(path, x_train=np.array([[[0, 2], [255, 7]]], np.uint8))
    assert data.load(str(path)).max_value == 255


def test_binary_train_with_grey_test_is_rejected(tmp_path):
    path = tmp_path / "mixed.npz"
    np.savez(path, x_train=np.ones((2, 3, 3), np.uint8), x_test=np.full((1, 3, 3), 200, np.uint8))
    with pytest.raises(data.DatasetError, match="same scale"):
        data.load(str(path))


def npz_bytes(compressed: bool) -> bytes:
    import io

    buffer = io.BytesIO()
    save = np.savez_compressed if compressed else np.savez
    save(buffer, x_train=np.random.default_rng(1).integers(0, 256, (20, 8, 8), dtype=np.uint8))
    return buffer.getvalue()


def damaged_files():
    """(label, bytes): every kind of unreadable .npz, from zero bytes to one flipped bit."""
    for compressed in (False, True):
        raw = npz_bytes(compressed)
        for cut in (1, 10, 40, len(raw) // 2, len(raw) - 30, len(raw) - 1):
            yield f"cut{cut}-z{compressed}", raw[:cut]
        for at in (60, 100, 200, len(raw) // 2, len(raw) - 40):
            flipped = bytearray(raw)
            flipped[at] ^= 0x10
            yield f"flip{at}-z{compressed}", bytes(flipped)
    yield "zero-bytes", b""


DAMAGED = dict(damaged_files())


@pytest.mark.parametrize("label", list(DAMAGED))
def test_damaged_npz_is_a_dataset_error_naming_the_file(tmp_path, label):
    path = tmp_path / "damaged.npz"
    path.write_bytes(DAMAGED[label])
    try:
        ds = data.load(str(path))
    except data.DatasetError as err:
        assert str(path) in str(err) and "np.savez" in str(err)
    else:  # a flipped bit in a field no reader checks: the images must still be well formed
        assert ds.x_train.dtype == np.uint8 and ds.x_train.ndim == 3


def test_npy_file_named_npz(tmp_path):
    path = tmp_path / "single.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(data.DatasetError, match="one unnamed array"):
        data.load(str(path))


@pytest.mark.parametrize("arrays, message", [
    ({"x_train": np.zeros((0, 8, 8), np.uint8)}, "holds no images"),
    ({"x_train": np.zeros((3, 8, 8), np.uint8), "x_test": np.zeros((0, 8, 8), np.uint8)}, "holds no images"),
    ({"x_train": np.zeros((3, 1, 8), np.uint8)}, "at least 2 x 2"),
    ({"x_train": np.zeros((3, 8, 0), np.uint8)}, "at least 2 x 2"),
])
def test_empty_or_too_small_images(tmp_path, arrays, message):
    path = tmp_path / "small.npz"
    np.savez(path, **arrays)
    with pytest.raises(data.DatasetError, match=message):
        data.load(str(path))


def test_directory_instead_of_npz(tmp_path, monkeypatch):
    with pytest.raises(data.DatasetError, match="is a directory"):
        data.load(str(tmp_path))
    (tmp_path / "images").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(data.DatasetError, match="images is a directory"):
        data.load("images")


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("0", False), ("false", False), ("No", False),
    ("1", True), ("yes", True), ("true", True),
])
def test_smoke_mode_reads_book_smoke(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("BOOK_SMOKE", raising=False)
    else:
        monkeypatch.setenv("BOOK_SMOKE", value)
    assert data.smoke_mode() is expected


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_smoke_standin_is_digits_at_28x28_without_download(monkeypatch, name):
    from book_utils.data import download

    def no_download(*args, **kwargs):
        raise AssertionError("smoke mode must not download")

    monkeypatch.setenv("BOOK_SMOKE", "1")
    monkeypatch.setattr(download, "fetch_dataset_files", no_download)
    ds, digits = data.load(name), data.load("digits")
    assert data.is_smoke_standin(name) and not data.is_smoke_standin("digits")
    assert ds.name == name and ds.max_value == 255
    assert ds.x_train.shape == (1437, 28, 28) and ds.x_test.shape == (360, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.x_train.min() == 0 and ds.x_train.max() == 255
    np.testing.assert_array_equal(ds.y_train, digits.y_train)
    np.testing.assert_array_equal(ds.y_test, digits.y_test)
    # bilinear upsampling keeps the corner pixels: the stand-in is the digits, rescaled to 0..255
    np.testing.assert_array_equal(ds.x_test[:, -1, -1], np.rint(digits.x_test[:, -1, -1] / 16 * 255))
    signed = data.load(name, view="signed")
    assert signed.x_train.min() == -1.0 and signed.x_train.max() == 1.0
