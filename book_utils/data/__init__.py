"""Datasets: one loading call for every image set the book uses.

``load(name, view)`` returns an :class:`ImageDataset`. Names: ``digits``
(scikit-learn's 1,797 8x8 digits, offline), ``mnist`` and ``fashion_mnist``
(downloaded once, SHA-256 checked), or the path of a reader's own ``.npz``.

Views (DESIGN.md's protocol):
- ``raw``: the stored grey levels as uint8 (0..16 for digits, 0..255 otherwise);
- ``binary``: float32 in {0, 1}, pixel >= half the maximum (``>= 8`` on digits);
- ``signed``: float32 grey levels scaled to [-1, 1] (for GANs).

``max_value`` is the top of the grey scale: 16 for digits, 255 for MNIST, Fashion-MNIST and a
reader's ``.npz``, except that a reader's ``.npz`` whose ``x_train`` holds only 0 and 1 (binary
images stored as uint8) has ``max_value = 1``. One rule for every model: the binary view keeps
its ones and the signed view maps 0 / 1 to -1 / +1.

Smoke mode: with the environment variable ``BOOK_SMOKE=1`` (see :func:`smoke_mode`),
``mnist`` and ``fashion_mnist`` are a 28 x 28 stand-in made at run time from the digits
(no download), so a CPU can run every notebook through the ``full`` profile's 28 x 28 code
path in minutes.

Submodules: :mod:`book_utils.data.idx` (the IDX file format), :mod:`book_utils.data.download`
(SHA-256-checked downloads and the cache folder), :mod:`book_utils.data.corpus` (text corpora read
from this machine). No framework is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from book_utils.data.idx import read_idx
from book_utils.errors import BookError

VIEWS = ("raw", "binary", "signed")
SPLIT_SEED = 0
TEST_SIZE = 0.2


class DatasetError(BookError, ValueError):
    """A dataset could not be loaded; the message says what to do."""


@dataclass(frozen=True)
class ImageDataset:
    """Images N x H x W in one view, with integer labels where known."""

    name: str
    view: str
    x_train: np.ndarray
    x_test: np.ndarray | None
    y_train: np.ndarray | None
    y_test: np.ndarray | None
    max_value: int

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:3])

    def __repr__(self) -> str:
        test = "none" if self.x_test is None else len(self.x_test)
        return (f"ImageDataset({self.name!r}, view={self.view!r}, train={len(self.x_train)}, "
                f"test={test}, image_shape={self.image_shape}, dtype={self.x_train.dtype})")


def binarize(x: np.ndarray, max_value: int) -> np.ndarray:
    """Grey levels 0..max_value -> float32 {0, 1} with threshold max_value / 2."""
    return (np.asarray(x) >= max_value / 2).astype(np.float32)


def to_signed(x: np.ndarray, max_value: int) -> np.ndarray:
    """Grey levels 0..max_value -> float32 in [-1, 1]."""
    return (np.asarray(x, dtype=np.float32) / max_value * 2.0 - 1.0).astype(np.float32)


def from_signed(x: np.ndarray, max_value: int) -> np.ndarray:
    """Inverse of :func:`to_signed`, rounded and clipped to uint8 grey levels."""
    grey = np.rint((np.asarray(x, dtype=np.float32) + 1.0) / 2.0 * max_value)
    return np.clip(grey, 0, max_value).astype(np.uint8)


def apply_view(x: np.ndarray | None, view: str, max_value: int) -> np.ndarray | None:
    if x is None:
        return None
    if view == "raw":
        return x
    if view == "binary":
        return binarize(x, max_value)
    if view == "signed":
        return to_signed(x, max_value)
    raise DatasetError(f"unknown view {view!r}: choose one of {', '.join(VIEWS)}")


# --- the registry -------------------------------------------------------------

def _load_digits(**_):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = bunch.images.astype(np.uint8)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, bunch.target, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    return x_tr, x_te, y_tr.astype(np.int64), y_te.astype(np.int64), 16


def smoke_mode() -> bool:
    """True when the environment variable ``BOOK_SMOKE`` is set to anything but "", 0, false, no.

    It exists so a CPU can run every notebook through the ``full`` profile's 28 x 28 code path
    in minutes: ``mnist`` and ``fashion_mnist`` then load :func:`smoke_standin` (no download).
    """
    return os.environ.get("BOOK_SMOKE", "").strip().lower() not in ("", "0", "false", "no")


SMOKE_STANDINS = ("mnist", "fashion_mnist")


def is_smoke_standin(name: str | Path) -> bool:
    """True when ``load(name)`` returns :func:`smoke_standin` rather than the real images.

    Anything cached from such a load (a fitted classifier, statistics) must not be taken for
    the real dataset's.
    """
    return smoke_mode() and str(name) in SMOKE_STANDINS


def upsample(x: np.ndarray, max_value: int, size: int = 28) -> np.ndarray:
    """Grey levels N x h x w in 0..max_value -> uint8 N x size x size in 0..255 (bilinear)."""
    from scipy.ndimage import zoom

    grey = np.asarray(x, dtype=np.float64) * (255.0 / max_value)
    big = zoom(grey, (1, size / grey.shape[1], size / grey.shape[2]), order=1)
    return np.clip(np.rint(big), 0, 255).astype(np.uint8)


def smoke_standin(**_):
    """The digits (same protocol split and labels) upsampled to 28 x 28, grey levels 0..255.

    What ``mnist`` and ``fashion_mnist`` load in :func:`smoke_mode`: the full profile's image
    size with only the digits' 1,797 images, made at run time without any download.
    Returns x_train, x_test (uint8 N x 28 x 28), y_train, y_test (int64) and max_value 255.
    """
    x_tr, x_te, y_tr, y_te, max_value = _load_digits()
    return upsample(x_tr, max_value), upsample(x_te, max_value), y_tr, y_te, 255


def _idx_loader(name):
    def load(cache_dir=None, **_):
        if is_smoke_standin(name):
            return smoke_standin()
        from book_utils.data.download import fetch_dataset_files

        paths = fetch_dataset_files(name, cache_dir=cache_dir)
        arrays = {key: read_idx(path) for key, path in paths.items()}
        return (arrays["train_images"], arrays["test_images"],
                arrays["train_labels"].astype(np.int64), arrays["test_labels"].astype(np.int64), 255)
    return load


DATASETS = {
    "digits": ("scikit-learn's 1,797 8x8 handwritten digits (offline), 80/20 split", _load_digits),
    "mnist": ("MNIST, 70,000 28x28 digits (downloaded once, SHA-256 checked)", _idx_loader("mnist")),
    "fashion_mnist": ("Fashion-MNIST, 70,000 28x28 clothing images (downloaded once)",
                      _idx_loader("fashion_mnist")),
}


def available() -> dict[str, str]:
    """Known dataset names and a one-line description of each."""
    return {name: desc for name, (desc, _) in DATASETS.items()}


NPZ_REMEDY = ("write it again with np.savez(path, x_train=images) (images: uint8 N x H x W), "
              "or copy it again if it was cut short or damaged on the way")


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the .npz at ``path`` (name -> array); a DatasetError for an unreadable file."""
    if path.is_dir():
        raise DatasetError(f"{path} is a directory, not an .npz file: give the path of the .npz file "
                           "itself")
    if not path.exists():
        raise DatasetError(f"{path}: no such file. Give an existing .npz or one of: "
                           f"{', '.join(DATASETS)}")
    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: the file is empty (0 bytes); {NPZ_REMEDY}")
    with open(path, "rb") as handle:
        start = handle.read(6)
    if not start.startswith((b"PK", b"\x93NUMPY")):  # a zip archive (.npz) or a single .npy
        raise DatasetError(f"{path}: not a readable .npz file: an .npz is a zip archive, this file "
                           f"starts with {start!r}; {NPZ_REMEDY}")
    try:
        with open(path, "rb") as handle:
            npz = np.load(handle, allow_pickle=False)
            arrays = None if isinstance(npz, np.ndarray) else {key: npz[key] for key in npz.files}
    except Exception as err:  # noqa: BLE001 - a damaged zip or .npy header fails in many ways
        raise DatasetError(f"{path}: not a readable .npz file, it is damaged "
                           f"({str(err) or type(err).__name__}); {NPZ_REMEDY}") from err
    if arrays is None:
        raise DatasetError(f"{path}: holds one unnamed array (.npy format), not named arrays; {NPZ_REMEDY}")
    return arrays


def load_npz(path: str | Path):
    """Load a reader's own images: an .npz with uint8 ``x_train`` N x H x W
    (optional ``x_test``, ``y_train``, ``y_test``). Returns the raw arrays and ``max_value``:
    1 when ``x_train`` holds only 0 and 1, else 255."""
    path = Path(path)
    arrays = read_npz(path)
    if "x_train" not in arrays:
        raise DatasetError(f"{path}: the .npz must hold an array named 'x_train' "
                           f"(it holds {sorted(arrays) or 'nothing'})")
    for key in ("x_train", "x_test"):
        if key in arrays:
            x = arrays[key]
            if x.dtype != np.uint8 or x.ndim != 3:
                raise DatasetError(
                    f"{path}: '{key}' must be a uint8 array N x H x W of grey levels 0..255, "
                    f"got dtype {x.dtype} and shape {x.shape} (convert with "
                    "np.clip(x * 255, 0, 255).astype(np.uint8) for floats in [0, 1])")
            if len(x) == 0:
                raise DatasetError(f"{path}: '{key}' holds no images (shape {x.shape}); "
                                   + ("store at least one image" if key == "x_train" else
                                      "leave x_test out or store some images in it"))
            if min(x.shape[1:]) < 2:
                raise DatasetError(f"{path}: '{key}' images are {x.shape[1]} x {x.shape[2]} pixels; the "
                                   "models need images of at least 2 x 2 (is the array N x H x W?)")
    if "x_test" in arrays and arrays["x_test"].shape[1:] != arrays["x_train"].shape[1:]:
        raise DatasetError(f"{path}: x_test images are {arrays['x_test'].shape[1:]} but x_train "
                           f"images are {arrays['x_train'].shape[1:]}")
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        if y_key in arrays and len(arrays[y_key]) != len(arrays.get(x_key, [])):
            raise DatasetError(f"{path}: {y_key} has {len(arrays[y_key])} labels for "
                               f"{len(arrays.get(x_key, []))} images in {x_key}")
    max_value = 255
    if int(arrays["x_train"].max()) <= 1:  # binary images: 0 / 1 are the whole scale
        max_value = 1
        if "x_test" in arrays and int(arrays["x_test"].max()) > 1:
            raise DatasetError(f"{path}: x_train holds only 0 and 1 (binary images) but x_test has grey "
                               f"levels up to {int(arrays['x_test'].max())}: store both on the same "
                               "scale (0/1 or 0..255)")
    return (arrays["x_train"], arrays.get("x_test"), arrays.get("y_train"),
            arrays.get("y_test"), max_value)


def load(name: str | Path = "digits", view: str = "raw", cache_dir: str | Path | None = None
         ) -> ImageDataset:
    """Load a dataset by name (``digits``, ``mnist``, ``fashion_mnist``) or .npz path.

    Under :func:`smoke_mode`, ``mnist`` and ``fashion_mnist`` are :func:`smoke_standin`.
    """
    if view not in VIEWS:
        raise DatasetError(f"unknown view {view!r}: choose one of {', '.join(VIEWS)}")
    key = str(name)
    if key in DATASETS:
        x_tr, x_te, y_tr, y_te, max_value = DATASETS[key][1](cache_dir=cache_dir)
    elif key.endswith(".npz") or os.sep in key or Path(key).exists():
        x_tr, x_te, y_tr, y_te, max_value = load_npz(key)
        key = Path(key).stem
    else:
        known = "\n".join(f"  {n:14s} {d}" for n, d in available().items())
        raise DatasetError(f"unknown dataset {str(name)!r}. Known datasets:\n{known}\n"
                           "or the path of an .npz file holding x_train (uint8, N x H x W).")
    return ImageDataset(key, view, apply_view(x_tr, view, max_value), apply_view(x_te, view, max_value),
                        y_tr, y_te, max_value)
