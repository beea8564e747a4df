"""Output sizes of convolutions and transposed convolutions, and a transposed convolution written
out in NumPy (Section 2.2; this module imports no framework).

Along one spatial axis of length n, a kernel of size k moved with stride s over an input padded
by p zeros on each side gives (Dumoulin and Visin, 2016)

    convolution:             out = floor((n + 2p - k) / s) + 1
    transposed convolution:  out = (n - 1) s - 2p + k + output_padding

Keras names paddings instead of giving numbers: ``"valid"`` is p = 0, and ``"same"`` makes a
convolution's output ceil(n / s) long and a transposed convolution's n * s long.
"""

from __future__ import annotations

import math

import numpy as np


def _check(n, k, s, p):
    if min(n, k, s) < 1 or p < 0:
        raise ValueError(f"need size, kernel, stride >= 1 and padding >= 0, got {n}, {k}, {s}, {p}")


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Length of a convolution's output along one axis: floor((n + 2p - k) / s) + 1."""
    _check(n, kernel, stride, padding)
    if n + 2 * padding < kernel:
        raise ValueError(f"kernel {kernel} is longer than the padded input {n + 2 * padding}")
    return (n + 2 * padding - kernel) // stride + 1


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> int:
    """Length of a transposed convolution's output along one axis: (n - 1) s - 2p + k + output_padding."""
    _check(n, kernel, stride, padding)
    if not 0 <= output_padding < stride:
        raise ValueError(f"output_padding must be in [0, stride), got {output_padding} with stride {stride}")
    return (n - 1) * stride - 2 * padding + kernel + output_padding


def keras_output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid",
                      transpose: bool = False) -> int:
    """What Keras' Conv2D (or Conv2DTranspose, ``transpose=True``) gives along one axis.

    "valid": the formulas above with p = 0 (for a transposed convolution with kernel >= stride);
    "same": ceil(n / s) for a convolution, n * s for a transposed one.
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    if padding == "same":
        _check(n, kernel, stride, 0)
        return n * stride if transpose else math.ceil(n / stride)
    if transpose:
        return n * stride + max(kernel - stride, 0)
    return conv_output_size(n, kernel, stride, 0)


def same_transpose_padding(kernel: int, stride: int) -> tuple[int, int]:
    """(padding, output_padding) for which the transposed-convolution formula gives n * s, Keras'
    "same": 2p - output_padding = k - s (needs kernel >= stride). For k = 5, s = 2: (2, 1)."""
    if kernel < stride:
        raise ValueError(f"need kernel >= stride, got {kernel} and {stride}")
    padding = math.ceil((kernel - stride) / 2)
    return padding, 2 * padding - (kernel - stride)


def conv_transpose2d(x: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """Transposed convolution of one channel, no padding, written as a scatter: every input pixel
    x[i, j] adds x[i, j] * kernel to the output block whose corner is (i s, j s).

    x [H, W], kernel [k, k] -> [(H - 1) s + k, (W - 1) s + k].
    """
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    if x.ndim != 2 or kernel.ndim != 2 or stride < 1:
        raise ValueError(f"need x [H, W], kernel [kh, kw] and stride >= 1, "
                         f"got {x.shape}, {kernel.shape}, {stride}")
    (h, w), (kh, kw) = x.shape, kernel.shape
    out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            out[i * stride:i * stride + kh, j * stride:j * stride + kw] += x[i, j] * kernel
    return out
