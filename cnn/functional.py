"""Pure array functions the reference layers are built from: window sizes, im2col / col2im,
softmax. The fast engine's own versions (channels-last, corner-ordered) are in `cnn/fast/`."""

import numpy as np


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length of a sliding window along one axis (PyTorch's floor rule)."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, k: int, stride: int, padding: int) -> np.ndarray:
    """The numbers a k x k kernel covers at each of its stops over x (N, C, H, W), one stop a row.

    Returns (N*Ho*Wo, C*k*k): rows in (N, Ho, Wo) order, columns in (C, k, k) order, the order
    of a kernel's weights in `Conv2d.weight`, so one matrix product applies every kernel at once.
    """
    n, c, h, w = x.shape
    ho, wo = out_size(h, k, stride, padding), out_size(w, k, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((n, c, k, k, ho, wo), x.dtype)
    for i in range(k):
        for j in range(k):
            # What the kernel's weight at (i, j) meets at every stop: a strided slice.
            cols[:, :, i, j] = xp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, c * k * k)


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], k: int, stride: int,
           padding: int) -> np.ndarray:
    """The reverse of `im2col` for gradients: add every row's numbers back onto the pixels they
    came from (a pixel covered by several stops collects all their shares). Returns x_shape."""
    n, c, h, w = x_shape
    ho, wo = out_size(h, k, stride, padding), out_size(w, k, stride, padding)
    cols = cols.reshape(n, ho, wo, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    dxp = np.zeros((n, c, h + 2 * padding, w + 2 * padding), cols.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride] += cols[:, :, i, j]
    return dxp[:, :, padding:padding + h, padding:padding + w]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits; subtracts the row max so large logits do not overflow."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
