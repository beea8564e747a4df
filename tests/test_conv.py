"""Tests for book_utils.basics.conv: output-size formulas against PyTorch's and Keras' layers."""

import numpy as np
import pytest

from book_utils.basics import conv, tiny_torch

SETTINGS = [(8, 3, 1, 0), (8, 3, 1, 1), (8, 3, 2, 1), (7, 5, 2, 2), (28, 5, 2, 2), (9, 4, 3, 0), (5, 1, 1, 0)]


@pytest.mark.parametrize("n, k, s, p", SETTINGS)
def test_formulas_match_pytorch_layers(n, k, s, p):
    assert conv.conv_output_size(n, k, s, p) == tiny_torch.conv_output_size(n, k, s, p)
    for op in range(s):
        assert conv.conv_transpose_output_size(n, k, s, p, op) == \
            tiny_torch.conv_output_size(n, k, s, p, transpose=True, output_padding=op)


def test_formulas_match_keras_layers():
    from book_utils.basics import tiny_tf

    for n, k, s in [(7, 5, 1), (7, 5, 2), (14, 5, 2), (8, 3, 2), (9, 4, 3)]:
        for padding in ("valid", "same"):
            for transpose in (False, True):
                assert conv.keras_output_size(n, k, s, padding, transpose) == \
                    tiny_tf.conv_output_size(n, k, s, padding, transpose), (n, k, s, padding, transpose)


@pytest.mark.parametrize("k, s", [(5, 2), (5, 1), (4, 2), (3, 3)])
def test_same_transpose_padding_gives_n_times_s(k, s):
    p, op = conv.same_transpose_padding(k, s)
    for n in (1, 4, 7):
        assert conv.conv_transpose_output_size(n, k, s, p, op) == n * s == conv.keras_output_size(
            n, k, s, "same", transpose=True)
    assert conv.same_transpose_padding(5, 2) == (2, 1)


def test_numpy_transposed_convolution_matches_pytorch():
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(3, 4)), rng.normal(size=(3, 3))
    for stride in (1, 2, 3):
        ours = conv.conv_transpose2d(x, kernel, stride)
        theirs = F.conv_transpose2d(torch.from_numpy(x)[None, None], torch.from_numpy(kernel)[None, None],
                                    stride=stride)[0, 0].numpy()
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
        assert ours.shape == (conv.conv_transpose_output_size(3, 3, stride),
                              conv.conv_transpose_output_size(4, 3, stride))


def test_one_pixel_spreads_into_a_copy_of_the_kernel():
    x = np.zeros((3, 3))
    x[1, 1] = 1.0
    kernel = np.arange(9.0).reshape(3, 3)
    out = conv.conv_transpose2d(x, kernel, stride=2)
    assert out.shape == (7, 7)
    np.testing.assert_array_equal(out[2:5, 2:5], kernel)
    assert out.sum() == kernel.sum()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="longer"):
        conv.conv_output_size(3, 5)
    with pytest.raises(ValueError, match="output_padding"):
        conv.conv_transpose_output_size(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel >= stride"):
        conv.same_transpose_padding(2, 3)
    with pytest.raises(ValueError, match="padding"):
        conv.keras_output_size(4, 3, padding="full")
