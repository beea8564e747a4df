"""book_utils.apps.texture: random-filter Gram-matrix texture synthesis (Ustyuzhaninov et al. 2016)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from book_utils.apps import texture as T  # noqa: E402


def stripes(h=24, w=24):
    image = np.zeros((h, w, 3))
    image[:, ::4] = [1.0, 0.2, 0.0]
    image[:, 1::4] = [1.0, 0.2, 0.0]
    return image


def test_source_photo_ships_with_scikit_learn():
    src = T.load_source()
    assert src.shape == (64, 64, 3) and 0.0 <= src.min() and src.max() <= 1.0


def test_gram_is_symmetric_and_position_free():
    f = torch.rand(1, 4, 6, 6)
    g = T.gram(f)
    assert g.shape == (4, 4) and torch.allclose(g, g.T)
    assert torch.allclose(T.gram(torch.roll(f, 2, dims=3)), g)        # where a feature fires does not matter


def test_features_are_fixed_and_seeded():
    a, b = T.RandomFeatures(filters=8, seed=1), T.RandomFeatures(filters=8, seed=1)
    assert all(not p.requires_grad for p in a.parameters())
    x = T.to_tensor(stripes())
    assert all(torch.equal(u, v) for u, v in zip(a(x), b(x)))
    assert [f.shape for f in a(x)] == [(1, 8, 24, 24)] * 4


def test_synthesis_matches_the_gram_matrices_and_the_patch_statistics():
    src = stripes()
    net = T.RandomFeatures(kernel_sizes=(3, 5), filters=16, seed=0)
    out, history = T.synthesize(src, steps=150, lr=0.05, net=net, seed=0)
    assert out.shape == src.shape and history[-1] < 0.05 * history[0]
    noise = np.random.default_rng(0).random(src.shape)
    assert T.patch_distance(src, out, size=3) < 0.25 * T.patch_distance(src, noise, size=3)


def test_pixel_shuffle_keeps_the_pixels_and_patch_distance_of_an_image_to_itself_is_zero():
    src = T.load_source()
    shuffled = T.pixel_shuffle(src, seed=0)
    np.testing.assert_allclose(np.sort(shuffled.reshape(-1, 3), axis=0), np.sort(src.reshape(-1, 3), axis=0))
    assert T.patches(src, 5).shape == (60 * 60, 75)
    assert T.patch_distance(src, src) == pytest.approx(0.0, abs=1e-6)
    assert T.patch_distance(src, shuffled) > 0.5
