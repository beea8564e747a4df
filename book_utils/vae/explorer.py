"""An interactive latent explorer (Section 6.1): one slider per direction in a VAE's code space.

Moving a slider moves a start code along its direction and redraws the decoded image at once. It
needs a running kernel; a committed notebook shows the same directions as a static figure.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from PIL import Image


def to_png(image, scale: int = 16) -> bytes:
    """``image`` H x W in [0, 1] (ink = 1) -> PNG bytes, dark ink on white, each pixel scale x scale."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"to_png draws one H x W image, got shape {image.shape}")
    pixels = (255 * (1 - np.clip(image, 0, 1))).astype(np.uint8)
    height, width = pixels.shape
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((width * scale, height * scale), Image.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


class LatentExplorer:
    """Sliders over named latent directions, and the decoded image of the code they point to.

    decode: codes N x L -> images N x H x W in [0, 1]; start: code [L]; directions: {name: [L]};
    ranges: {name: (low, high)}, how far along each direction a slider goes (in code units).
    ``widget`` is what a notebook displays; ``code()`` is the code the sliders point to now.
    """

    def __init__(self, decode, start, directions: dict, ranges: dict, scale: int = 16):
        self.decode, self.scale = decode, scale
        self.start = np.asarray(start, dtype=np.float64)
        if self.start.ndim != 1:
            raise ValueError(f"start must be one code of shape (L,), got shape {self.start.shape}")
        if set(directions) != set(ranges):
            raise ValueError(f"directions {sorted(directions)} and ranges {sorted(ranges)} must name "
                             "the same directions")
        self.directions = {name: np.asarray(d, dtype=np.float64) for name, d in directions.items()}
        for name, d in self.directions.items():
            if d.shape != self.start.shape:
                raise ValueError(f"direction {name!r} has shape {d.shape}, the start code {self.start.shape}")
        self.sliders = {name: widgets.FloatSlider(value=0.0, min=low, max=high, step=(high - low) / 40,
                                                  description=name, continuous_update=True)
                        for name, (low, high) in ranges.items()}
        self.image = widgets.Image(format="png")
        for slider in self.sliders.values():
            slider.observe(self.redraw, names="value")
        self.widget = widgets.HBox([widgets.VBox(list(self.sliders.values())), self.image])
        self.redraw()

    def code(self) -> np.ndarray:
        """The start code moved by every slider's value along its direction: [L]."""
        return self.start + sum(s.value * self.directions[name] for name, s in self.sliders.items())

    def redraw(self, change=None) -> None:
        """Decode the current code and show it (called whenever a slider moves)."""
        self.image.value = to_png(np.asarray(self.decode(self.code()[None]))[0], self.scale)
