"""The two figures every run directory holds: ``losses.png`` and ``samples.png``.

Drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot, so writing them
changes no plotting backend and leaves a notebook's figures alone.
"""

from __future__ import annotations

from pathlib import Path

from book_utils.plotting import image_grid, plot_losses, save_figure


def save_loss_figure(path: Path, history: dict[str, list[float]], panels: dict[str, list[str]],
                     model: str) -> None:
    """One panel per entry of ``panels`` (title -> history keys), epochs on the x axis."""
    from matplotlib.figure import Figure

    panels = {title: [k for k in keys if k in history] for title, keys in panels.items()}
    panels = {title: keys for title, keys in panels.items() if keys} or {f"{model} losses": list(history)}
    fig = Figure(figsize=(4.5 * len(panels), 3.2), layout="constrained")
    for ax, (title, keys) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels.items()):
        plot_losses({k: history[k] for k in keys}, ax=ax, title=title)
    save_figure(fig, path)


def save_sample_figure(path: Path, result, model: str) -> None:
    """A grid of the first 64 image samples, or the first text samples as lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 4), layout="constrained")
    ax = fig.subplots()
    if result.text_samples is not None:
        ax.axis("off")
        lines = [s.replace("\n", " ")[:70] for s in result.text_samples[:12]]
        ax.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=7)
        fig.set_size_inches(7, 3)
    else:
        image_grid(result.samples[:64], ncols=8, ax=ax, title=f"{model} samples")
    save_figure(fig, path)
