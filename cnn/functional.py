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


def windows_nhwc(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int) -> np.ndarray:
    """Read-only view (N, Ho, Wo, kh, kw, C) of the kh x kw windows of a padded (N, Hp, Wp, C)."""
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    return as_strided(
        xp,
        shape=(n, ho, wo, kh, kw, c),
        strides=(s0, s1 * stride, s2 * stride, s1, s2, s3),
        writeable=False,
    )


def im2col_nhwc(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                cols: np.ndarray) -> None:
    """Fill cols[:, :kh*kw*C] (rows n, ho, wo; columns kh, kw, c) from padded NHWC `xp`."""
    n, _, _, c = xp.shape
    k = kh * kw * c
    np.copyto(cols[:, :k].reshape(n, ho, wo, kh, kw, c), windows_nhwc(xp, kh, kw, stride, ho, wo))


def col2im_nhwc(dcols: np.ndarray, dxp: np.ndarray, kh: int, kw: int, stride: int,
                ho: int, wo: int) -> None:
    """Add column gradients (kh*kw, N*Ho*Wo, C) back onto padded NHWC `dxp` (zeroed by caller).

    Kernel-offset-major column gradients make each of the kh*kw slice-adds read one contiguous
    (N, Ho, Wo, C) block, several times faster than reading strided columns of (M, kh*kw*C).
    """
    n, _, _, c = dxp.shape
    d = dcols.reshape(kh, kw, n, ho, wo, c)
    for i in range(kh):
        for j in range(kw):
            dxp[:, i:i + stride * ho:stride, j:j + stride * wo:stride, :] += d[i, j]


def im2col_kmajor(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int,
                  cols: np.ndarray) -> None:
    """Fill cols[:kh*kw] (rows i, j; columns n, ho, wo) from a padded single-channel (N, Hp, Wp)."""
    n = xp.shape[0]
    for i in range(kh):
        for j in range(kw):
            np.copyto(
                cols[i * kw + j].reshape(n, ho, wo),
                xp[:, i:i + stride * ho:stride, j:j + stride * wo:stride],
            )


def col2im_kmajor(dcols: np.ndarray, dxp: np.ndarray, kh: int, kw: int, stride: int,
                  ho: int, wo: int) -> None:
    """Add kernel-major column gradients (kh*kw, N*Ho*Wo) onto padded (N, Hp, Wp) `dxp`."""
    n = dxp.shape[0]
    for i in range(kh):
        for j in range(kw):
            dxp[:, i:i + stride * ho:stride, j:j + stride * wo:stride] += (
                dcols[i * kw + j].reshape(n, ho, wo)
            )


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits; subtracts the row max so large logits do not overflow."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
