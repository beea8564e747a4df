"""Downloading MNIST and Fashion-MNIST once, checked by SHA-256, with pooch.

pooch writes each download to a temporary file and renames it only after the
hash matched, so an interrupted or corrupted download never leaves a file that
looks complete. Several mirrors are tried in turn. Nothing here runs in the
``quick`` profile: only an explicit ``load("mnist")`` or
``python -m book_utils fetch mnist`` reaches the network.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

FILES = {  # key -> file name on every mirror
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# SHA-256 of the original gzip files (the same values are published by several
# projects, e.g. TensorFlow Datasets; MD5s in the MNIST and Fashion-MNIST pages).
SOURCES = {
    "mnist": {
        "mirrors": [
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ],
        "sha256": {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    },
    "fashion_mnist": {
        "mirrors": [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
        ],
        "sha256": {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    },
}


class DownloadError(RuntimeError):
    """A file could not be fetched or failed its hash check; the message says what to do."""


def default_cache_dir() -> Path:
    """``$BOOK_DATA`` if set, else the repository's ``data/`` folder (else ~/.cache/genai-book)."""
    if os.environ.get("BOOK_DATA"):
        return Path(os.environ["BOOK_DATA"]).expanduser()
    repo_data = Path(__file__).resolve().parent.parent.parent / "data"  # book_utils/data/download.py -> repo
    if repo_data.is_dir() and os.access(repo_data, os.W_OK):
        return repo_data
    return Path.home() / ".cache" / "genai-book"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(filename: str, sha256: str, mirrors: list[str], folder: Path) -> Path:
    """Return ``folder/filename`` with the right SHA-256, downloading it if needed."""
    import pooch

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    if target.exists() and sha256_of(target) == sha256:
        return target
    problems = []
    for base in mirrors:
        url = base + filename
        try:
            pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=folder,
                           progressbar=False)
            return target
        except ValueError as err:  # pooch: hash mismatch; the bad download is already deleted
            problems.append(f"{url}: the downloaded file's SHA-256 did not match ({err})")
        except Exception as err:  # noqa: BLE001 - any network failure: try the next mirror
            problems.append(f"{url}: {type(err).__name__}: {err}")
    tried = "\n  ".join(problems)
    raise DownloadError(
        f"could not get {filename} (expected SHA-256 {sha256}).\n  {tried}\n"
        f"If this machine is offline, download {filename} on another machine from one of "
        f"{', '.join(mirrors)} and place it in {folder} (or set BOOK_DATA to the folder holding it).")


def fetch_dataset_files(name: str, cache_dir: str | Path | None = None) -> dict[str, Path]:
    """Fetch the four IDX files of ``mnist`` or ``fashion_mnist``; returns key -> path."""
    if name not in SOURCES:
        raise DownloadError(f"no download source for {name!r}: choose one of {', '.join(SOURCES)}")
    source = SOURCES[name]
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir() / name
    return {key: fetch_file(fname, source["sha256"][fname], source["mirrors"], folder)
            for key, fname in FILES.items()}
