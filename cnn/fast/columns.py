"""im2col / col2im on channels-last buffers, rows optionally in pooling-window corner order.

A convolution runs as one matrix product. Its column matrix is copied from a strided window view
of a padded channels-last buffer (one copy), or, for a single input channel, from kh*kw slice
copies in kernel-major order; the gradient goes back to the image by kh*kw offset slice-adds.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


class Buffers:
    """Scratch arrays reused between calls of the same shape (a few shapes at most)."""

    def __init__(self):
        self._store: dict[tuple, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> tuple[np.ndarray, bool]:
        """The zero-filled array `name` of this shape and dtype, and whether it is new."""
        key = (name, shape, np.dtype(dtype))
        buf = self._store.get(key)
        if buf is not None:
            return buf, False
        if len(self._store) > 12:
            self._store.clear()
        buf = self._store[key] = np.zeros(shape, dtype)
        return buf, True


def positions(a: np.ndarray, i: int, j: int, stride: int, ho: int, wo: int,
              pooled: bool = False) -> np.ndarray:
    """View of a padded (N, Hp, Wp[, C]) array at the pixels kernel offset (i, j) reads for
    each output position, rows in (N, Ho, Wo) order.

    With `pooled`, rows are in (2, 2, N, Ho/2, Wo/2) order instead: the four corners of every
    2x2 pooling window come as four contiguous blocks, so a following max-pool reads and writes
    whole blocks. Writing through the view is safe: each position maps to its own element.
    """
    if not pooled:  # a plain slice: much cheaper to make than a strided view (live inference)
        return a[:, i:i + stride * ho:stride, j:j + stride * wo:stride]
    s0, s1, s2 = a.strides[:3]
    shape = (2, 2, a.shape[0], ho // 2, wo // 2) + a.shape[3:]
    strides = (s1 * stride, s2 * stride, s0, 2 * s1 * stride, 2 * s2 * stride) + a.strides[3:]
    return as_strided(a[:, i:, j:], shape, strides)


def windows_nhwc(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                 pooled: bool = False) -> np.ndarray:
    """Read-only view (rows..., kh, kw, C) of the kh x kw windows of a padded (N, Hp, Wp, C);
    rows as in `positions`."""
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    if pooled:
        rows = (2, 2, n, ho // 2, wo // 2)
        row_strides = (s1 * stride, s2 * stride, s0, 2 * s1 * stride, 2 * s2 * stride)
    else:
        rows, row_strides = (n, ho, wo), (s0, s1 * stride, s2 * stride)
    shape, strides = rows + (kh, kw, c), row_strides + (s1, s2, s3)
    if xp.flags.c_contiguous:  # the same view, made ~8x faster: it counts for one live letter
        win = np.ndarray(shape, xp.dtype, xp, 0, strides)
        win.flags.writeable = False
        return win
    return as_strided(xp, shape, strides, writeable=False)


def im2col_nhwc(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                cols: np.ndarray, pooled: bool = False) -> None:
    """Fill cols[:, :kh*kw*C] (rows as in `positions`; columns kh, kw, c) from padded NHWC."""
    win = windows_nhwc(xp, kh, kw, stride, ho, wo, pooled)
    np.copyto(cols[:, :kh * kw * xp.shape[3]].reshape(win.shape), win)


def im2col_kmajor(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                  cols: np.ndarray, pooled: bool = False, buffers: Buffers | None = None) -> None:
    """Fill cols[:kh*kw] (rows i, j; columns as in `positions`) from a padded (N, Hp, Wp).

    Pooled, offset (i, j) of corner (a, b) reads row s*a + i and column s*b + j of every 2s x 2s
    step: the (s+kh) x (s+kw) planes of those rows and columns, copied once (scratch from
    `buffers`), hold every one of the kh*kw*4 blocks as one strided view, so two copies fill
    cols. The kh*kw copies of 5-d strided views they replace ran at ~3 ns a number; for a
    16-letter share of the default preset 93-138 against 42 us.
    """
    if not pooled or buffers is None:
        for i in range(kh):
            for j in range(kw):
                at = positions(xp, i, j, stride, ho, wo, pooled)
                np.copyto(cols[i * kw + j].reshape(at.shape), at)
        return
    n, s = xp.shape[0], stride
    s0, s1, s2 = xp.strides
    shape = (s + kh, s + kw, n, ho // 2, wo // 2)
    planes, _ = buffers.get("planes", shape, xp.dtype)
    np.copyto(planes, as_strided(xp, shape, (s1, s2, s0, 2 * s * s1, 2 * s * s2)))
    p0, p1 = planes.strides[:2]
    blocks = as_strided(planes, (kh, kw, 2, 2) + shape[2:], (p0, p1, s * p0, s * p1)
                        + planes.strides[2:])
    np.copyto(cols[:kh * kw].reshape(blocks.shape), blocks)


def col2im(dcols: np.ndarray, dxp: np.ndarray, kh: int, kw: int, stride: int,
           ho: int, wo: int, pooled: bool = False) -> None:
    """Add kernel-offset-major column gradients (kh*kw, rows[, C]) onto a padded (N, Hp, Wp[, C])
    `dxp` (zeroed by the caller).

    Each of the kh*kw slice-adds reads one contiguous block, several times faster than reading
    strided columns of (M, kh*kw*C).
    """
    for i in range(kh):
        for j in range(kw):
            at = positions(dxp, i, j, stride, ho, wo, pooled)
            at += dcols[i * kw + j].reshape(at.shape)
