"""2x2, stride-2 max-pooling as the four corners of every window compared pairwise.

The corners come either as four strided views of an NCHW array, or as four contiguous blocks
(4, P, C) from a convolution that ordered its rows by window corner (`FastConv(pooled=True)`).
With `relu`, it returns relu(pool(x)), which equals pool(relu(x)): a ReLU -> MaxPool2d pair
clamps a quarter of the values and skips the full-size ReLU pass, and its backward sends the
same gradients as the two layers would. Ties go to the first corner, as in `MaxPool2d`.
"""

import numpy as np

from cnn.fast.columns import Buffers


def _same_order(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`a`, or a copy of it laid out in memory in the same axis order as `like` (same shape)."""
    if np.argsort(a.strides, kind="stable").tolist() == np.argsort(like.strides,
                                                                    kind="stable").tolist():
        return a
    out = np.empty_like(like, dtype=a.dtype)
    np.copyto(out, a)
    return out


class CornerPool:
    """x (N, C, H, W) -> (N, C, H//2, W//2), or corner blocks (4, P, C) -> (P, C)."""

    def __init__(self, relu: bool = False):
        self.relu = relu
        self._wins = None  # (b beat a, d beat c, bottom pair beat top pair), shaped like y
        self._y = None  # the output, when the ReLU is fused: its gradient passes where y > 0
        self._x_shape = None
        self._buffers = Buffers()  # backward_quads' output, reused: the convolution uses it up

    def _max4(self, a, b, c, d):
        # Pairwise, strict comparisons: on a tie the earlier element of each pair wins.
        top, bottom = np.maximum(a, b), np.maximum(c, d)
        self._wins = (b > a, d > c, bottom > top)
        y = np.maximum(top, bottom)
        if self.relu:
            np.maximum(y, 0, out=y)
        self._y = y if self.relu else None
        return y

    # Four per-corner masks instead (the ReLU folded in, backward one product per corner): alone,
    # forward +45 us and backward -65 us at conv1's size (16 letters); in a share conv1 forward
    # -90 us, backward +110 us. Element-wise passes cost about the same on bools as on floats.
    def _split4(self, dy, out):
        """Write the gradients of the four window corners (top-left, top-right, bottom-left,
        bottom-right) into out[0..3], each shaped like dy: six passes, no temporaries."""
        b_wins, d_wins, bottom_wins = self._wins
        if self._y is not None:
            dy = dy * (self._y > 0)
        np.multiply(dy, bottom_wins, out=out[2])  # bottom pair's share
        np.subtract(dy, out[2], out=out[0])  # top pair's share
        np.multiply(out[0], b_wins, out=out[1])
        np.subtract(out[0], out[1], out=out[0])
        np.multiply(out[2], d_wins, out=out[3])
        np.subtract(out[2], out[3], out=out[2])
        return out

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x_shape = x.shape
        ho, wo = x.shape[2] // 2, x.shape[3] // 2
        a, b = x[:, :, 0:2 * ho:2, 0:2 * wo:2], x[:, :, 0:2 * ho:2, 1:2 * wo:2]
        c, d = x[:, :, 1:2 * ho:2, 0:2 * wo:2], x[:, :, 1:2 * ho:2, 1:2 * wo:2]
        return self._max4(a, b, c, d)

    def backward(self, dy: np.ndarray, need_dx: bool = True,
                 need_grads: bool = True) -> np.ndarray:  # no parameters: need_grads is moot
        n, c, h, w = self._x_shape
        ho, wo = dy.shape[2], dy.shape[3]
        # Element-wise work on operands of different memory orders is several times slower
        # than on matching ones: bring dy into the masks' order first (a quarter-size copy).
        dy = _same_order(dy, self._wins[0])
        covered = h == 2 * ho and w == 2 * wo
        dx = (np.empty if covered else np.zeros)((n, c, h, w), dy.dtype)
        corners = ((0, 0), (0, 1), (1, 0), (1, 1))
        parts = self._split4(dy, [np.empty_like(dy) for _ in corners])
        for (i, j), g in zip(corners, parts, strict=True):
            dx[:, :, i:2 * ho:2, j:2 * wo:2] = g
        return dx

    def forward_quads(self, q: np.ndarray) -> np.ndarray:
        """Pool the corner blocks q (4, P, C) into (P, C)."""
        self._x_shape = q.shape
        return self._max4(q[0], q[1], q[2], q[3])

    def backward_quads(self, dy: np.ndarray) -> np.ndarray:
        """dy (P, C) -> gradient of the corner blocks (4, P, C), after `forward_quads`; valid
        until the next call (the convolution's backward reads it at once)."""
        return self._split4(dy, self._buffers.get("grad", self._x_shape, dy.dtype)[0])
