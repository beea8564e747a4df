import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from book_utils import plotting  # noqa: E402


def test_grid_array_places_each_image():
    images = np.stack([np.full((2, 3), i, dtype=np.float32) for i in range(5)])
    grid = plotting.grid_array(images, ncols=3, pad=1, pad_value=-1)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1)
    assert grid[1, 1] == 0 and grid[1, 5] == 1 and grid[4, 1] == 3 and grid[4, 9] == -1


def test_grid_accepts_channel_axis_and_rejects_bad_shape():
    assert plotting.grid_array(np.zeros((4, 8, 8, 1))).shape == (19, 19)
    with pytest.raises(ValueError, match="N x H x W"):
        plotting.grid_array(np.zeros((2, 3, 4, 5)))


def test_gif_has_all_frames(tmp_path):
    frames = [np.eye(4) * i for i in range(1, 4)]
    path = plotting.save_gif(frames, tmp_path / "a.gif", scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (8, 8)
    with pytest.raises(ValueError, match="at least one frame"):
        plotting.save_gif([], tmp_path / "b.gif")


def test_figures_and_losses(tmp_path):
    import matplotlib.pyplot as plt

    plotting.use_book_style()
    ax = plotting.plot_losses({"generator": [3, 2, 1], "discriminator": [1, 1, 1]})
    assert len(ax.get_lines()) == 2
    path = plotting.save_figure(ax.figure, tmp_path / "loss.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    ax = plotting.image_grid(np.zeros((3, 8, 8)), title="zeros")
    assert ax.get_title() == "zeros"
    plt.close("all")
