"""book_utils.tools.hf_offline: the offline switches, and a network guard that really bites."""

import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from book_utils.tools.hf_offline import OFFLINE, NetworkAccessError, block_network, offline_env


def test_conftest_and_offline_env_switch_hugging_face_offline():
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["HF_DATASETS_OFFLINE"] == "1"  # conftest.py
    values = offline_env()
    assert values["USE_TF"] == "0" and values["USE_TORCH"] == "1" and values["HF_HUB_OFFLINE"] == "1"


def test_offline_env_leaves_a_readers_own_choice_alone(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    values = offline_env()
    assert values["HF_HUB_OFFLINE"] == "0" and values["HF_DATASETS_OFFLINE"] == "1"


def test_notebook_setup_sets_the_offline_switches_before_any_import():
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE}
    code = ("import os\nfrom book_utils.notebook import setup\nsetup('quick', style=False)\n"
            "print(os.environ['HF_HUB_OFFLINE'], os.environ['HF_DATASETS_OFFLINE'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["1", "1"]


def test_the_guard_catches_a_connection_to_a_local_address():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        with block_network() as attempts:
            with pytest.raises(NetworkAccessError, match="127.0.0.1"):
                socket.create_connection(("127.0.0.1", port), timeout=1)
            client = socket.socket()
            with pytest.raises(NetworkAccessError):
                client.connect(("127.0.0.1", port))
            with pytest.raises(NetworkAccessError):
                client.connect_ex(("127.0.0.1", port))
            client.close()
            with pytest.raises(NetworkAccessError):
                socket.getaddrinfo("localhost", port)
            with pytest.raises(Exception) as err:          # urllib wraps it, but the guard fired
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        assert len(attempts) == 5, attempts
        assert "NetworkAccessError" in repr(err.value) or isinstance(err.value, NetworkAccessError)
        # restored on exit: the same connection now succeeds
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        server.close()


def test_the_guard_is_restored_after_an_error_inside_it():
    original = socket.socket.connect
    with pytest.raises(ZeroDivisionError), block_network():
        raise ZeroDivisionError
    assert socket.socket.connect is original
