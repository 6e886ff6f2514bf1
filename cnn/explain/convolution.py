"""One stop of a convolution, worked out by hand: the patch under the window, the kernel's
weights, their products, the sum, plus the bias. And the sizes a stride and a padding give."""

from dataclasses import dataclass

import numpy as np

from cnn.layers import Conv2d


def output_size(n: int, k: int, stride: int, padding: int) -> int:
    """How many stops a window of k makes along n pixels: (n + 2p − k) / s + 1, rounded down
    (0 when the window does not fit)."""
    room = n + 2 * padding - k
    return room // stride + 1 if room >= 0 else 0


def size_formula(n: int, k: int, stride: int, padding: int) -> str:
    """The output size formula with the numbers filled in, e.g. '(28 + 2·1 − 3) / 2 + 1 = 14'
    (⌊ ⌋ marks rounding down when the window does not land on the last pixel)."""
    room = n + 2 * padding - k
    head = f"({n} + 2·{padding} − {k}) / {stride} + 1"
    if room < 0:
        return f"{head}: the {k}×{k} window does not fit"
    if room % stride == 0:
        return f"{head} = {room} / {stride} + 1 = {room // stride + 1}"
    return (f"⌊({n} + 2·{padding} − {k}) / {stride}⌋ + 1 = ⌊{room / stride:.4g}⌋ + 1 = "
            f"{room // stride + 1}")


def window_starts(n: int, k: int, stride: int, padding: int) -> list[int]:
    """Where each stop's window begins along one axis, in input pixels (negative: in the
    padding): 0·s − p, 1·s − p, 2·s − p, …"""
    return [i * stride - padding for i in range(output_size(n, k, stride, padding))]


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """x (..., H, W) with a border of `padding` zeros around the last two axes."""
    border = [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2
    return np.pad(x, border)


@dataclass(frozen=True)
class ConvStop:
    """Filter `filter` at output pixel (row, col): every number of that one sum.

    The window covers input rows top … top + k − 1 and columns left … left + k − 1 (negative
    or past the edge: padding, read as 0).
    """

    filter: int
    row: int
    col: int
    top: int
    left: int
    patch: np.ndarray  # (C, k, k) input under the window, 0 on the padding
    in_padding: np.ndarray  # (k, k) True where the window lies on the padding
    kernel: np.ndarray  # (C, k, k) the filter's weights
    products: np.ndarray  # (C, k, k) patch × kernel
    bias: float

    @property
    def channel_sums(self) -> np.ndarray:
        """(C,) the sum of each input channel's k×k products."""
        return self.products.sum(axis=(1, 2))

    @property
    def running_sums(self) -> np.ndarray:
        """(C,) the sum over channels 0..c, channel by channel."""
        return np.cumsum(self.channel_sums)

    @property
    def weighted_sum(self) -> float:
        """Every product added up, all channels."""
        return float(self.products.sum())

    @property
    def total(self) -> float:
        """The output value: the sum of the products plus the bias."""
        return self.weighted_sum + self.bias


def conv_stop(layer: Conv2d, x: np.ndarray, filter: int, row: int, col: int) -> ConvStop:
    """The stop of `layer`'s filter `filter` that makes output pixel (row, col), for the input
    x (C, H, W) the layer read. Worked in float64 on the layer's own weight and bias."""
    k, s, p = layer.kernel_size, layer.stride, layer.padding
    c, h, w = x.shape
    _, ho, wo = layer.output_shape((c, h, w))
    if not (0 <= filter < layer.out_channels and 0 <= row < ho and 0 <= col < wo):
        raise ValueError(f"no output pixel ({filter}, {row}, {col}) in a {ho}×{wo} map "
                         f"of {layer.out_channels} filters")
    # The window's top-left corner, first in the padded input, then in the input's own pixels.
    r0, c0 = row * s, col * s
    patch = pad(np.asarray(x, np.float64), p)[:, r0:r0 + k, c0:c0 + k]
    rows = np.arange(r0, r0 + k)[:, None] - p
    cols = np.arange(c0, c0 + k)[None, :] - p
    in_padding = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
    kernel = layer.params["weight"][filter].astype(np.float64)
    return ConvStop(filter, row, col, r0 - p, c0 - p, patch, in_padding, kernel,
                    patch * kernel, float(layer.params["bias"][filter]))


def convolve(x: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0,
             bias: float = 0.0) -> np.ndarray:
    """x (H, W) convolved with one kernel (k, k): the window moves `stride` pixels at a time
    over x with `padding` zeros around it. Returns the output map (Ho, Wo), in float64."""
    k = kernel.shape[0]
    xp = pad(np.asarray(x, np.float64), padding)
    ho = output_size(x.shape[0], k, stride, padding)
    wo = output_size(x.shape[1], k, stride, padding)
    out = np.zeros((ho, wo))
    for row in range(ho):
        for col in range(wo):
            patch = xp[row * stride:row * stride + k, col * stride:col * stride + k]
            out[row, col] = (patch * kernel).sum() + bias
    return out


def toy_image(n: int = 7) -> np.ndarray:
    """A small n×n picture to play with: a plus sign of ones on zeros, (n, n) float32."""
    toy = np.zeros((n, n), np.float32)
    toy[n // 2, 1:n - 1] = 1.0
    toy[1:n - 1, n // 2] = 1.0
    return toy
