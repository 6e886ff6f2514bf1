"""The reference layers: each a short `forward(x) -> y`, its `backward(dy) -> dx` right under it.

This is the network to read. NCHW arrays, PyTorch's names and weight shapes. Each layer keeps
what its backward needs from its latest forward only; `backward` returns new arrays and never
writes into `dy`. Models run the same parameter arrays on a faster engine by default
(`cnn/fast/`), tested against these layers.
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

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dL/dx from dL/dy, and each parameter's gradient into `grads`."""
        raise NotImplementedError

    def input_gradient(self, dy: np.ndarray) -> np.ndarray:
        """dL/dx alone, leaving `grads` as they are (a saliency map needs nothing else). For a
        layer without parameters that is all `backward` does."""
        return self.backward(dy)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one sample's output, given one sample's input shape (no batch axis)."""
        return tuple(input_shape)

    def config(self) -> dict:
        """JSON-serialisable description: `{"type": kind, ...hyper-parameters}`."""
        return {"type": self.kind}

    def astype(self, dtype) -> None:
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)
        self.grads.clear()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


def _check(layer: str, **values: tuple[int, int]) -> None:
    """Refuse any hyper-parameter that is not an integer >= its lowest value."""
    for name, (v, low) in values.items():
        if not isinstance(v, int | np.integer) or v < low:
            raise ValueError(f"{layer} {name} must be an integer >= {low}, got {v!r}")


def _gaussian(rng: np.random.Generator | None, shape: tuple[int, ...], fan_in: int,
              init_std: float | None, dtype) -> np.ndarray:
    """Gaussian weights: He scaling sqrt(2 / fan_in) unless a standard deviation is given."""
    rng = np.random.default_rng() if rng is None else rng
    std = np.sqrt(2.0 / fan_in) if init_std is None else float(init_std)
    return (rng.standard_normal(shape) * std).astype(dtype)


class Conv2d(Layer):
    """2-D convolution. x (N, C, H, W) -> feature maps (N, O, Ho, Wo).

    weight (O, C, k, k): one kernel per output feature map; bias (O,).
    """

    kind = "conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, padding: int = 0, *, rng: np.random.Generator | None = None,
                 init_std: float | None = None, dtype=np.float32):
        super().__init__()
        _check("Conv2d", in_channels=(in_channels, 1), out_channels=(out_channels, 1),
               kernel_size=(kernel_size, 1), stride=(stride, 1), padding=(padding, 0))
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = int(kernel_size), int(stride), int(padding)
        k = self.kernel_size
        self.params["weight"] = _gaussian(rng, (out_channels, in_channels, k, k),
                                          in_channels * k * k, init_std, dtype)
        self.params["bias"] = np.zeros(out_channels, dtype)
        self._cols = None  # what every kernel stop covered, from the latest forward
        self._x_shape = None

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

    def forward(self, x):
        n = x.shape[0]
        _, ho, wo = self.output_shape(x.shape[1:])
        # Every stop of the kernel (the window moved by `stride` over the zero-padded image)
        # becomes one row of the numbers it covers ...
        self._cols = F.im2col(x, self.kernel_size, self.stride, self.padding)
        self._x_shape = x.shape
        kernels = self.params["weight"].reshape(self.out_channels, -1)  # one kernel a row
        # ... so one matrix product takes every kernel's weighted sum at every stop.
        y = self._cols @ kernels.T + self.params["bias"]  # (N*Ho*Wo, O)
        return y.reshape(n, ho, wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, dy):
        dy = dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)  # a row per stop again
        # A weight's gradient: what it met at each stop times that stop's output gradient.
        self.grads["weight"] = (dy.T @ self._cols).reshape(self.params["weight"].shape)
        self.grads["bias"] = dy.sum(axis=0)
        return self._pixel_gradient(dy)

    def input_gradient(self, dy):
        return self._pixel_gradient(dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels))

    def _pixel_gradient(self, dy):
        # Each pixel's gradient: the kernel weights that met it, times the gradients of the
        # outputs they made, added up over every stop that covered the pixel.
        dcols = dy @ self.params["weight"].reshape(self.out_channels, -1)
        return F.col2im(dcols, self._x_shape, self.kernel_size, self.stride, self.padding)


class ReLU(Layer):
    """max(x, 0), elementwise; any shape."""

    kind = "relu"

    def __init__(self):
        super().__init__()
        self._y = None

    def forward(self, x):
        self._y = np.maximum(x, 0)
        return self._y

    def backward(self, dy):
        return dy * (self._y > 0)  # the gradient passes where the input was positive


class MaxPool2d(Layer):
    """The largest number in each k x k window. x (N, C, H, W) -> (N, C, Ho, Wo).

    The window moves by `stride`; a tie goes to the first of the tied numbers (row by row).
    """

    kind = "maxpool2d"

    def __init__(self, kernel_size: int = 2, stride: int | None = None):
        super().__init__()
        stride = kernel_size if stride is None else stride
        _check("MaxPool2d", kernel_size=(kernel_size, 1), stride=(stride, 1))
        self.kernel_size, self.stride = int(kernel_size), int(stride)
        self._winner = None  # which number of each window was the largest
        self._x_shape = None

    def config(self):
        return {"type": self.kind, "kernel_size": self.kernel_size, "stride": self.stride}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        ho = F.out_size(h, self.kernel_size, self.stride)
        wo = F.out_size(w, self.kernel_size, self.stride)
        if ho < 1 or wo < 1:
            raise ValueError(f"MaxPool2d kernel {self.kernel_size} does not fit a {h}x{w} input")
        return (c, ho, wo)

    def forward(self, x):
        n, c, h, w = self._x_shape = x.shape
        _, ho, wo = self.output_shape((c, h, w))
        # Each feature map on its own: one row per window, its k*k numbers along the row.
        windows = F.im2col(x.reshape(n * c, 1, h, w), self.kernel_size, self.stride, 0)
        self._winner = windows.argmax(axis=1)  # argmax picks the first of tied maxima
        return windows[np.arange(len(windows)), self._winner].reshape(n, c, ho, wo)

    def backward(self, dy):
        n, c, h, w = self._x_shape
        # Only each window's largest number changed the output: it alone gets the gradient.
        dwindows = np.zeros((dy.size, self.kernel_size ** 2), dy.dtype)
        dwindows[np.arange(dy.size), self._winner] = dy.reshape(-1)
        dx = F.col2im(dwindows, (n * c, 1, h, w), self.kernel_size, self.stride, 0)
        return dx.reshape(n, c, h, w)


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

    def backward(self, dy):
        return dy.reshape(self._shape)


class Linear(Layer):
    """Fully connected. x (N, in) -> y (N, out); weight (out, in), bias (out,)."""

    kind = "linear"

    def __init__(self, in_features: int, out_features: int, *,
                 rng: np.random.Generator | None = None, init_std: float | None = None,
                 dtype=np.float32):
        super().__init__()
        _check("Linear", in_features=(in_features, 1), out_features=(out_features, 1))
        self.in_features, self.out_features = int(in_features), int(out_features)
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

    def backward(self, dy):
        self.grads["weight"] = dy.T @ self._x
        self.grads["bias"] = dy.sum(axis=0)
        return self.input_gradient(dy)

    def input_gradient(self, dy):
        return dy @ self.params["weight"]


LAYER_TYPES = {cls.kind: cls for cls in (Conv2d, ReLU, MaxPool2d, Flatten, Linear)}
