"""Layers with `forward(x) -> y` and `backward(dy) -> dx`, NCHW, PyTorch names and weight shapes.

Each layer keeps what its backward needs from the latest forward only. `backward` returns new
arrays and never writes into `dy`. Convolution outputs are NCHW views of channels-last memory, so
the next layer's channels-last copy is a plain contiguous read.
"""

import numpy as np

from cnn import functional as F


class Layer:
    """Base: `params` / `grads` dicts keyed `weight` / `bias`; no parameters by default."""

    kind = ""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one sample's output, given one sample's input shape (no batch axis)."""
        return tuple(input_shape)

    def config(self) -> dict:
        """JSON-serialisable description: `{"type": kind, ...hyper-parameters}`."""
        return {"type": self.kind}

    def astype(self, dtype) -> None:
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)
        self.grads = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


def _gaussian(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int,
              init_std: float | None, dtype) -> np.ndarray:
    """Gaussian weights: He scaling sqrt(2 / fan_in) unless a standard deviation is given."""
    std = np.sqrt(2.0 / fan_in) if init_std is None else float(init_std)
    return (rng.standard_normal(shape) * std).astype(dtype)


class _Buffers:
    """Scratch arrays reused between calls of the same shape (a few shapes at most)."""

    def __init__(self):
        self._store: dict[tuple, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype, fill=None) -> tuple[np.ndarray, bool]:
        key = (name, shape, np.dtype(dtype))
        buf = self._store.get(key)
        if buf is not None:
            return buf, False
        if len(self._store) > 12:
            self._store.clear()
        buf = np.zeros(shape, dtype) if fill is None else np.full(shape, fill, dtype)
        self._store[key] = buf
        return buf, True


def _same_order(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`a`, or a copy of it laid out in memory in the same axis order as `like` (same shape)."""
    if np.argsort(a.strides, kind="stable").tolist() == np.argsort(like.strides,
                                                                    kind="stable").tolist():
        return a
    out = np.empty_like(like, dtype=a.dtype)
    np.copyto(out, a)
    return out


class Conv2d(Layer):
    """2-D convolution. x (N, C, H, W) -> y (N, O, Ho, Wo); weight (O, C, kh, kw), bias (O,)."""

    kind = "conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, padding: int = 0, *, rng: np.random.Generator | None = None,
                 init_std: float | None = None, dtype=np.float32):
        super().__init__()
        for name, v, low in (("in_channels", in_channels, 1), ("out_channels", out_channels, 1),
                             ("kernel_size", kernel_size, 1), ("stride", stride, 1),
                             ("padding", padding, 0)):
            if not isinstance(v, int | np.integer) or v < low:
                raise ValueError(f"Conv2d {name} must be an integer >= {low}, got {v!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = int(kernel_size), int(stride), int(padding)
        rng = np.random.default_rng() if rng is None else rng
        k = self.kernel_size
        fan_in = in_channels * k * k
        self.params["weight"] = _gaussian(rng, (out_channels, in_channels, k, k), fan_in,
                                          init_std, dtype)
        self.params["bias"] = np.zeros(out_channels, dtype)
        self._buffers = _Buffers()
        self._cols = None
        self._wmat = None
        self._in_shape = None
        self._wino = None  # (weight copy, transformed kernels)
        self._xp = None  # the padded input of a Winograd forward, for columns made late

    def config(self) -> dict:
        return {"type": self.kind, "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": self.kernel_size,
                "stride": self.stride, "padding": self.padding}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        if c != self.in_channels:
            raise ValueError(f"Conv2d expects {self.in_channels} input channels, got {c}")
        ho = F.out_size(h, self.kernel_size, self.stride, self.padding)
        wo = F.out_size(w, self.kernel_size, self.stride, self.padding)
        if ho < 1 or wo < 1:
            raise ValueError(f"Conv2d kernel {self.kernel_size} does not fit a {h}x{w} input")
        return (self.out_channels, ho, wo)

    def forward(self, x, pooled: bool = False):
        """y (N, O, Ho, Wo) as a view of channels-last memory.

        With `pooled` (Ho and Wo even), return instead the (4, N*Ho/2*Wo/2, O) matrix whose
        four blocks are the four corners of every 2x2 pooling window (`MaxPool2d.forward_quads`
        takes it); `backward` then takes the gradient in that same form.
        """
        n, c, h, w = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        _, ho, wo = self.output_shape((c, h, w))
        if pooled and (ho % 2 or wo % 2):
            raise ValueError(f"pooled rows need an even output size, got {ho}x{wo}")
        dtype = np.result_type(x.dtype, self.params["weight"].dtype)
        m, kk, o = n * ho * wo, k * k * c, self.out_channels
        weight, bias = self.params["weight"], self.params["bias"]
        self._in_shape, self._out_hw, self._pooled = x.shape, (ho, wo), pooled
        if c == 1:
            # Kernel-major columns (K+1, M): kh*kw slice copies beat a 1-wide window copy.
            xp, _ = self._buffers.get("xp", (n, h + 2 * p, w + 2 * p), dtype)
            xp[:, p:p + h, p:p + w] = x[:, 0]
            cols, new = self._buffers.get("cols", (kk + 1, m), dtype)
            if new:
                cols[kk] = 1.0  # the bias row
            F.im2col_kmajor(xp, k, k, s, ho, wo, cols, pooled)
            wmat = np.empty((o, kk + 1), dtype)
            wmat[:, :kk] = weight.reshape(o, kk)
            wmat[:, kk] = bias
            # (M, O): channels-last output, the order every later layer works in fastest.
            y = cols.T @ wmat.T
        else:
            xp, _ = self._buffers.get("xp", (n, h + 2 * p, w + 2 * p, c), dtype)
            xp[:, p:p + h, p:p + w, :] = x.transpose(0, 2, 3, 1)
            if self._winograd_fits(n, ho, wo, pooled):
                y = F.winograd_conv3x3(xp, self._winograd_kernels(dtype), ho, wo)
                y += bias
                self._cols = self._wmat = None  # made from xp if backward is called
                self._xp = xp
                return y.transpose(0, 3, 1, 2)
            cols, wmat = self._columns(xp, dtype)
            y = cols @ wmat
        self._cols, self._wmat = cols, wmat
        if pooled:
            return y.reshape(4, m // 4, o)
        return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    DX_BLOCK_BYTES = 1 << 20  # column gradients made at once in a narrow layer's backward
    NARROW_PAIRS = 512  # in x out channels up to which a layer counts as narrow

    # One letter at a time (live drawing), a wide 3x3 layer's product dominates the whole
    # network: Winograd's transform does it with 16/36 of the multiplications. Batches take one
    # large product instead, and keep the columns that backward needs.
    WINOGRAD_MIN_PAIRS = 4096  # in x out channels from which it pays (bench: large, not default)

    def _winograd_fits(self, n, ho, wo, pooled) -> bool:
        return (n == 1 and not pooled and self.kernel_size == 3 and self.stride == 1
                and ho % 2 == 0 and wo % 2 == 0
                and self.in_channels * self.out_channels >= self.WINOGRAD_MIN_PAIRS)

    def _winograd_kernels(self, dtype) -> np.ndarray:
        """The transformed kernels, made again only when the weights changed (they are updated
        in place, so a copy is kept to compare against)."""
        weight = self.params["weight"]
        cached = self._wino
        if cached is None or cached[1].dtype != dtype or not np.array_equal(cached[0], weight):
            cached = self._wino = (weight.copy(), F.winograd_kernels(weight.astype(dtype)))
        return cached[1]

    def _columns(self, xp, dtype):
        """im2col of the padded channels-last input, with the bias column, and the matching
        (K+1, O) weight matrix."""
        n, c, _, _ = self._in_shape
        (ho, wo), kk, o = self._out_hw, self.kernel_size ** 2 * self.in_channels, self.out_channels
        cols, new = self._buffers.get("cols", (n * ho * wo, kk + 1), dtype)
        if new:
            cols[:, kk] = 1.0  # the bias column
        F.im2col_nhwc(xp, self.kernel_size, self.kernel_size, self.stride, ho, wo, cols,
                      self._pooled)
        wmat = np.empty((kk + 1, o), dtype)
        wmat[:kk] = self.params["weight"].transpose(2, 3, 1, 0).reshape(kk, o)
        wmat[kk] = self.params["bias"]
        return cols, wmat

    def backward(self, dy, need_dx=True):
        n, c, h, w = self._in_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        (ho, wo), pooled, o = self._out_hw, self._pooled, self.out_channels
        m, kk = n * ho * wo, k * k * c
        if self._cols is None:
            self._cols, self._wmat = self._columns(self._xp, self._xp.dtype)
        cols, wmat = self._cols, self._wmat
        # (M, O) rows in the order the forward pass used.
        dym = dy.reshape(m, o) if pooled else dy.transpose(0, 2, 3, 1).reshape(m, o)
        if c == 1:
            dw = (cols @ dym).T
            self.grads["weight"] = np.ascontiguousarray(dw[:, :kk]).reshape(o, 1, k, k)
            self.grads["bias"] = dw[:, kk].copy()
            if not need_dx:
                return None
            dxp = np.zeros((n, h + 2 * p, w + 2 * p), dw.dtype)
            F.col2im_kmajor(wmat[:, :kk].T @ dym.T, dxp, k, k, s, ho, wo, pooled)
            return dxp[:, None, p:p + h, p:p + w]
        dw = cols.T @ dym
        self.grads["weight"] = np.ascontiguousarray(
            dw[:kk].reshape(k, k, c, o).transpose(3, 2, 0, 1))
        self.grads["bias"] = dw[kk].copy()
        if not need_dx:
            return None
        if pooled:
            # Back to (N, Ho, Wo) rows: col2im then adds whole image rows, not 2x2 corners.
            dym = dy.reshape(2, 2, n, ho // 2, wo // 2, o).transpose(2, 3, 0, 4, 1, 5)
            dym = dym.reshape(m, o)
        dxp = np.zeros((n, h + 2 * p, w + 2 * p, c), dw.dtype)
        # (k*k, rows, C) column gradients, one product per kernel offset (see col2im_nhwc).
        # A narrow layer's products are bound by memory: there, a few images at a time, added
        # back while still in cache (small preset +7 %; wider layers lose 2-5 % by it).
        wstack = wmat[:kk].reshape(k * k, c, o).transpose(0, 2, 1)
        per_image = ho * wo
        group = n
        if c * o <= self.NARROW_PAIRS:
            group = max(1, self.DX_BLOCK_BYTES // (per_image * kk * dw.itemsize))
        for i in range(0, n, group):
            part = dym[i * per_image:(i + group) * per_image]
            F.col2im_nhwc(np.matmul(part, wstack), dxp[i:i + group], k, k, s, ho, wo)
        return dxp[:, p:p + h, p:p + w, :].transpose(0, 3, 1, 2)


class ReLU(Layer):
    """max(x, 0), elementwise; any shape."""

    kind = "relu"

    def __init__(self):
        super().__init__()
        self._y = None

    def forward(self, x):
        self._y = np.maximum(x, 0)
        return self._y

    def backward(self, dy, need_dx=True):
        return dy * (self._y > 0)


class MaxPool2d(Layer):
    """Max over k x k windows. x (N, C, H, W) -> (N, C, Ho, Wo); ties go to the first index."""

    kind = "maxpool2d"

    def __init__(self, kernel_size: int = 2, stride: int | None = None):
        super().__init__()
        stride = kernel_size if stride is None else stride
        for name, v in (("kernel_size", kernel_size), ("stride", stride)):
            if not isinstance(v, int | np.integer) or v < 1:
                raise ValueError(f"MaxPool2d {name} must be an integer >= 1, got {v!r}")
        self.kernel_size, self.stride = int(kernel_size), int(stride)
        self._cache = None
        self._in = None
        self._relu_out = None

    def config(self):
        return {"type": self.kind, "kernel_size": self.kernel_size, "stride": self.stride}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        ho = F.out_size(h, self.kernel_size, self.stride)
        wo = F.out_size(w, self.kernel_size, self.stride)
        if ho < 1 or wo < 1:
            raise ValueError(f"MaxPool2d kernel {self.kernel_size} does not fit a {h}x{w} input")
        return (c, ho, wo)

    def forward(self, x, relu: bool = False):
        """Max-pool x; with `relu`, return relu(pool(x)), which equals pool(relu(x)).

        The fused form lets a ReLU -> MaxPool2d pair clamp a quarter of the values and skip
        the full-size ReLU pass; its backward sends the same gradients as the two layers would.
        """
        self._in = x
        y = self._pool(x)
        self._relu_out = None
        if relu:
            np.maximum(y, 0, out=y)
            self._relu_out = y
        return y

    def _pool(self, x):
        if self.kernel_size == 2 and self.stride == 2:
            return self._forward_2x2(x)
        k, s = self.kernel_size, self.stride
        n, c, h, w = x.shape
        _, ho, wo = self.output_shape((c, h, w))
        s0, s1, s2, s3 = x.strides
        win = np.lib.stride_tricks.as_strided(
            x, (n, c, ho, wo, k, k), (s0, s1, s2 * s, s3 * s, s2, s3), writeable=False)
        win = win.reshape(n, c, ho, wo, k * k)
        arg = win.argmax(axis=-1)  # argmax returns the first of tied maxima
        self._cache = arg
        return np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]

    def _forward_2x2(self, x):
        ho, wo = x.shape[2] // 2, x.shape[3] // 2
        a, b = x[:, :, 0:2 * ho:2, 0:2 * wo:2], x[:, :, 0:2 * ho:2, 1:2 * wo:2]
        c, d = x[:, :, 1:2 * ho:2, 0:2 * wo:2], x[:, :, 1:2 * ho:2, 1:2 * wo:2]
        return self._max4(a, b, c, d)

    def _max4(self, a, b, c, d):
        # Pairwise, strict comparisons: on a tie the earlier element of each pair wins.
        top, bottom = np.maximum(a, b), np.maximum(c, d)
        self._cache = (b > a, d > c, bottom > top)
        return np.maximum(top, bottom)

    def _split4(self, dy, out):
        """Write the gradients of the four window corners (top-left, top-right, bottom-left,
        bottom-right) into out[0..3], each shaped like dy: six passes, no temporaries."""
        b_wins, d_wins, bottom_wins = self._cache
        np.multiply(dy, bottom_wins, out=out[2])  # bottom pair's share
        np.subtract(dy, out[2], out=out[0])  # top pair's share
        np.multiply(out[0], b_wins, out=out[1])
        np.subtract(out[0], out[1], out=out[0])
        np.multiply(out[2], d_wins, out=out[3])
        np.subtract(out[2], out[3], out=out[2])
        return out

    def forward_quads(self, q: np.ndarray, relu: bool = False) -> np.ndarray:
        """2x2 max-pool of the four window corners given as blocks q (4, P, C): see
        `Conv2d.forward(pooled=True)`. Returns (P, C); with `relu`, relu of it."""
        self._in = q
        y = self._max4(q[0], q[1], q[2], q[3])
        self._relu_out = None
        if relu:
            np.maximum(y, 0, out=y)
            self._relu_out = y
        return y

    def backward_quads(self, dy: np.ndarray) -> np.ndarray:
        """dy (P, C) -> gradient of the corner blocks (4, P, C), after `forward_quads`."""
        if self._relu_out is not None:
            dy = dy * (self._relu_out > 0)
        return self._split4(dy, np.empty_like(self._in, dtype=dy.dtype))

    def backward(self, dy, need_dx=True):
        x = self._in
        if self.kernel_size == 2 and self.stride == 2:
            ho, wo = dy.shape[2], dy.shape[3]
            # Element-wise work on operands of different memory orders is several times slower
            # than on matching ones: bring dy into the masks' order first (a quarter-size copy).
            dy = _same_order(dy, self._cache[0])
            if self._relu_out is not None:
                dy = dy * (self._relu_out > 0)
            covered = x.shape[2] == 2 * ho and x.shape[3] == 2 * wo
            dx = (np.empty_like if covered else np.zeros_like)(x, dtype=dy.dtype)
            corners = ((0, 0), (0, 1), (1, 0), (1, 1))
            # In dy's memory order: mixed orders make element-wise work several times slower.
            parts = self._split4(dy, [np.empty_like(dy) for _ in corners])
            for (i, j), g in zip(corners, parts, strict=True):
                dx[:, :, i:2 * ho:2, j:2 * wo:2] = g
            return dx
        if self._relu_out is not None:
            dy = dy * (self._relu_out > 0)
        dx = np.zeros_like(x, dtype=dy.dtype)
        k, s = self.kernel_size, self.stride
        ho, wo = dy.shape[2], dy.shape[3]
        arg = self._cache
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + s * ho:s, j:j + s * wo:s] += dy * (arg == i * k + j)
        return dx


class Flatten(Layer):
    """(N, C, H, W) -> (N, C*H*W) in C, H, W order, as PyTorch's flatten."""

    kind = "flatten"

    def __init__(self):
        super().__init__()
        self._shape = None

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx=True):
        return dy.reshape(self._shape)


class Linear(Layer):
    """Fully connected. x (N, in) -> y (N, out); weight (out, in), bias (out,)."""

    kind = "linear"

    def __init__(self, in_features: int, out_features: int, *,
                 rng: np.random.Generator | None = None, init_std: float | None = None,
                 dtype=np.float32):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, int | np.integer) or v < 1:
                raise ValueError(f"Linear {name} must be an integer >= 1, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = np.random.default_rng() if rng is None else rng
        self.params["weight"] = _gaussian(rng, (out_features, in_features), in_features,
                                          init_std, dtype)
        self.params["bias"] = np.zeros(out_features, dtype)
        self._x = None

    def config(self):
        return {"type": self.kind, "in_features": self.in_features,
                "out_features": self.out_features}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"Linear expects {self.in_features} input features, "
                             f"got shape {tuple(input_shape)}")
        return (self.out_features,)

    def forward(self, x):
        self._x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, dy, need_dx=True):
        self.grads["weight"] = dy.T @ self._x
        self.grads["bias"] = dy.sum(axis=0)
        return dy @ self.params["weight"] if need_dx else None


LAYER_TYPES = {cls.kind: cls for cls in (Conv2d, ReLU, MaxPool2d, Flatten, Linear)}
