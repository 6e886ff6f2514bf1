"""A fully connected unit's sum, the softmax table, and the cross-entropy loss, by hand."""

from dataclasses import dataclass

import numpy as np

from cnn.layers import Linear


@dataclass(frozen=True)
class DenseUnit:
    """One output unit of a fully connected layer: input × weight for every input, summed,
    plus the bias."""

    unit: int
    inputs: np.ndarray  # (F,) what the layer read
    weights: np.ndarray  # (F,) this unit's row of the weight matrix
    bias: float

    @property
    def contributions(self) -> np.ndarray:
        """(F,) input × weight, one per input."""
        return self.inputs * self.weights

    @property
    def weighted_sum(self) -> float:
        return float(self.contributions.sum())

    @property
    def total(self) -> float:
        """The unit's output (its score, in the last layer): the sum plus the bias."""
        return self.weighted_sum + self.bias

    def largest(self, n: int = 10) -> np.ndarray:
        """Indices of the n contributions largest in size (positive or negative), largest
        first."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")
        return order[:n]


def dense_unit(layer: Linear, x: np.ndarray, unit: int) -> DenseUnit:
    """Unit `unit` of `layer` for the input x (F,) the layer read, in float64."""
    if not 0 <= unit < layer.out_features:
        raise ValueError(f"no unit {unit}: the layer has {layer.out_features}")
    return DenseUnit(int(unit), np.asarray(x, np.float64).reshape(-1),
                     layer.params["weight"][unit].astype(np.float64),
                     float(layer.params["bias"][unit]))


# e to a power past ±50 is too large or too small to read in a table: then every score is
# lowered by the largest one first, which leaves the probabilities exactly as they were.
_READABLE_POWER = 50.0


@dataclass(frozen=True)
class SoftmaxTable:
    """Scores → e^score → ÷ total → probabilities that add up to 1."""

    scores: np.ndarray  # (C,) raw scores
    shift: float  # subtracted from every score before e^ (0 unless they are huge)
    exps: np.ndarray  # (C,) e^(score − shift)

    @property
    def total(self) -> float:
        return float(self.exps.sum())

    @property
    def probs(self) -> np.ndarray:
        """(C,) e^score ÷ total: each between 0 and 1, together exactly 1."""
        return self.exps / self.total


def softmax_table(scores: np.ndarray) -> SoftmaxTable:
    """The softmax of scores (C,) worked out step by step, in float64."""
    scores = np.asarray(scores, np.float64).reshape(-1)
    top = float(scores.max())
    shift = 0.0 if -_READABLE_POWER <= top <= _READABLE_POWER else top
    return SoftmaxTable(scores, shift, np.exp(scores - shift))


def cross_entropy(probs: np.ndarray, true: int) -> float:
    """The loss for one drawing whose right answer is class `true`: −ln p(true)."""
    p = float(np.asarray(probs, np.float64)[int(true)])
    return float(-np.log(max(p, np.finfo(np.float64).tiny)))


def loss_curve(points: int = 200, lowest: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    """(p, −ln p) for p from `lowest` to 1: how the loss grows as p(true) falls. Evenly spaced,
    plus geometrically near 0, where the curve is steep (a `lowest` of 1e-4 still draws it)."""
    lowest = max(float(lowest), np.finfo(np.float64).tiny)
    p = np.union1d(np.linspace(lowest, 1.0, points), np.geomspace(lowest, 1.0, points))
    return p, -np.log(p)
