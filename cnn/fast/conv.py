"""The fast form of a `Conv2d`: channels-last buffers, the bias folded into the product,
Winograd for one letter, and a backward that adds column gradients back a few images at a time.

It reads the layer's parameter arrays at every call and writes the layer's `grads`, so it
computes what `cnn.layers.Conv2d` does, up to the order of the sums.
"""

import numpy as np

from cnn.fast import columns, winograd
from cnn.layers import Conv2d


class FastConv:
    """Runs `layer` (a Conv2d). Outputs are NCHW views of channels-last memory, so the next
    layer's channels-last copy is a plain contiguous read."""

    DX_BLOCK_BYTES = 1 << 20  # column gradients made at once in a narrow layer's backward
    NARROW_PAIRS = 512  # in x out channels up to which a layer counts as narrow
    # One letter at a time (live drawing), a wide 3x3 layer's product dominates the whole
    # network: Winograd's transform does it with 16/36 of the multiplications. Batches take one
    # large product instead, and keep the columns that backward needs.
    WINOGRAD_MIN_PAIRS = 4096  # in x out channels from which it pays (bench: large, not default)

    def __init__(self, layer: Conv2d):
        self.layer = layer
        self._buffers = columns.Buffers()
        self._cols = self._wmat = None  # the product's operands, for backward
        self._xp = None  # the padded input of a Winograd forward, for columns made late
        self._in_shape, self._out_hw, self._pooled = None, None, False
        self._wino = None  # (weight copy, transformed kernels)

    def forward(self, x: np.ndarray, pooled: bool = False) -> np.ndarray:
        """y (N, O, Ho, Wo) as a view of channels-last memory.

        With `pooled` (Ho and Wo even), return instead the (4, N*Ho/2*Wo/2, O) matrix whose
        four blocks are the four corners of every 2x2 pooling window (`CornerPool` takes it);
        `backward` then takes the gradient in that same form.
        """
        conv = self.layer
        n, c, h, w = x.shape
        _, ho, wo = conv.output_shape((c, h, w))
        if pooled and (ho % 2 or wo % 2):
            raise ValueError(f"pooled rows need an even output size, got {ho}x{wo}")
        p, o = conv.padding, conv.out_channels
        dtype = np.result_type(x.dtype, conv.params["weight"].dtype)
        self._in_shape, self._out_hw, self._pooled = x.shape, (ho, wo), pooled
        self._cols = self._wmat = self._xp = None
        if c == 1:
            xp, _ = self._buffers.get("xp1", (n, h + 2 * p, w + 2 * p), dtype)
            xp[:, p:p + h, p:p + w] = x[:, 0]
            self._cols, self._wmat = self._kmajor_columns(xp, dtype)
            # (M, O): channels-last output, the order every later layer works in fastest.
            y = self._cols.T @ self._wmat.T
        else:
            xp, _ = self._buffers.get("xp", (n, h + 2 * p, w + 2 * p, c), dtype)
            xp[:, p:p + h, p:p + w, :] = x.transpose(0, 2, 3, 1)
            if self._winograd_fits(n, ho, wo, pooled):
                self._xp = xp  # columns are made from it if backward is called
                y = winograd.conv3x3(xp, self._winograd_kernels(dtype), ho, wo)
                y += conv.params["bias"]
                return y.transpose(0, 3, 1, 2)
            self._cols, self._wmat = self._columns(xp, dtype)
            if pooled:  # only the pooling reads it, before the next forward: a reused buffer
                y, _ = self._buffers.get("y", (self._cols.shape[0], o), dtype)
                np.matmul(self._cols, self._wmat, out=y)
            else:
                y = self._cols @ self._wmat
        if pooled:
            return y.reshape(4, -1, o)
        return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    def _winograd_fits(self, n, ho, wo, pooled) -> bool:
        conv = self.layer
        return (n == 1 and not pooled and conv.kernel_size == 3 and conv.stride == 1
                and ho % 2 == 0 and wo % 2 == 0
                and conv.in_channels * conv.out_channels >= self.WINOGRAD_MIN_PAIRS)

    def _winograd_kernels(self, dtype) -> np.ndarray:
        """The transformed kernels, made again only when the weights changed (they are updated
        in place, so a copy is kept to compare against)."""
        weight = self.layer.params["weight"]
        cached = self._wino
        if cached is None or cached[1].dtype != dtype or not np.array_equal(cached[0], weight):
            cached = self._wino = (weight.copy(), winograd.kernels(weight.astype(dtype)))
        return cached[1]

    def _kmajor_columns(self, xp, dtype):
        """Kernel-major columns (K+1, M) of a one-channel padded (N, Hp, Wp), with the bias row,
        and the matching (O, K+1) weights: kh*kw slice copies beat a 1-wide window copy."""
        conv, (ho, wo) = self.layer, self._out_hw
        k, kk, o = conv.kernel_size, conv.kernel_size ** 2, conv.out_channels
        cols, new = self._buffers.get("cols1", (kk + 1, xp.shape[0] * ho * wo), dtype)
        if new:
            cols[kk] = 1.0  # the bias row
        columns.im2col_kmajor(xp, k, k, conv.stride, ho, wo, cols, self._pooled)
        wmat = np.empty((o, kk + 1), dtype)
        wmat[:, :kk] = conv.params["weight"].reshape(o, kk)
        wmat[:, kk] = conv.params["bias"]
        return cols, wmat

    def _columns(self, xp, dtype):
        """im2col (M, K+1) of the padded channels-last input, with the bias column, and the
        matching (K+1, O) weight matrix."""
        conv, (ho, wo) = self.layer, self._out_hw
        k, o = conv.kernel_size, conv.out_channels
        kk = k * k * conv.in_channels
        cols, new = self._buffers.get("cols", (xp.shape[0] * ho * wo, kk + 1), dtype)
        if new:
            cols[:, kk] = 1.0  # the bias column
        columns.im2col_nhwc(xp, k, k, conv.stride, ho, wo, cols, self._pooled)
        wmat = np.empty((kk + 1, o), dtype)
        wmat[:kk] = conv.params["weight"].transpose(2, 3, 1, 0).reshape(kk, o)
        wmat[kk] = conv.params["bias"]
        return cols, wmat

    def backward(self, dy: np.ndarray, need_dx: bool = True,
                 need_grads: bool = True) -> np.ndarray | None:
        """Gradients into the layer's `grads` (unless not needed); dx (N, C, H, W) unless not
        needed."""
        conv = self.layer
        n, c, h, w = self._in_shape
        (ho, wo), o = self._out_hw, conv.out_channels
        k, s, p, kk = conv.kernel_size, conv.stride, conv.padding, conv.kernel_size ** 2 * c
        if self._cols is None:  # after a Winograd forward
            self._cols, self._wmat = self._columns(self._xp, self._xp.dtype)
        cols, wmat = self._cols, self._wmat
        # (M, O) rows in the order the forward pass used.
        m = n * ho * wo
        dym = dy.reshape(m, o) if self._pooled else dy.transpose(0, 2, 3, 1).reshape(m, o)
        if c == 1:
            if need_grads:
                dw = (cols @ dym).T
                conv.grads["weight"] = np.ascontiguousarray(dw[:, :kk]).reshape(o, 1, k, k)
                conv.grads["bias"] = dw[:, kk].copy()
            if not need_dx:
                return None
            dxp = np.zeros((n, h + 2 * p, w + 2 * p), np.result_type(dym, wmat))
            columns.col2im(wmat[:, :kk].T @ dym.T, dxp, k, k, s, ho, wo, self._pooled)
            return dxp[:, None, p:p + h, p:p + w]
        if need_grads:
            dw = cols.T @ dym
            conv.grads["weight"] = np.ascontiguousarray(
                dw[:kk].reshape(k, k, c, o).transpose(3, 2, 0, 1))
            conv.grads["bias"] = dw[kk].copy()
        if not need_dx:
            return None
        if self._pooled:
            # Back to (N, Ho, Wo) rows: col2im then adds whole image rows, not 2x2 corners.
            dym = dy.reshape(2, 2, n, ho // 2, wo // 2, o).transpose(2, 3, 0, 4, 1, 5)
            dym = dym.reshape(m, o)
        return self._input_gradient(dym, wmat[:kk].reshape(k * k, c, o).transpose(0, 2, 1))

    def _input_gradient(self, dym, wstack):
        """dx (N, C, H, W) from output gradients dym (M, O) and per-offset weights (k*k, O, C).

        (k*k, rows, C) column gradients, one product per kernel offset (see `columns.col2im`).
        A narrow layer's products are bound by memory: there, a few images at a time, added back
        while still in cache (small preset +7 %; wider layers lose 2-5 % by it).
        """
        conv = self.layer
        n, c, h, w = self._in_shape
        (ho, wo), k, p = self._out_hw, conv.kernel_size, conv.padding
        dtype = np.result_type(dym, wstack)
        dxp = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype)
        per_image, group = ho * wo, n
        if c * conv.out_channels <= self.NARROW_PAIRS:
            group = max(1, self.DX_BLOCK_BYTES // (per_image * k * k * c * dym.itemsize))
        # The column gradients are used up by col2im at once: one buffer, reused every step
        # (a fresh one is megabytes of new pages each time).
        dcols, _ = self._buffers.get("dcols", (k * k, min(group, n) * per_image, c), dtype)
        for i in range(0, n, group):
            part = dym[i * per_image:(i + group) * per_image]
            out = dcols[:, :part.shape[0]]
            np.matmul(part, wstack, out=out)
            columns.col2im(out, dxp[i:i + group], k, k, conv.stride, ho, wo)
        return dxp[:, p:p + h, p:p + w, :].transpose(0, 3, 1, 2)
