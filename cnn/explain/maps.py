"""ReLU, max pooling and flatten, one number at a time: what a map looked like before and after
ReLU, which value wins a pooling window, where each unit of a flat vector came from."""

from dataclasses import dataclass

import numpy as np

from cnn.layers import MaxPool2d


@dataclass(frozen=True)
class ReluView:
    """A map before and after ReLU: negatives become 0, everything else stays."""

    before: np.ndarray  # any shape
    after: np.ndarray  # max(before, 0)
    zeroed: np.ndarray  # True where a negative number was replaced by 0

    @property
    def zeroed_count(self) -> int:
        return int(self.zeroed.sum())

    @property
    def size(self) -> int:
        return int(self.before.size)


def relu_view(before: np.ndarray) -> ReluView:
    """ReLU worked out on `before`: after = max(before, 0)."""
    before = np.asarray(before)
    return ReluView(before, np.maximum(before, 0), before < 0)


@dataclass(frozen=True)
class PoolStop:
    """The pooling window that makes output pixel (row, col) of map `channel`."""

    channel: int
    row: int
    col: int
    top: int  # the window's first input row
    left: int  # the window's first input column
    window: np.ndarray  # (k, k) the input values under the window
    winner: tuple[int, int]  # (row, col) of the largest value inside the window

    @property
    def value(self) -> float:
        """What the window passes on: its largest value."""
        return float(self.window[self.winner])


def pool_stop(layer: MaxPool2d, x: np.ndarray, channel: int, row: int, col: int) -> PoolStop:
    """The window of `layer` over map `channel` of x (C, H, W) at output pixel (row, col).
    On a tie the first of the largest values (reading row by row) wins, as in the layer."""
    k, s = layer.kernel_size, layer.stride
    _, ho, wo = layer.output_shape(x.shape)
    if not (0 <= channel < x.shape[0] and 0 <= row < ho and 0 <= col < wo):
        raise ValueError(f"no output pixel ({channel}, {row}, {col}) in {x.shape[0]} maps "
                         f"of {ho}×{wo}")
    top, left = row * s, col * s
    window = np.asarray(x[channel, top:top + k, left:left + k])
    winner = np.unravel_index(int(np.argmax(window)), window.shape)
    return PoolStop(channel, row, col, top, left, window, (int(winner[0]), int(winner[1])))


def flat_index(shape: tuple[int, int, int], channel: int, row: int, col: int) -> int:
    """Where map `channel`, pixel (row, col) lands in the flat vector: maps one after another,
    each read row by row: channel·H·W + row·W + col."""
    _, h, w = shape
    return channel * h * w + row * w + col


def map_position(shape: tuple[int, int, int], index: int) -> tuple[int, int, int]:
    """The way back: (channel, row, col) of unit `index` of the flat vector."""
    _, h, w = shape
    channel, rest = divmod(int(index), h * w)
    row, col = divmod(rest, w)
    return channel, row, col


def flatten_formula(shape: tuple[int, ...]) -> str:
    """The vector's length as the product of the shape: '64 × 7 × 7 = 3,136'."""
    return " × ".join(map(str, shape)) + f" = {int(np.prod(shape)):,}"
