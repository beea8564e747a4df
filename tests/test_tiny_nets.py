"""Tests for book_utils.basics.tiny_tf and .tiny_torch: the same small network in two frameworks."""

import subprocess
import sys

import numpy as np
import pytest

from book_utils.basics import tiny_tf, tiny_torch, toy

XOR_CENTRES = [[1, 1], [-1, -1], [1, -1], [-1, 1]]


def xor_data(n, seed):
    x, comp = toy.gaussian_mixture_2d(n, XOR_CENTRES, std=0.3, seed=seed)
    return x, (comp >= 2).astype(int)


X_TRAIN, Y_TRAIN = xor_data(200, 0)
X_TEST, Y_TEST = xor_data(400, 1)
SETTINGS = dict(hidden=(8, 8), epochs=25, batch_size=50, lr=0.03)


@pytest.mark.parametrize("lib", [tiny_tf, tiny_torch], ids=["tf", "torch"])
def test_mlp_solves_xor_and_is_reproducible(lib):
    model, history = lib.train_mlp(X_TRAIN, Y_TRAIN, seed=0, **SETTINGS)
    assert len(history["loss"]) == SETTINGS["epochs"]
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert lib.accuracy(model, X_TEST, Y_TEST) > 0.95
    p = lib.predict_proba(model, X_TEST[:5])
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))
    again, history_again = lib.train_mlp(X_TRAIN, Y_TRAIN, seed=0, **SETTINGS)
    np.testing.assert_allclose(history_again["loss"], history["loss"], rtol=1e-6)
    np.testing.assert_allclose(lib.predict_proba(again, X_TEST), lib.predict_proba(model, X_TEST), atol=1e-6)


def test_linear_network_cannot_solve_xor():
    # torch only: the TF network is the same function (tested above) and Keras' fit costs seconds
    model, _ = tiny_torch.train_mlp(X_TRAIN, Y_TRAIN, activation="linear", seed=0, **SETTINGS)
    assert tiny_torch.accuracy(model, X_TEST, Y_TEST) < 0.8  # the best straight line gets 3 of 4 clusters


def test_both_frameworks_build_the_same_network():
    tf_model, torch_model = tiny_tf.make_mlp(hidden=(16, 16)), tiny_torch.make_mlp(hidden=(16, 16))
    assert tiny_tf.count_parameters(tf_model) == tiny_torch.count_parameters(torch_model) == 337
    tf_shapes = [tuple(w.shape) for w in tf_model.weights]
    torch_shapes = [tuple(p.shape[::-1]) for p in torch_model.parameters()]  # torch stores W as out x in
    assert tf_shapes == torch_shapes


@pytest.mark.parametrize("lib", [tiny_tf, tiny_torch], ids=["tf", "torch"])
def test_bad_input_is_refused(lib):
    with pytest.raises(ValueError, match="labels"):
        lib.train_mlp(X_TRAIN, Y_TRAIN * 2, epochs=1)
    with pytest.raises(ValueError, match="shapes"):
        lib.train_mlp(X_TRAIN[:, 0], Y_TRAIN, epochs=1)
    with pytest.raises(ValueError, match="epochs and batch_size"):
        lib.train_mlp(X_TRAIN, Y_TRAIN, epochs=0)
    with pytest.raises(ValueError, match="activation"):
        lib.make_mlp(activation="sigmoidal")


def test_framework_modules_stay_apart():
    # samplers and text need no framework; tiny_torch must not pull in TensorFlow (tiny_tf's side is
    # the mirror image; checking it would cost a second TensorFlow import, ~8 s)
    code = ("import sys\nimport book_utils.basics.samplers, book_utils.arm.text\n"
            "print(sorted(m for m in ('tensorflow', 'torch', 'keras') if m in sys.modules))\n"
            "import book_utils.basics.tiny_torch\n"
            "print(sorted(m for m in ('tensorflow', 'torch', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "['torch']"]
