"""A model is a sequence of named layers built from a JSON-serialisable architecture spec."""

import copy
import inspect
import math

import numpy as np

from cnn.layers import LAYER_TYPES, Conv2d, Layer, MaxPool2d, ReLU

INPUT_SHAPE = (1, 28, 28)
NUM_CLASSES = 26
# The largest model LetterLens builds or loads: about 19 times the large preset's 1.7 M
# parameters (128 MB of float32), more than the window's architecture editor makes in practice.
MAX_PARAMETERS = 32_000_000
# The most values one layer may output per letter: 2.3 times the editor's widest (256 maps of
# 60 x 60), so that a spec cannot ask forward() for gigabytes.
MAX_ACTIVATION = 1 << 21
_PREFIX = {"conv2d": "conv", "relu": "relu", "maxpool2d": "pool", "flatten": "flatten",
           "linear": "fc"}


def conv_net_spec(channels: list[int], hidden: list[int], kernel_size: int = 3) -> list[dict]:
    """`conv{k}x{k} -> ReLU -> maxpool2` per entry of `channels`, then fully connected layers."""
    spec = []
    for c in channels:
        spec += [{"type": "conv2d", "out_channels": c, "kernel_size": kernel_size,
                  "stride": 1, "padding": kernel_size // 2},
                 {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2, "stride": 2}]
    spec.append({"type": "flatten"})
    for h in hidden:
        spec += [{"type": "linear", "out_features": h}, {"type": "relu"}]
    spec.append({"type": "linear", "out_features": NUM_CLASSES})
    return spec


PRESETS = {
    "small": conv_net_spec([8, 16], [128]),
    "default": conv_net_spec([32, 64], [256]),
    "large": conv_net_spec([64, 128], [256]),
}


class Sequential:
    """Named layers applied in order: x (N, 1, 28, 28) float -> logits (N, 26)."""

    def __init__(self, named_layers: list[tuple[str, Layer]], input_shape=INPUT_SHAPE):
        names = [n for n, _ in named_layers]
        if len(set(names)) != len(names):
            raise ValueError(f"layer names must be unique, got {names}")
        self.layers = list(named_layers)
        self.input_shape = tuple(input_shape)
        self._last_plan = [(i, 1) for i in range(len(self.layers))]  # what backward follows
        shape = self.input_shape
        self._shapes = {}
        for name, layer in self.layers:
            try:
                shape = layer.output_shape(shape)
            except ValueError as e:
                raise ValueError(f"layer {name}: {e}") from None
            self._shapes[name] = shape
        self._plan = self._steps()  # forward's fused steps

    # --- structure -----------------------------------------------------------------------------

    @property
    def spec(self) -> list[dict]:
        """The architecture as a list of layer descriptions, names included (JSON-serialisable)."""
        return [{"name": name, **layer.config()} for name, layer in self.layers]

    def layer(self, name: str) -> Layer:
        for n, layer in self.layers:
            if n == name:
                return layer
        raise KeyError(f"no layer named {name!r}; layers are {[n for n, _ in self.layers]}")

    def output_shapes(self) -> dict[str, tuple[int, ...]]:
        """Each layer's output shape for one sample, in order, e.g. {'conv1': (8, 28, 28), ...}."""
        return dict(self._shapes)

    @property
    def num_classes(self) -> int:
        return self._shapes[self.layers[-1][0]][0]

    @property
    def dtype(self):
        params = self.parameters()
        return next(iter(params.values())).dtype if params else np.dtype(np.float32)

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters().values())

    def astype(self, dtype) -> "Sequential":
        """Convert every parameter to `dtype` in place (float64 for gradient checks)."""
        for _, layer in self.layers:
            layer.astype(dtype)
        return self

    def copy(self) -> "Sequential":
        """An independent model with the same architecture and weights."""
        return copy.deepcopy(self)

    # --- computation ---------------------------------------------------------------------------

    def _check_input(self, x) -> np.ndarray:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"input must be a NumPy array, got {type(x).__name__}")
        if x.dtype not in (np.float32, np.float64):
            raise TypeError(f"input must be float32 or float64 in [0, 1], got dtype {x.dtype}"
                            " (for uint8 images use x.astype(np.float32) / 255)")
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            want = "(N, " + ", ".join(map(str, self.input_shape)) + ")"
            raise ValueError(f"input must have shape {want}, got {x.shape}")
        return x

    def _steps(self) -> list[tuple[int, int]]:
        """The forward pass as (first layer, layer count) steps, fusing where it is exact:

        - conv -> ReLU -> 2x2 max-pool (even conv output): the convolution emits the four
          corners of every pooling window as contiguous blocks, pooled block by block;
        - ReLU -> max-pool: pool, then clamp the pooled quarter (pool(relu) == relu(pool)).
        """
        layers, steps, i = [layer for _, layer in self.layers], [], 0
        while i < len(layers):
            nxt = layers[i + 1:i + 3]
            if (len(nxt) == 2 and isinstance(layers[i], Conv2d) and isinstance(nxt[0], ReLU)
                    and isinstance(nxt[1], MaxPool2d) and nxt[1].kernel_size == 2
                    and nxt[1].stride == 2
                    and all(v % 2 == 0 for v in self._shapes[self.layers[i][0]][1:])):
                steps.append((i, 3))
            elif nxt and isinstance(layers[i], ReLU) and isinstance(nxt[0], MaxPool2d):
                steps.append((i, 2))
            else:
                steps.append((i, 1))
            i += steps[-1][1]
        return steps

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (N, classes) for a batch x (N, 1, 28, 28).

        Runs the fused steps of `_steps`: same values and gradients as layer by layer, less
        work. `activations` runs every layer alone.
        """
        x = self._check_input(x)
        for i, count in self._plan:
            layer = self.layers[i][1]
            if count == 3:
                conv, pool = layer, self.layers[i + 2][1]
                n = x.shape[0]
                _, ho, wo = self._shapes[self.layers[i + 2][0]]
                y = pool.forward_quads(conv.forward(x, pooled=True), relu=True)
                x = y.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2)
            elif count == 2:
                x = self.layers[i + 1][1].forward(x, relu=True)
            else:
                x = layer.forward(x)
        self._last_plan = self._plan
        return x

    def backward(self, dlogits: np.ndarray, need_input_grad: bool = False) -> np.ndarray | None:
        """Gradients of every parameter from dlogits (N, classes); returns dx if asked for.

        Follows the latest `forward` or `activations` call, fused steps included.
        """
        d = dlogits
        for i, count in reversed(self._last_plan):
            need = i > 0 or need_input_grad
            if count == 3:
                conv, pool = self.layers[i][1], self.layers[i + 2][1]
                dp = np.ascontiguousarray(d.transpose(0, 2, 3, 1)).reshape(-1, d.shape[1])
                d = conv.backward(pool.backward_quads(dp), need_dx=need)
            else:
                d = self.layers[i + count - 1][1].backward(d, need_dx=need)
        return d

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for x (N, 1, 28, 28), in order, keyed by layer name."""
        out = {}
        x = self._check_input(x)
        self._last_plan = [(i, 1) for i in range(len(self.layers))]
        for name, layer in self.layers:
            x = layer.forward(x)
            out[name] = x
        return out

    def input_gradient(self, x: np.ndarray, class_index: int) -> np.ndarray:
        """d(logit of class_index) / dx for x (N, 1, 28, 28): the saliency map, shape of x."""
        if not 0 <= int(class_index) < self.num_classes:
            raise ValueError(f"class index {class_index} is outside 0..{self.num_classes - 1}")
        logits = self.forward(x)
        d = np.zeros_like(logits)
        d[:, int(class_index)] = 1.0
        return np.ascontiguousarray(self.backward(d, need_input_grad=True))

    # --- parameters ----------------------------------------------------------------------------

    def parameters(self) -> dict[str, np.ndarray]:
        """The live parameter arrays keyed by dotted name ('conv1.weight'); update them in place."""
        return {f"{n}.{k}": v for n, layer in self.layers for k, v in layer.params.items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """The latest backward's gradients, keyed like parameters()."""
        return {f"{n}.{k}": v for n, layer in self.layers for k, v in layer.grads.items()}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters keyed by dotted name, PyTorch's names and shapes."""
        return {k: v.copy() for k, v in self.parameters().items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy `state` into the parameters, checking every key, shape and value first."""
        params = self.parameters()
        missing = sorted(set(params) - set(state))
        extra = sorted(set(state) - set(params))
        if missing or extra:
            raise ValueError(f"state dict does not match the model: missing {missing}, "
                             f"unexpected {extra}")
        for k, p in params.items():
            v = np.asarray(state[k])
            if v.shape != p.shape:
                raise ValueError(f"{k}: the model has shape {p.shape}, the state has {v.shape}")
            if not np.issubdtype(v.dtype, np.floating):
                raise ValueError(f"{k}: expected floating-point values, got dtype {v.dtype}")
            if not np.isfinite(v).all():
                raise ValueError(f"{k}: contains NaN or infinite values")
        for k, p in params.items():
            p[...] = state[k]

    def __repr__(self) -> str:
        lines = [f"  ({name}): {layer!r}  -> {self._shapes[name]}" for name, layer in self.layers]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _named(spec: list[dict]) -> list[dict]:
    """Copy of spec with a name on every layer: conv1, relu1, pool1, ..., flatten, fc1, fc2."""
    counts: dict[str, int] = {}
    out = []
    for entry in spec:
        kind = entry.get("type")
        prefix = _PREFIX.get(kind, kind)
        counts[prefix] = counts.get(prefix, 0) + 1
        number = counts[prefix]
        default = prefix if kind == "flatten" and number == 1 else f"{prefix}{number}"
        out.append({**entry, "name": entry.get("name") or default})
    return out


def _weights(kind: str, args: dict) -> int:
    """Parameters a conv2d or linear layer with `args` would have (0 where the arguments are
    not whole numbers >= 1: the layer refuses those itself, before allocating)."""
    if kind == "conv2d":
        k = args.get("kernel_size", _CONV_KERNEL)
        dims = [args.get("out_channels"), args.get("in_channels"), k, k]
    else:
        dims = [args.get("out_features"), args.get("in_features")]
    if not all(isinstance(d, int | np.integer) and not isinstance(d, bool) and d >= 1
               for d in dims):
        return 0
    return math.prod(int(d) for d in dims) + int(dims[0])


_CONV_KERNEL = inspect.signature(Conv2d).parameters["kernel_size"].default


def build_model(preset_or_spec: str | list[dict] = "default",
                rng: np.random.Generator | None = None, *, init_std: float | None = None,
                dtype=np.float32, input_shape=INPUT_SHAPE,
                num_classes: int | None = NUM_CLASSES) -> Sequential:
    """A fresh model from a preset name or a spec; Gaussian weights (He, or `init_std`)."""
    if isinstance(preset_or_spec, str):
        if preset_or_spec not in PRESETS:
            raise ValueError(f"unknown preset {preset_or_spec!r}; choose one of {sorted(PRESETS)}")
        spec = PRESETS[preset_or_spec]
    else:
        spec = preset_or_spec
    if not isinstance(spec, list) or not spec or not all(isinstance(e, dict) for e in spec):
        raise ValueError("an architecture spec must be a non-empty list of layer descriptions")
    rng = np.random.default_rng() if rng is None else rng
    shape = tuple(input_shape)
    layers = []
    total = 0
    for entry in _named(spec):
        kind, name = entry.get("type"), entry["name"]
        if kind not in LAYER_TYPES:
            raise ValueError(f"layer {name}: unknown layer type {kind!r}; "
                             f"known types are {sorted(LAYER_TYPES)}")
        args = {k: v for k, v in entry.items() if k not in ("type", "name")}
        try:
            if kind in ("conv2d", "linear"):
                args.setdefault("in_channels" if kind == "conv2d" else "in_features", shape[0])
                total += _weights(kind, args)  # counted before any weight exists
                if total > MAX_PARAMETERS:
                    raise ValueError(f"the model would have more than {MAX_PARAMETERS:,} "
                                     f"parameters ({total:,} up to this layer)")
            if kind == "conv2d":
                layer = LAYER_TYPES[kind](**args, rng=rng, init_std=init_std, dtype=dtype)
            elif kind == "linear":
                if len(shape) != 1:
                    raise ValueError(f"a linear layer needs flat input, got shape {shape}; "
                                     "put a flatten layer before it")
                layer = LAYER_TYPES[kind](**args, rng=rng, init_std=init_std, dtype=dtype)
            else:
                layer = LAYER_TYPES[kind](**args)
            shape = layer.output_shape(shape)
            if math.prod(shape) > MAX_ACTIVATION:
                raise ValueError(f"its output {shape} has {math.prod(shape):,} values per "
                                 f"letter; at most {MAX_ACTIVATION:,}")
        except (TypeError, ValueError) as e:
            raise ValueError(f"layer {name}: {e}") from None
        layers.append((name, layer))
    model = Sequential(layers, input_shape)
    if num_classes is not None and model.output_shapes()[layers[-1][0]] != (num_classes,):
        raise ValueError(f"the last layer must give {num_classes} class scores, "
                         f"gives shape {model.output_shapes()[layers[-1][0]]}")
    return model
