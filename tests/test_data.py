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
