"""The fast form of a `Conv2d`: channels-last buffers, the bias folded into the product,
Winograd for one letter, and a backward that adds column gradients back a few images at a time.

While a batch is split between the cores (`SHARED`), a wide layer followed by pooling works
through its share a few letters at a time, forward and backward, and makes its columns again in
backward instead of keeping them: a block's columns (a megabyte or two) stay in cache between
the copy and the product, where a whole share's (15 MB for 64 letters of the default preset)
would go to memory and come back, with the other core doing the same.

It reads the layer's parameter arrays at every call and writes the layer's `grads`, so it
computes what `cnn.layers.Conv2d` does, up to the order of the sums.
"""

import contextvars

import numpy as np

from cnn.fast import columns, winograd
from cnn.layers import Conv2d

# True while the running pass is one share of a batch split between the cores (`cnn.parallel`
# sets it). Only then do wide layers work by blocks: in one thread, memory is not the limit
# (one core training, one product and blocks interleaved: 1,141 and 1,149 letters/s), and a
# block's many short calls take turns at Python's lock with the window's thread while a person
# draws, as training does on one core (in one A/B of three pairs with blocks there, the median
# stroke was 0.3-1.4 ms slower in each pair; this machine's noise is of that size, but blocks have
# nothing to give there).
SHARED = contextvars.ContextVar("cnn_fast_shared", default=False)


class FastConv:
    """Runs `layer` (a Conv2d). Outputs are NCHW views of channels-last memory, so the next
    layer's channels-last copy is a plain contiguous read."""

    DX_BLOCK_BYTES = 1 << 20  # column gradients made at once in a narrow layer's backward
    NARROW_PAIRS = 512  # in x out channels up to which a layer counts as narrow
    # One letter at a time (live drawing), a wide 3x3 layer's product dominates the whole
    # network: Winograd's transform does it with 16/36 of the multiplications. Batches take
    # im2col and products instead (in a share, by blocks of letters before a pooling: SHARED).
    WINOGRAD_MIN_PAIRS = 4096  # in x out channels from which it pays (bench: large, not default)
    # Columns a wide pooled layer in a share makes at once: as many whole letters as fit (at
    # least one). Against one product over the whole share (interleaved A/B in one process, 2
    # cores), blocks of 4 letters (1 MB) trained the default preset 10-20 % faster at batch 128,
    # 10-22 % at 256, -1 to +14 % at 64; 2, 6, 8 and 16 letters did no better. Large's letters
    # have twice the columns: 2-letter blocks beat 4-letter ones by 0 to 10 % (two runs).
    # Keeping the forward's columns for backward (the whole share's in one buffer, up to 8 MB)
    # lost: a share's conv2 forward 1.93 -> 2.25 ms, backward 4.24 -> 4.68 (16 letters), 3.41 ->
    # 3.81 and 6.97 -> 7.64 (32): making them again from the cached padded input is cheaper
    # than reading them back. Writing the pooling's corner gradients block by block straight
    # into `block_dy` (no whole-share gradient, no copy) was no faster: backward -0.8, +0.2,
    # -3.7 % (three interleaved runs).
    BLOCK_BYTES = 1 << 20

    def __init__(self, layer: Conv2d):
        self.layer = layer
        self._buffers = columns.Buffers()
        self._cols = self._wmat = None  # the product's operands, for backward
        self._xp = None  # the padded input, for columns made in backward (Winograd, blocks)
        self._in_shape, self._out_hw, self._pooled = None, None, False
        self._blocked = False  # the latest forward ran by blocks: backward does too
        self._block = 1  # letters per block, when it did
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
        self._blocked = False
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
            if pooled and n > 1 and not self._narrow() and SHARED.get():
                return self._forward_blocks(xp, dtype)
            self._cols, self._wmat = self._columns(xp, dtype)
            if pooled:  # only the pooling reads it, before the next forward: a reused buffer
                y, _ = self._buffers.get("y", (self._cols.shape[0], o), dtype)
                np.matmul(self._cols, self._wmat, out=y)
            else:
                y = self._cols @ self._wmat
        if pooled:
            return y.reshape(4, -1, o)
        return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    def _narrow(self) -> bool:
        return self.layer.in_channels * self.layer.out_channels <= self.NARROW_PAIRS

    def _forward_blocks(self, xp, dtype) -> np.ndarray:
        """The (4, N*Ho/2*Wo/2, O) corner blocks of `forward(pooled=True)`, a block of letters'
        columns (BLOCK_BYTES) and product at a time; keeps the padded input for backward."""
        ho, wo = self._out_hw
        o, q = self.layer.out_channels, ho * wo // 4
        self._xp, self._wmat, self._blocked = xp, self._weight_matrix(dtype), True
        per_letter = ho * wo * self._wmat.shape[0] * xp.itemsize
        self._block = max(1, self.BLOCK_BYTES // per_letter)
        y, _ = self._buffers.get("y", (4, xp.shape[0] * q, o), dtype)
        for i, b in self._letter_blocks():
            cols = self._block_columns(i, b)
            np.matmul(cols.reshape(4, b * q, -1), self._wmat, out=y[:, i * q:(i + b) * q])
        return y

    def _letter_blocks(self) -> list[tuple[int, int]]:
        """(first letter, letters) of each block of the latest batch."""
        n, size = self._in_shape[0], self._block
        return [(i, min(size, n - i)) for i in range(0, n, size)]

    def _block_columns(self, i: int, b: int) -> np.ndarray:
        """im2col (rows in pooling-corner order) of letters i..i+b of the kept padded input, in
        a buffer reused by every block."""
        conv, (ho, wo) = self.layer, self._out_hw
        k, kk = conv.kernel_size, conv.kernel_size ** 2 * conv.in_channels
        rows = self._block * ho * wo
        cols, new = self._buffers.get("block_cols", (rows, kk + 1), self._xp.dtype)
        if new:
            cols[:, kk] = 1.0  # the bias column
        cols = cols[:b * ho * wo]
        columns.im2col_nhwc(self._xp[i:i + b], k, k, conv.stride, ho, wo, cols, pooled=True)
        return cols

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
        columns.im2col_kmajor(xp, k, k, conv.stride, ho, wo, cols, self._pooled, self._buffers)
        wmat = np.empty((o, kk + 1), dtype)
        wmat[:, :kk] = conv.params["weight"].reshape(o, kk)
        wmat[:, kk] = conv.params["bias"]
        return cols, wmat

    def _columns(self, xp, dtype):
        """im2col (M, K+1) of the padded channels-last input, with the bias column, and the
        matching (K+1, O) weight matrix."""
        conv, (ho, wo) = self.layer, self._out_hw
        k = conv.kernel_size
        kk = k * k * conv.in_channels
        cols, new = self._buffers.get("cols", (xp.shape[0] * ho * wo, kk + 1), dtype)
        if new:
            cols[:, kk] = 1.0  # the bias column
        columns.im2col_nhwc(xp, k, k, conv.stride, ho, wo, cols, self._pooled)
        return cols, self._weight_matrix(dtype)

    def _weight_matrix(self, dtype) -> np.ndarray:
        """(K+1, O): the kernels in the columns' (kh, kw, c) order, then the bias row."""
        conv = self.layer
        kk, o = conv.kernel_size ** 2 * conv.in_channels, conv.out_channels
        wmat = np.empty((kk + 1, o), dtype)
        wmat[:kk] = conv.params["weight"].transpose(2, 3, 1, 0).reshape(kk, o)
        wmat[kk] = conv.params["bias"]
        return wmat

    def backward(self, dy: np.ndarray, need_dx: bool = True,
                 need_grads: bool = True) -> np.ndarray | None:
        """Gradients into the layer's `grads` (unless not needed); dx (N, C, H, W) unless not
        needed."""
        conv = self.layer
        n, c, h, w = self._in_shape
        (ho, wo), o = self._out_hw, conv.out_channels
        k, s, p, kk = conv.kernel_size, conv.stride, conv.padding, conv.kernel_size ** 2 * c
        if self._blocked:
            return self._backward_blocks(dy, need_dx, need_grads)
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
            self._set_grads(cols.T @ dym)
        if not need_dx:
            return None
        if self._pooled:
            # Back to (N, Ho, Wo) rows: col2im then adds whole image rows, not 2x2 corners.
            dym = dy.reshape(2, 2, n, ho // 2, wo // 2, o).transpose(2, 3, 0, 4, 1, 5)
            dym = dym.reshape(m, o)
        return self._input_gradient(dym, self._offset_weights())

    def _offset_weights(self) -> np.ndarray:
        """(k*k, O, C): the product's weights, one (O, C) matrix per kernel offset."""
        conv = self.layer
        k, c, o = conv.kernel_size, conv.in_channels, conv.out_channels
        return self._wmat[:k * k * c].reshape(k * k, c, o).transpose(0, 2, 1)

    def _set_grads(self, dw: np.ndarray) -> None:
        """The layer's grads from dw (K+1, O), rows in the columns' order."""
        conv = self.layer
        k, c, o = conv.kernel_size, conv.in_channels, conv.out_channels
        conv.grads["weight"] = np.ascontiguousarray(
            dw[:k * k * c].reshape(k, k, c, o).transpose(3, 2, 0, 1))
        conv.grads["bias"] = dw[k * k * c].copy()

    def _backward_blocks(self, dy, need_dx, need_grads):
        """backward after `_forward_blocks`, block by block: each block's columns made again
        for its weight gradient, its rows put back in image order for its input gradient."""
        conv = self.layer
        n, c = self._in_shape[:2]
        (ho, wo), o, size = self._out_hw, conv.out_channels, self._block
        kk, q = conv.kernel_size ** 2 * c, ho * wo // 4
        dtype = np.result_type(dy, self._wmat)
        corners = dy.reshape(4, n * q, o)
        dw = np.zeros((kk + 1, o), dtype) if need_grads else None
        # Blocks' scratch, sized for a whole block; a last, smaller block uses their first part.
        flat, _ = self._buffers.get("block_dy", (4 * size * q * o,), dtype)
        part, _ = self._buffers.get("block_dw", (kk + 1, o), dtype)
        dx = _BlockInputGradient(self, dtype) if need_dx else None
        for i, b in self._letter_blocks():
            dyb = flat[:4 * b * q * o].reshape(4, b * q, o)
            np.copyto(dyb, corners[:, i * q:(i + b) * q])
            if need_grads:
                np.matmul(self._block_columns(i, b).T, dyb.reshape(-1, o), out=part)
                dw += part
            if need_dx:
                # The block's gradient in (N, Ho, Wo) order, from its pooling-corner order.
                by_corner = dyb.reshape(2, 2, b, ho // 2, wo // 2, o)
                np.copyto(dx.rows(i, b).reshape(b, ho // 2, 2, wo // 2, 2, o),
                          by_corner.transpose(2, 3, 0, 4, 1, 5))
                dx.add(i, b)
        if need_grads:
            self._set_grads(dw)
        return dx.result() if need_dx else None

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
        if self._narrow():
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


class _BlockInputGradient:
    """dx of a blocked layer's backward, a block of letters at a time (`rows`, then `add`).

    With stride 1 and padding at most k-1, dx is itself a convolution: the output gradient,
    padded by k-1-p, correlated with the kernels turned half a turn. Each block then takes one
    im2col copy and one product that writes its dx rows, channels-last (what the layer before
    reads without a copy), in place of k*k products and k*k slice-adds onto a padded dx. One
    block of the default preset: 0.43 against 0.48 ms; training it (interleaved A/B in one
    process, two runs of 11 rounds) +3 to +11 % at batch 32-256, large -3 to +2 % (4-letter
    blocks). Columns two letters at a time (under 1 MB, where a block's are 1.8 MB) were no
    faster: a share's conv2 backward -0.9 to -3.2 % (three runs). Other strides and paddings
    gather the whole batch's rows and add back as an unblocked layer does
    (`FastConv._input_gradient`).
    """

    def __init__(self, fast: FastConv, dtype):
        conv = fast.layer
        self.fast = fast
        self.n, self.c, self.h, self.w = fast._in_shape
        (ho, wo), o = fast._out_hw, conv.out_channels
        self.k, self.o = conv.kernel_size, o
        self.direct = conv.stride == 1 and conv.padding <= self.k - 1
        if self.direct:
            k, c = self.k, self.c
            self.e = e = k - 1 - conv.padding  # dy padded by e gives dx its size
            size, buffers = fast._block, fast._buffers
            self.dyp, _ = buffers.get("block_dyp", (size, ho + 2 * e, wo + 2 * e, o), dtype)
            self.cols, _ = buffers.get("block_dycols", (size * self.h * self.w, k * k * o), dtype)
            # Offsets reversed: the half turn.
            self.wflip = fast._offset_weights()[::-1].reshape(k * k * o, c)
            self.dx = np.empty((self.n * self.h * self.w, c), dtype)
        else:
            self.img = np.empty((self.n * ho * wo, o), dtype)

    def rows(self, i: int, b: int) -> np.ndarray:
        """Where the output gradient of letters i..i+b goes, (b, Ho, Wo, O) in image order."""
        ho, wo = self.fast._out_hw
        if self.direct:
            e = self.e
            return self.dyp[:b, e:e + ho, e:e + wo]  # its border stays zero
        return self.img[i * ho * wo:(i + b) * ho * wo].reshape(b, ho, wo, self.o)

    def add(self, i: int, b: int) -> None:
        """dx of letters i..i+b from the output gradient just written into `rows(i, b)`."""
        if self.direct:
            k, hw = self.k, self.h * self.w
            cols = self.cols[:b * hw]
            columns.im2col_nhwc(self.dyp[:b], k, k, 1, self.h, self.w, cols)
            np.matmul(cols, self.wflip, out=self.dx[i * hw:(i + b) * hw])

    def result(self) -> np.ndarray:
        """dx (N, C, H, W) as a view of channels-last memory."""
        if self.direct:
            return self.dx.reshape(self.n, self.h, self.w, self.c).transpose(0, 3, 1, 2)
        return self.fast._input_gradient(self.img, self.fast._offset_weights())
