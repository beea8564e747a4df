import random
import subprocess
import sys

import numpy as np
import pytest

from book_utils.repro import seed_everything


def draw():
    return random.random(), np.random.rand()


def test_same_seed_same_numbers():
    seed_everything(3)
    first = draw()
    seed_everything(3)
    assert draw() == first
    seed_everything(4)
    assert draw() != first


def test_torch_is_seeded_when_asked():
    import torch

    seed_everything(5, frameworks=("torch",))
    a = torch.rand(3)
    seed_everything(5)  # torch is imported now, so it is seeded without being named
    assert torch.equal(a, torch.rand(3))


def test_frameworks_are_not_imported_unless_asked():
    code = ("import sys; from book_utils.repro import seed_everything; "
            "print(seed_everything(1)); print('tensorflow' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False", "False"]


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(seed)


def test_unknown_framework():
    with pytest.raises(ValueError, match="jax"):
        seed_everything(0, frameworks=("jax",))
