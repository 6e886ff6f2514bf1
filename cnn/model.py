"""Models built from a JSON-serialisable architecture spec or a preset name (see `Sequential`)."""

import inspect
import math

import numpy as np

from cnn.layers import LAYER_TYPES, Conv2d
from cnn.plan import DEFAULT_ENGINE
from cnn.sequential import INPUT_SHAPE, Sequential

__all__ = ["INPUT_SHAPE", "NUM_CLASSES", "PRESETS", "Sequential", "build_model", "conv_net_spec"]
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
                num_classes: int | None = NUM_CLASSES, engine: str = DEFAULT_ENGINE) -> Sequential:
    """A fresh model from a preset name or a spec; Gaussian weights (He, or `init_std`),
    run by `engine` ('fast' or 'reference', see `Sequential`)."""
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
    model = Sequential(layers, input_shape, engine)
    if num_classes is not None and model.output_shapes()[layers[-1][0]] != (num_classes,):
        raise ValueError(f"the last layer must give {num_classes} class scores, "
                         f"gives shape {model.output_shapes()[layers[-1][0]]}")
    return model
