"""Downloading MNIST and Fashion-MNIST once, checked by SHA-256, with pooch.

pooch writes each download to a temporary file and renames it only after the
hash matched, so an interrupted or corrupted download never leaves a file that
looks complete. Several mirrors are tried in turn. Nothing here runs in the
``quick`` profile (nor under ``BOOK_SMOKE=1``, see :func:`book_utils.data.smoke_mode`):
only an explicit ``load("mnist")`` or ``python -m book_utils fetch mnist`` reaches the network.

Layout: the four files of dataset ``name`` live in ``$BOOK_DATA/<name>/`` (``BOOK_DATA``
defaults to the repository's ``data/`` folder, see :func:`default_cache_dir`), or directly in
the ``cache_dir`` given to :func:`fetch_dataset_files`.

A file already there is accepted when its SHA-256 is the original ``.gz`` file's, or when the
SHA-256 of its gunzipped content is the known one of the IDX file inside (a copy re-compressed
by another gzip holds the same images in other ``.gz`` bytes).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from book_utils.errors import BookError

FILES = {  # key -> file name on every mirror
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# "sha256": SHA-256 of the original gzip files (the same values are published by several
# projects, e.g. TensorFlow Datasets; MD5s in the MNIST and Fashion-MNIST pages).
# "idx_sha256": SHA-256 of the decompressed IDX content, only where it was computed from the
# real files (MNIST's two test files, ``gzip -dc FILE | sha256sum``). The MNIST training files
# and Fashion-MNIST have no such entry yet: for them only the original .gz bytes are accepted.
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
        "idx_sha256": {
            "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
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
        "idx_sha256": {},
    },
}


class DownloadError(BookError, RuntimeError):
    """A file could not be fetched or failed its hash check; the message says what to do."""


def default_cache_dir() -> Path:
    """``$BOOK_DATA`` if set, else the repository's ``data/`` folder (else ~/.cache/genai-book).

    Dataset ``name`` is kept in ``default_cache_dir() / name``.
    """
    if os.environ.get("BOOK_DATA"):
        return Path(os.environ["BOOK_DATA"]).expanduser()
    repo_data = Path(__file__).resolve().parent.parent.parent / "data"  # book_utils/data/download.py -> repo
    if repo_data.is_dir() and os.access(repo_data, os.W_OK):
        return repo_data
    return Path.home() / ".cache" / "genai-book"


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def gunzipped_sha256_of(path: str | Path) -> str | None:
    """Hex SHA-256 of the file's gunzipped content, or None when it is not readable gzip data."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
        return None
    return digest.hexdigest()


def check_file(path: Path, sha256: str, idx_sha256: str | None = None) -> str | None:
    """None when ``path`` is the expected file, else one sentence saying why it is not.

    Accepted: the SHA-256 of the bytes is ``sha256``, or (where ``idx_sha256`` is known) the
    SHA-256 of the gunzipped content is ``idx_sha256``.
    """
    actual = sha256_of(path)
    if actual == sha256:
        return None
    if idx_sha256 is not None and gunzipped_sha256_of(path) == idx_sha256:
        return None
    accepted = f"expected {sha256}"
    if idx_sha256 is not None:
        accepted += f" (or decompressed content {idx_sha256})"
    return f"present in {path.parent} but fails its hash check: its SHA-256 is {actual}, {accepted}"


@dataclass
class Attempt:
    """What happened to one file: ``path`` when it is here and checked, else the problems."""

    filename: str
    path: Path | None = None
    present: str | None = None                        # why a file already there was rejected
    mirrors: list[str] = field(default_factory=list)  # one line per mirror that failed
    unreachable: bool = False                         # every mirror failed to connect
    tried: bool = True                                # False: skipped, the network was unreachable

    def describe(self) -> str:
        """One line: the file and what went wrong."""
        what = self.present or "missing"
        if not self.tried:
            return f"{self.filename}: {what} (not downloaded: the mirrors were unreachable)"
        return f"{self.filename}: {what}; download failed: " + "; ".join(self.mirrors)


def attempt_file(filename: str, sha256: str, mirrors: list[str], folder: Path,
                 idx_sha256: str | None = None, use_network: bool = True) -> Attempt:
    """Check ``folder/filename`` and download it from ``mirrors`` when it is missing or wrong."""
    target = folder / filename
    result = Attempt(filename)
    if target.is_file():
        result.present = check_file(target, sha256, idx_sha256)
        if result.present is None:
            result.path = target
            return result
    if not use_network:
        result.tried = False
        return result
    import pooch
    import requests

    unreachable = 0
    for base in mirrors:
        url = base + filename
        try:
            pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=folder,
                           progressbar=False)
            result.path, result.present = target, None
            return result
        except ValueError as err:  # pooch: hash mismatch; the bad download is already deleted
            result.mirrors.append(f"{url}: the downloaded file's SHA-256 did not match ({err})")
        except (requests.ConnectionError, requests.Timeout) as err:
            unreachable += 1
            result.mirrors.append(f"{url}: cannot connect ({type(err).__name__})")
        except Exception as err:  # noqa: BLE001 - any other network failure: try the next mirror
            result.mirrors.append(f"{url}: {type(err).__name__}: {err}")
    result.unreachable = unreachable == len(mirrors)
    return result


def fetch_file(filename: str, sha256: str, mirrors: list[str], folder: Path,
               idx_sha256: str | None = None) -> Path:
    """Return ``folder/filename`` with the right SHA-256, downloading it if needed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = attempt_file(filename, sha256, mirrors, folder, idx_sha256)
    if result.path is not None:
        return result.path
    raise DownloadError(
        f"could not get {filename} (expected SHA-256 {sha256}).\n  {result.describe()}\n"
        f"If this machine is offline, download {filename} on another machine from one of "
        f"{', '.join(mirrors)} and put it in {folder}.")


def fetch_dataset_files(name: str, cache_dir: str | Path | None = None) -> dict[str, Path]:
    """Fetch the four IDX files of ``mnist`` or ``fashion_mnist``; returns key -> path.

    The files live in ``cache_dir`` when given, else in ``default_cache_dir() / name``. Every
    file is checked before one error names all the files that are missing or wrong.
    """
    if name not in SOURCES:
        raise DownloadError(f"no download source for {name!r}: choose one of {', '.join(SOURCES)}")
    source = SOURCES[name]
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir() / name
    folder.mkdir(parents=True, exist_ok=True)  # the folder the error message asks to fill
    attempts, online = {}, True
    for key, fname in FILES.items():
        attempts[key] = attempt_file(fname, source["sha256"][fname], source["mirrors"], folder,
                                     source.get("idx_sha256", {}).get(fname), use_network=online)
        online = online and not attempts[key].unreachable
    failed = [a for a in attempts.values() if a.path is None]
    if not failed:
        return {key: a.path for key, a in attempts.items()}
    raise DownloadError(_failure_message(name, folder, failed, source["mirrors"],
                                         from_book_data=cache_dir is None))


def _failure_message(name: str, folder: Path, failed: list[Attempt], mirrors: list[str],
                     from_book_data: bool) -> str:
    """The error for the files of dataset ``name`` that are not in ``folder`` (all of them named)."""
    names = ", ".join(a.filename for a in failed)
    lines = [f"could not get {len(failed)} of the {len(FILES)} {name} files ({names}):"]
    lines += [f"  {a.describe()}" for a in failed]
    if any(a.unreachable or not a.tried for a in failed):
        lines.append("No mirror could be reached: this machine looks offline.")
    lines.append(f"On a machine with internet access, download {names} from one of "
                 f"{', '.join(mirrors)} and put them (keeping these names) in {folder}")
    if any(a.present for a in failed):
        lines[-1] += ", replacing the files that fail their hash check"
    lines[-1] += "."
    if from_book_data:
        origin = "set in the environment" if os.environ.get("BOOK_DATA") else "the default"
        lines.append(f"The {name} files are looked up in BOOK_DATA/{name}, here BOOK_DATA={folder.parent} "
                     f"({origin}); to keep them elsewhere, put the {len(FILES)} files in DIR/{name} "
                     "and set BOOK_DATA=DIR.")
    return "\n".join(lines)
