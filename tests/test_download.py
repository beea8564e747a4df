"""Download tests serve files from a local HTTP server on 127.0.0.1: never the network."""

import gzip
import hashlib
import http.server
import socket
import threading
from contextlib import contextmanager

import numpy as np
import pytest

from book_utils import data
from book_utils.data import download
from tests.test_idx import idx_bytes


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@contextmanager
def serve(files: dict[str, bytes], truncate: bool = False):
    """Serve ``files`` at http://127.0.0.1:PORT/; with ``truncate`` the body is cut short."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            name = self.path.lstrip("/")
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if truncate else body)
            if truncate:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def unused_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_checks_hash_and_falls_back_to_next_mirror(tmp_path):
    payload = b"hello digits"
    with serve({"f.bin": payload}) as url:
        path = download.fetch_file("f.bin", sha(payload), [unused_url(), url], tmp_path)
    assert path.read_bytes() == payload
    assert leftovers(tmp_path) == ["f.bin"]


def test_cached_file_with_right_hash_needs_no_network(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"cached")
    path = download.fetch_file("f.bin", sha(b"cached"), [unused_url()], tmp_path)
    assert path.read_bytes() == b"cached"


def test_hash_mismatch_removes_bad_file_and_names_expected_hash(tmp_path):
    expected = sha(b"the real file")
    with serve({"f.bin": b"something else"}) as url:
        with pytest.raises(download.DownloadError) as err:
            download.fetch_file("f.bin", expected, [url], tmp_path)
    assert "f.bin" in str(err.value) and expected in str(err.value)
    assert leftovers(tmp_path) == []


def test_interrupted_download_leaves_nothing_that_looks_complete(tmp_path):
    payload = bytes(range(256)) * 400
    with serve({"f.bin": payload}, truncate=True) as url:
        with pytest.raises(download.DownloadError):
            download.fetch_file("f.bin", sha(payload), [url], tmp_path)
    assert leftovers(tmp_path) == []


def test_offline_without_cache_says_where_to_put_the_file(tmp_path):
    with pytest.raises(download.DownloadError) as err:
        download.fetch_file("train-images-idx3-ubyte.gz", "0" * 64, [unused_url()], tmp_path)
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message and f"put it in {tmp_path}" in message


def test_load_mnist_end_to_end_from_a_local_mirror(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3).astype(np.uint8),
    }
    files = {name: gzip.compress(idx_bytes(a)) for name, a in arrays.items()}
    with serve(files) as url:
        monkeypatch.setitem(download.SOURCES, "mnist",
                            {"mirrors": [url], "sha256": {n: sha(b) for n, b in files.items()}})
        ds = data.load("mnist", view="signed", cache_dir=tmp_path)
    assert ds.x_train.shape == (6, 28, 28) and ds.x_test.shape == (3, 28, 28)
    np.testing.assert_allclose(ds.x_train, arrays["train-images-idx3-ubyte.gz"] / 255 * 2 - 1, atol=1e-6)
    np.testing.assert_array_equal(ds.y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_cache_dir_follows_book_data(monkeypatch, tmp_path):
    monkeypatch.setenv("BOOK_DATA", str(tmp_path))
    assert download.default_cache_dir() == tmp_path


def test_every_source_has_a_hash_for_every_file():
    for source in download.SOURCES.values():
        assert len(source["mirrors"]) >= 2
        assert set(source["sha256"]) == set(download.FILES.values())
        assert all(len(h) == 64 for h in source["sha256"].values())


def test_download_error_is_a_book_error():
    from book_utils.errors import BookError

    assert issubclass(download.DownloadError, BookError) and issubclass(download.DownloadError, RuntimeError)


def fake_mnist(seed: int = 0) -> dict[str, bytes]:
    """File name -> IDX bytes (uncompressed) of a tiny MNIST look-alike."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3).astype(np.uint8),
    }
    return {name: idx_bytes(a) for name, a in arrays.items()}


def offline_source(monkeypatch, contents: dict[str, bytes], idx_hashes: bool) -> dict[str, bytes]:
    """Point ``mnist`` at two unreachable mirrors; returns the original .gz bytes of each file."""
    originals = {name: gzip.compress(raw, mtime=0) for name, raw in contents.items()}
    source = {"mirrors": [unused_url(), unused_url()], "sha256": {n: sha(b) for n, b in originals.items()},
              "idx_sha256": {n: sha(raw) for n, raw in contents.items()} if idx_hashes else {}}
    monkeypatch.setitem(download.SOURCES, "mnist", source)
    return originals


def test_offline_names_every_missing_file_and_the_book_data_layout(tmp_path, monkeypatch):
    originals = offline_source(monkeypatch, fake_mnist(), idx_hashes=False)
    monkeypatch.setenv("BOOK_DATA", str(tmp_path))
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(originals["t10k-labels-idx1-ubyte.gz"])
    with pytest.raises(download.DownloadError) as err:
        data.load("mnist")
    message = str(err.value)
    missing = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
    assert all(name in message for name in missing) and "3 of the 4" in message
    assert "t10k-labels" not in message  # present and right: not asked for
    assert f"in {folder}" in message and f"BOOK_DATA={tmp_path} " in message and "DIR/mnist" in message
    assert message.count("not downloaded: the mirrors were unreachable") == 2  # one try, not three
    assert leftovers(folder) == ["t10k-labels-idx1-ubyte.gz"]


def test_offline_with_explicit_cache_dir_does_not_mention_book_data(tmp_path, monkeypatch):
    offline_source(monkeypatch, fake_mnist(), idx_hashes=False)
    with pytest.raises(download.DownloadError) as err:
        download.fetch_dataset_files("mnist", cache_dir=tmp_path)
    assert f"in {tmp_path}" in str(err.value) and "BOOK_DATA" not in str(err.value)


def test_present_file_failing_its_hash_is_reported_with_its_sha256(tmp_path, monkeypatch):
    originals = offline_source(monkeypatch, fake_mnist(), idx_hashes=True)
    for name, raw in originals.items():
        (tmp_path / name).write_bytes(raw)
    bad = b"an HTML error page saved as a .gz"
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(bad)
    with pytest.raises(download.DownloadError) as err:
        download.fetch_dataset_files("mnist", cache_dir=tmp_path)
    message = str(err.value)
    assert "1 of the 4" in message and "fails its hash check" in message and sha(bad) in message
    assert "missing" not in message and "replacing the files that fail their hash check" in message


def test_recompressed_file_is_accepted_by_its_content_hash(tmp_path, monkeypatch):
    contents = fake_mnist()
    originals = offline_source(monkeypatch, contents, idx_hashes=True)
    for name, raw in contents.items():  # the same IDX content, other gzip bytes
        recompressed = gzip.compress(raw, compresslevel=1, mtime=12345)
        assert recompressed != originals[name]
        (tmp_path / name).write_bytes(recompressed)
    ds = data.load("mnist", cache_dir=tmp_path)
    assert ds.x_train.shape == (6, 28, 28) and ds.y_test.shape == (3,)


def test_recompressed_file_without_a_known_content_hash_is_rejected(tmp_path, monkeypatch):
    contents = fake_mnist()
    offline_source(monkeypatch, contents, idx_hashes=False)
    for name, raw in contents.items():
        (tmp_path / name).write_bytes(gzip.compress(raw, compresslevel=1, mtime=12345))
    with pytest.raises(download.DownloadError, match="4 of the 4"):
        download.fetch_dataset_files("mnist", cache_dir=tmp_path)


def test_content_hashes_only_for_known_files():
    for source in download.SOURCES.values():
        assert set(source["idx_sha256"]) <= set(download.FILES.values())
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in source["idx_sha256"].values())
    assert set(download.SOURCES["mnist"]["idx_sha256"]) == {"t10k-images-idx3-ubyte.gz",
                                                           "t10k-labels-idx1-ubyte.gz"}
