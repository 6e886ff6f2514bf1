"""Pure array functions the layers are built from: window views, im2col / col2im, softmax.

Convolution runs as one matrix product. Its column matrix is copied from a strided window view of
a padded channels-last buffer (one copy), or, for a single input channel, from kh*kw slice copies
in kernel-major order; the gradient goes back to the image by kh*kw offset slice-adds.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length of a sliding window along one axis (PyTorch's floor rule)."""
    return (size + 2 * padding - kernel) // stride + 1


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


def col2im_nhwc(dcols: np.ndarray, dxp: np.ndarray, kh: int, kw: int, stride: int,
                ho: int, wo: int, pooled: bool = False) -> None:
    """Add column gradients (kh*kw, rows, C) back onto padded NHWC `dxp` (zeroed by caller).

    Kernel-offset-major column gradients make each of the kh*kw slice-adds read one contiguous
    block, several times faster than reading strided columns of (M, kh*kw*C).
    """
    for i in range(kh):
        for j in range(kw):
            at = positions(dxp, i, j, stride, ho, wo, pooled)
            at += dcols[i * kw + j].reshape(at.shape)


def im2col_kmajor(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                  cols: np.ndarray, pooled: bool = False) -> None:
    """Fill cols[:kh*kw] (rows i, j; columns as in `positions`) from a padded (N, Hp, Wp)."""
    for i in range(kh):
        for j in range(kw):
            at = positions(xp, i, j, stride, ho, wo, pooled)
            np.copyto(cols[i * kw + j].reshape(at.shape), at)


def col2im_kmajor(dcols: np.ndarray, dxp: np.ndarray, kh: int, kw: int, stride: int,
                  ho: int, wo: int, pooled: bool = False) -> None:
    """Add kernel-major column gradients (kh*kw, rows) onto padded (N, Hp, Wp) `dxp`."""
    for i in range(kh):
        for j in range(kw):
            at = positions(dxp, i, j, stride, ho, wo, pooled)
            at += dcols[i * kw + j].reshape(at.shape)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits; subtracts the row max so large logits do not overflow."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


# Winograd F(2x2, 3x3): each 2x2 block of a 3x3 convolution's output from a 4x4 input tile with
# 16 multiplications per channel pair instead of 36 (Lavin and Gray, 2015).
_WINO_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def winograd_kernels(weight: np.ndarray) -> np.ndarray:
    """(16, C, O) transformed kernels G w G^T of a (O, C, 3, 3) weight, in its dtype."""
    o, c = weight.shape[:2]
    g = _WINO_G.astype(weight.dtype)
    u = np.tensordot(np.tensordot(g, weight, axes=([1], [2])), g, axes=([3], [1]))  # 4,O,C,4
    return np.ascontiguousarray(u.transpose(0, 3, 2, 1)).reshape(16, c, o)


def winograd_conv3x3(xp: np.ndarray, u: np.ndarray, ho: int, wo: int) -> np.ndarray:
    """(N, Ho, Wo, O) stride-1 3x3 convolution (no bias) of a padded (N, Ho+2, Wo+2, C) input
    with kernels from `winograd_kernels`; Ho and Wo even."""
    n, _, _, c = xp.shape
    th, tw, o = ho // 2, wo // 2, u.shape[2]
    s0, s1, s2, s3 = xp.strides
    # d[i, j]: pixel (i, j) of every 4x4 tile; tiles overlap by 2.
    d = as_strided(xp, (4, 4, n, th, tw, c), (s1, s2, s0, 2 * s1, 2 * s2, s3), writeable=False)
    # B^T d B, one row then one column combination at a time: B^T rows are
    # (1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1).
    r = np.empty((4, 4, n * th * tw, c), xp.dtype)
    rv = r.reshape(4, 4, n, th, tw, c)
    np.subtract(d[0], d[2], out=rv[0])
    np.add(d[1], d[2], out=rv[1])
    np.subtract(d[2], d[1], out=rv[2])
    np.subtract(d[1], d[3], out=rv[3])
    v = np.empty_like(r)
    np.subtract(r[:, 0], r[:, 2], out=v[:, 0])
    np.add(r[:, 1], r[:, 2], out=v[:, 1])
    np.subtract(r[:, 2], r[:, 1], out=v[:, 2])
    np.subtract(r[:, 1], r[:, 3], out=v[:, 3])
    m = np.matmul(v.reshape(16, -1, c), u).reshape(4, 4, n, th, tw, o)
    # A^T m A with A^T rows (1, 1, 1, 0) and (0, 1, -1, -1).
    y = np.empty((n, th, 2, tw, 2, o), xp.dtype)
    for i, a in enumerate((m[0] + m[1] + m[2], m[1] - m[2] - m[3])):
        np.add(a[0] + a[1], a[2], out=y[:, :, i, :, 0])
        np.subtract(a[1] - a[2], a[3], out=y[:, :, i, :, 1])
    return y.reshape(n, ho, wo, o)
