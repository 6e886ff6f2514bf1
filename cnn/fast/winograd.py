"""Winograd F(2x2, 3x3): each 2x2 block of a 3x3 convolution's output from a 4x4 input tile with
16 multiplications per channel pair instead of 36 (Lavin and Gray, 2015)."""

import numpy as np
from numpy.lib.stride_tricks import as_strided

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def kernels(weight: np.ndarray) -> np.ndarray:
    """(16, C, O) transformed kernels G w G^T of a (O, C, 3, 3) weight, in its dtype."""
    o, c = weight.shape[:2]
    g = _G.astype(weight.dtype)
    u = np.tensordot(np.tensordot(g, weight, axes=([1], [2])), g, axes=([3], [1]))  # 4,O,C,4
    return np.ascontiguousarray(u.transpose(0, 3, 2, 1)).reshape(16, c, o)


def conv3x3(xp: np.ndarray, u: np.ndarray, ho: int, wo: int) -> np.ndarray:
    """(N, Ho, Wo, O) stride-1 3x3 convolution (no bias) of a padded (N, Ho+2, Wo+2, C) input
    with kernels from `kernels`; Ho and Wo even."""
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
