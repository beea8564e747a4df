"""The reference classifier whose hidden layer is the feature map of the sample metrics.

FID-style metrics need a fixed feature map trained on real data. The book uses a
small scikit-learn MLP (one hidden ReLU layer) trained once on the protocol's
training split and cached: on digits it fits in seconds on a CPU (its test accuracy
is reported as ``classifier_test_accuracy``); its 64 hidden units respond to digit
strokes, so distances between feature vectors reflect "which digit, drawn how", not
raw pixel overlap.
For MNIST / Fashion-MNIST (``full`` profile) the same recipe with 128 hidden
units and 15 epochs is trained once and cached on disk.

After fitting, the network is kept as plain NumPy weights, so ``features`` and
``predict`` are two matrix products (no scikit-learn object is pickled; the disk
cache is an ``.npz`` of weights, written atomically).
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from book_utils.metrics.checks import check_images, flatten

VIEWS = ("grey", "binary")
SMALL = {"hidden": (64,), "alpha": {"grey": 1e-3, "binary": 1.0}, "max_iter": 200, "batch_size": 200}
LARGE = {"hidden": (128,), "alpha": {"grey": 1e-4, "binary": 1e-4}, "max_iter": 15, "batch_size": 256}
CACHE_VERSION = 1


@dataclass
class ReferenceClassifier:
    """A fitted MLP as NumPy weights. Images N x H x W in [0, 1] go in.

    ``features(x)``: the last hidden layer's ReLU activations, N x D.
    ``predict(x)``: class indices, shape (N,).
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    image_shape: tuple[int, int]
    test_accuracy: float = float("nan")
    name: str = ""
    view: str = "grey"
    info: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return int(self.biases[-1].shape[0])

    def _hidden(self, x) -> np.ndarray:
        h = flatten(check_images(x, "images", image_shape=self.image_shape))
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.maximum(h @ w + b, 0.0)
        return h

    def features(self, x) -> np.ndarray:
        """Hidden-layer embedding N x D of images N x H x W in [0, 1]."""
        return self._hidden(x)

    def predict(self, x) -> np.ndarray:
        """Predicted class index per image, shape (N,)."""
        return self.logits_from_features(self._hidden(x)).argmax(axis=1)

    def logits_from_features(self, feats) -> np.ndarray:
        return np.asarray(feats) @ self.weights[-1] + self.biases[-1]

    def accuracy(self, x, y) -> float:
        return float((self.predict(x) == np.asarray(y)).mean())

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        arrays = {f"w{i}": w for i, w in enumerate(self.weights)}
        arrays.update({f"b{i}": b for i, b in enumerate(self.biases)})
        meta = {"image_shape": list(self.image_shape), "test_accuracy": self.test_accuracy,
                "name": self.name, "view": self.view, "info": self.info}
        np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: str | Path) -> ReferenceClassifier:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            n = sum(1 for key in npz.files if key.startswith("w"))
            weights = [npz[f"w{i}"] for i in range(n)]
            biases = [npz[f"b{i}"] for i in range(n)]
        return cls(weights, biases, tuple(meta["image_shape"]), meta["test_accuracy"], meta["name"],
                   meta["view"], meta["info"])


def config_for(image_shape: tuple[int, int], view: str) -> dict:
    """The MLP's settings: SMALL for 8x8 digits, LARGE for bigger images (MNIST-sized)."""
    base = SMALL if image_shape[0] * image_shape[1] <= 64 else LARGE
    return {"hidden": list(base["hidden"]), "alpha": base["alpha"][view], "max_iter": base["max_iter"],
            "batch_size": base["batch_size"]}


def fit_reference_classifier(x_train, y_train, x_test=None, y_test=None, view: str = "grey",
                             name: str = "", config: dict | None = None,
                             random_state: int = 0) -> ReferenceClassifier:
    """Fit the MLP on images N x H x W in [0, 1] with integer labels (fixed random_state)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train = check_images(x_train, "x_train")
    y_train = np.asarray(y_train)
    if y_train.shape != (len(x_train),):
        raise ValueError(f"y_train must hold one label per training image ({len(x_train)}), "
                         f"got shape {y_train.shape}")
    image_shape = tuple(x_train.shape[1:])
    config = config or config_for(image_shape, view)
    mlp = MLPClassifier(hidden_layer_sizes=tuple(config["hidden"]), alpha=config["alpha"],
                        max_iter=config["max_iter"], batch_size=config["batch_size"],
                        random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epoch count, by design
        mlp.fit(flatten(x_train), y_train)
    if not np.array_equal(mlp.classes_, np.arange(len(mlp.classes_))):
        raise ValueError(f"labels must be 0..C-1 with every class present, got classes {mlp.classes_}")
    clf = ReferenceClassifier([w.copy() for w in mlp.coefs_], [b.copy() for b in mlp.intercepts_],
                              image_shape, name=name, view=view, info=dict(config))
    if x_test is not None and y_test is not None:
        clf.test_accuracy = clf.accuracy(x_test, y_test)
    return clf


_MEMORY: dict = {}


def _images(ds, split: str) -> np.ndarray | None:
    x = getattr(ds, f"x_{split}")
    if x is None:
        return None
    if ds.view == "binary":
        return np.asarray(x, dtype=np.float64)
    return np.asarray(x, dtype=np.float64) / ds.max_value


def load_reference_data(dataset: str = "digits", view: str = "grey"):
    """The dataset in the metrics' view: an ImageDataset plus train/test images in [0, 1]."""
    from book_utils.data import load

    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}: choose 'grey' (grey levels scaled to [0, 1]) or "
                         "'binary' (pixel >= half the maximum, for models of binarized images)")
    ds = load(dataset, view="binary" if view == "binary" else "raw")
    if ds.y_train is None:
        raise ValueError(f"dataset {dataset!r} has no y_train labels: the reference classifier needs "
                         "them (add y_train to the .npz)")
    return ds, _images(ds, "train"), _images(ds, "test")


def cache_name(dataset) -> str:
    """The name caches file ``dataset`` under: ``mnist-smoke`` for the smoke stand-in of ``mnist``
    (:func:`book_utils.data.smoke_mode`), so it never passes for the real dataset."""
    from book_utils.data import is_smoke_standin

    return f"{dataset}-smoke" if is_smoke_standin(dataset) else str(dataset)


def _disk_path(dataset: str, view: str, config: dict) -> Path | None:
    from book_utils.data import DATASETS
    from book_utils.data.download import default_cache_dir

    if str(dataset) not in DATASETS:
        return None  # a reader's .npz: cache in memory only
    tag = hashlib.sha256(json.dumps([CACHE_VERSION, config], sort_keys=True).encode()).hexdigest()[:10]
    return default_cache_dir() / "metrics" / f"classifier_{cache_name(dataset)}_{view}_{tag}.npz"


def reference_classifier(dataset: str = "digits", view: str = "grey",
                         disk_cache: bool = True) -> ReferenceClassifier:
    """The book's reference classifier for ``dataset`` (a name or .npz path), fitted once.

    Cached in memory, and for named datasets on disk under
    ``book_utils.data.download.default_cache_dir()/metrics`` (written atomically; git-ignored).
    ``view="binary"`` fits it on the binarized images, for models of binarized data.
    """
    key = (cache_name(dataset), view)
    if key in _MEMORY:
        return _MEMORY[key]
    ds, x_train, x_test = load_reference_data(dataset, view)
    config = config_for(tuple(x_train.shape[1:]), view)
    path = _disk_path(str(dataset), view, config) if disk_cache else None
    clf = None
    if path is not None and path.exists():
        try:
            clf = ReferenceClassifier.from_file(path)
        except (OSError, ValueError, KeyError):
            clf = None  # unreadable cache: fit again and overwrite it
    if clf is None:
        clf = fit_reference_classifier(x_train, ds.y_train, x_test, ds.y_test, view=view,
                                       name=str(dataset), config=config)
        if path is not None:
            from book_utils.runs import atomic_write_bytes

            try:
                atomic_write_bytes(path, clf.to_bytes())
            except OSError:
                pass  # a read-only cache folder only costs a refit next time
    _MEMORY[key] = clf
    return clf
