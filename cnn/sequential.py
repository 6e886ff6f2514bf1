"""A model: named layers applied in order, run by the fast engine or the reference layers."""

import copy

import numpy as np

from cnn.layers import Layer
from cnn.plan import DEFAULT_ENGINE, Plan, make_plan

INPUT_SHAPE = (1, 28, 28)


class Sequential:
    """Named layers applied in order: x (N, 1, 28, 28) float -> logits (N, 26).

    `engine` says which code runs them: 'fast' (`cnn/fast/`, the default) or 'reference'
    (`cnn/layers.py`, each layer alone). Both read the same parameter arrays; `plan` lists
    the steps `forward` runs.
    """

    def __init__(self, named_layers: list[tuple[str, Layer]], input_shape=INPUT_SHAPE,
                 engine: str = DEFAULT_ENGINE):
        names = [n for n, _ in named_layers]
        if len(set(names)) != len(names):
            raise ValueError(f"layer names must be unique, got {names}")
        self.layers = list(named_layers)
        self.input_shape = tuple(input_shape)
        shape = self.input_shape
        self._shapes = {}
        for name, layer in self.layers:
            try:
                shape = layer.output_shape(shape)
            except ValueError as e:
                raise ValueError(f"layer {name}: {e}") from None
            self._shapes[name] = shape
        self.plan: Plan = make_plan(engine, self.layers, self._shapes)
        self._tape: list | None = None  # the steps of the latest complete forward pass

    def set_engine(self, engine: str) -> "Sequential":
        """Run on `engine` ('fast' or 'reference') from now on; the weights stay."""
        self.plan = make_plan(engine, self.layers, self._shapes)
        self._tape = None
        return self

    @property
    def engine(self) -> str:
        return self.plan.engine

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
        """An independent model with the same architecture, weights and engine."""
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

    def _run(self, steps: list, x: np.ndarray) -> list[np.ndarray]:
        """Every step's output in order; records the steps for `backward` once all have run."""
        x = self._check_input(x)
        self._tape = None  # a pass that stops half-way leaves nothing to go back through
        outputs = []
        for step in steps:
            x = step.forward(x)
            outputs.append(x)
        self._tape = steps
        return outputs

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (N, classes) for a batch x (N, 1, 28, 28), by the plan's steps."""
        return self._run([step for _, step in self.plan.steps], x)[-1]

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for x (N, 1, 28, 28), in order, keyed by layer name (each layer
        runs alone, on the model's engine)."""
        outputs = self._run(self.plan.layerwise, x)
        return {name: y for (name, _), y in zip(self.layers, outputs, strict=True)}

    def backward(self, dlogits: np.ndarray, need_input_grad: bool = False,
                 need_param_grads: bool = True) -> np.ndarray | None:
        """Gradients of every parameter from dlogits (N, classes); returns dx if asked for.
        Without `need_param_grads` only dx is computed and the parameters' `grads` stay as they
        were (a saliency map: the weight gradients of a wide linear layer cost more than it).

        Goes back through the steps of the latest `forward` (fused) or `activations` (layer by
        layer) call, each holding what that call left it; none before is an error.
        """
        if self._tape is None:
            raise RuntimeError("backward() needs a complete forward() or activations() first")
        d = dlogits
        for i in range(len(self._tape) - 1, -1, -1):
            d = self._tape[i].backward(d, need_dx=i > 0 or need_input_grad,
                                       need_grads=need_param_grads)
        return d

    def input_gradient(self, x: np.ndarray, class_index: int) -> np.ndarray:
        """d(logit of class_index) / dx for x (N, 1, 28, 28): the saliency map, shape of x."""
        if not 0 <= int(class_index) < self.num_classes:
            raise ValueError(f"class index {class_index} is outside 0..{self.num_classes - 1}")
        logits = self.forward(x)
        d = np.zeros_like(logits)
        d[:, int(class_index)] = 1.0
        return np.ascontiguousarray(self.backward(d, need_input_grad=True,
                                                  need_param_grads=False))

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
            raise ValueError(f"the weights do not match the network: missing {missing}, "
                             f"unexpected {extra}")
        for k, p in params.items():
            v = np.asarray(state[k])
            if v.shape != p.shape:
                raise ValueError(f"{k}: the network needs shape {p.shape}, the weights given "
                                 f"have {v.shape}")
            if not np.issubdtype(v.dtype, np.floating):
                raise ValueError(f"{k}: expected floating-point values, got dtype {v.dtype}")
            if not np.isfinite(v).all():
                raise ValueError(f"{k}: contains NaN or infinite values")
        for k, p in params.items():
            p[...] = state[k]

    def __repr__(self) -> str:
        lines = [f"  ({name}): {layer!r}  -> {self._shapes[name]}" for name, layer in self.layers]
        return (f"Sequential(engine={self.engine!r}, plan: {self.plan.describe()}\n"
                + "\n".join(lines) + "\n)")
