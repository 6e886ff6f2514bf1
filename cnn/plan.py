"""What a model runs: its layers as steps, by the reference layers or by the fast engine.

A step has `forward(x) -> y` and `backward(dy, need_dx, need_grads) -> dx`, and keeps what its
backward needs from its latest forward. Without `need_grads` the layers' `grads` stay as they are
(a saliency map needs only dx). A plan has two lists of steps over the same layers: `steps`, what
`forward` runs (the fast engine fuses some layers into one step), and `layerwise`, one step per
layer, what `activations` runs so that every layer's output can be shown.
"""

from dataclasses import dataclass

import numpy as np

from cnn.layers import Layer

ENGINES = ("fast", "reference")
DEFAULT_ENGINE = "fast"


class Plain:
    """One layer run by its own reference code (`cnn/layers.py`)."""

    def __init__(self, layer: Layer):
        self.layer = layer

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.layer.forward(x)

    def backward(self, dy: np.ndarray, need_dx: bool = True,
                 need_grads: bool = True) -> np.ndarray:
        return self.layer.backward(dy) if need_grads else self.layer.input_gradient(dy)

    def __repr__(self) -> str:
        return f"Plain({self.layer!r})"


@dataclass(frozen=True)
class Plan:
    """`steps`: (names joined by '+', step) in order; `layerwise`: one step per layer."""

    engine: str
    steps: list[tuple[str, object]]
    layerwise: list[object]

    def describe(self) -> str:
        """The forward steps, e.g. 'conv1+relu1+pool1, conv2, relu2+pool2, flatten, fc1'."""
        return ", ".join(name for name, _ in self.steps)


def make_plan(engine: str, layers: list[tuple[str, Layer]],
              shapes: dict[str, tuple[int, ...]]) -> Plan:
    """The plan of `engine` ('fast' or 'reference') for named layers whose one-sample output
    shapes are `shapes`."""
    if engine == "reference":
        plain = [Plain(layer) for _, layer in layers]
        return Plan(engine, [(name, s) for (name, _), s in zip(layers, plain, strict=True)],
                    plain)
    if engine == "fast":
        from cnn.fast.plan import fast_plan

        steps, layerwise = fast_plan(layers, shapes)
        return Plan(engine, steps, layerwise)
    raise ValueError(f"unknown engine {engine!r}; choose one of {list(ENGINES)}")
