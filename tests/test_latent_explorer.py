"""The interactive latent explorer of Section 6.1 (book_utils.vae.explorer), driven without a browser."""

import io

import numpy as np
import pytest
from PIL import Image

from book_utils.vae.explorer import LatentExplorer, to_png


def linear_decoder(codes):
    """Codes N x 2 -> 4 x 4 images whose left half is sigmoid(z0), right half sigmoid(z1)."""
    codes = np.asarray(codes)
    images = np.zeros((len(codes), 4, 4))
    images[:, :, :2] = 1 / (1 + np.exp(-codes[:, :1, None]))
    images[:, :, 2:] = 1 / (1 + np.exp(-codes[:, 1:, None]))
    return images


def test_to_png_draws_ink_dark_and_scales_each_pixel():
    image = np.zeros((2, 3))
    image[0, 0] = 1.0
    decoded = np.asarray(Image.open(io.BytesIO(to_png(image, scale=4))))
    assert decoded.shape == (8, 12)
    assert decoded[:4, :4].max() == 0 and decoded[4:, :].min() == 255
    with pytest.raises(ValueError, match="one H x W image"):
        to_png(np.zeros((1, 2, 3)))


def test_moving_a_slider_moves_the_code_along_its_direction_and_redraws():
    start = np.array([0.0, 0.0])
    explorer = LatentExplorer(linear_decoder, start, {"left": [1.0, 0.0], "right": [0.0, 2.0]},
                              {"left": (-3, 3), "right": (-1, 1)})
    first = explorer.image.value
    explorer.sliders["left"].value = 2.0
    explorer.sliders["right"].value = -0.5
    np.testing.assert_allclose(explorer.code(), [2.0, -1.0])
    assert explorer.image.value != first
    expected = to_png(linear_decoder(np.array([[2.0, -1.0]]))[0], explorer.scale)
    assert explorer.image.value == expected
    explorer.sliders["left"].value = explorer.sliders["right"].value = 0.0
    assert explorer.image.value == first


def test_bad_directions_are_named():
    with pytest.raises(ValueError, match="name the same"):
        LatentExplorer(linear_decoder, [0.0, 0.0], {"a": [1.0, 0.0]}, {"b": (-1, 1)})
    with pytest.raises(ValueError, match="direction 'a' has shape"):
        LatentExplorer(linear_decoder, [0.0, 0.0], {"a": [1.0, 0.0, 0.0]}, {"a": (-1, 1)})
