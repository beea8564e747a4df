"""Figures with one look across the book: image grids, loss curves, GIFs.

matplotlib is imported lazily inside each function, so importing this module
is cheap. Images are N x H x W (or N x H x W x 1) arrays in any value range.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from book_utils.runs import atomic_write_bytes

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "font.size": 10,
    "figure.figsize": (6.0, 3.5),
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a notebook)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)


def _as_images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must be N x H x W (or N x H x W x 1), got shape {images.shape}")
    return images


def grid_array(images, ncols: int | None = None, pad: int = 1, pad_value: float | None = None
               ) -> np.ndarray:
    """Tile N images into one 2-D array (rows x cols), ``pad`` pixels apart."""
    images = _as_images(images)
    n, h, w = images.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    fill = images.min() if pad_value is None else pad_value
    grid = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), fill, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return grid


def image_grid(images, ncols: int | None = None, ax=None, title: str | None = None,
               cmap: str = "gray_r", vmin=None, vmax=None, size: float = 3.0):
    """Show images as one grid; returns the matplotlib Axes."""
    import matplotlib.pyplot as plt

    grid = grid_array(images, ncols)
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size * grid.shape[0] / grid.shape[1]))
    ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_losses(history: dict[str, list[float]], ax=None, xlabel: str = "epoch",
                ylabel: str = "loss", title: str | None = None, logy: bool = False):
    """One line per named curve in ``history``; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    for name, values in history.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(history) > 1:
        ax.legend()
    return ax


def to_uint8(frame, vmin=None, vmax=None, invert: bool = True) -> np.ndarray:
    """Scale a 2-D array to uint8 grey (dark ink on white when ``invert``)."""
    frame = np.asarray(frame, dtype=np.float32)
    lo = frame.min() if vmin is None else vmin
    hi = frame.max() if vmax is None else vmax
    scaled = np.clip((frame - lo) / max(hi - lo, 1e-8), 0, 1)
    if invert:
        scaled = 1.0 - scaled
    return (scaled * 255).round().astype(np.uint8)


def save_gif(frames, path: str | Path, duration_ms: int = 200, scale: int = 4,
             vmin=None, vmax=None) -> Path:
    """Write 2-D frames (e.g. from :func:`grid_array`) as a looping GIF, atomically."""
    from PIL import Image

    frames = [np.asarray(f, dtype=np.float32) for f in frames]
    if not frames:
        raise ValueError("save_gif needs at least one frame")
    # one grey scale for all frames, so brightness does not flicker from frame to frame
    vmin = min(f.min() for f in frames) if vmin is None else vmin
    vmax = max(f.max() for f in frames) if vmax is None else vmax
    frames = [to_uint8(f, vmin, vmax) for f in frames]
    pictures = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST)
                for f in frames]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=duration_ms, loop=0)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def show_gif(path: str | Path):
    """Display a GIF inside a notebook (the bytes are embedded in the output)."""
    from IPython.display import Image

    return Image(data=Path(path).read_bytes(), format="gif")
