"""Where the weights started: the Gaussian they were drawn from, against what they are now,
and the same network with fresh random weights."""

import math
from dataclasses import dataclass

import numpy as np

from cnn.layers import Layer
from cnn.model import Sequential, build_model


@dataclass(frozen=True)
class WeightHistogram:
    """A layer's weights now, counted in bins, against the Gaussian they were drawn from."""

    fan_in: int  # inputs per unit: in_channels × k × k, or in_features
    std: float  # the starting Gaussian's spread: He's √(2 / fan_in) unless another was chosen
    he: bool  # True when `std` is He's
    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,) weights in each bin now
    expected: np.ndarray  # (bins,) how many a fresh draw would put there, on average
    mean_now: float
    std_now: float

    @property
    def count(self) -> int:
        return int(self.counts.sum())

    def curve(self, per_std: int = 12) -> tuple[np.ndarray, np.ndarray]:
        """The Gaussian as a smooth line over the bars: x (n,) from edge to edge, every
        σ / `per_std`, and y (n,) how many a fresh draw puts in a bin's width centred on x
        (`expected` at the bins' centres). One point per bin would not do: a trained layer's
        weights can reach far beyond 4σ, leaving the bell only a few bins wide."""
        reach = float(self.edges[-1])
        n = int(np.clip(np.ceil(2 * reach / self.std * per_std), 200, 20000)) + 1
        x = np.linspace(-reach, reach, n)
        half = (self.edges[1] - self.edges[0]) / 2
        y = self.count * (_gaussian_cdf(x + half, self.std) - _gaussian_cdf(x - half, self.std))
        return x, y


def _gaussian_cdf(x: np.ndarray, std: float) -> np.ndarray:
    """P(w < x) for w drawn from a Gaussian around 0 with spread `std`."""
    return np.array([0.5 * (1.0 + math.erf(v / (std * math.sqrt(2.0)))) for v in x])


def weight_histogram(layer: Layer, bins: int = 60, init_std: float | None = None,
                     ) -> WeightHistogram:
    """Histogram of `layer`'s weights and the Gaussian N(0, std²) they started from, std from
    `init_std` if the model was built with one, else He's √(2 / fan_in)."""
    w = np.asarray(layer.params["weight"], np.float64)
    fan_in = int(w[0].size)  # Conv2d (out, in, k, k): in·k·k; Linear (out, in): in
    std = math.sqrt(2.0 / fan_in) if init_std is None else float(init_std)
    reach = max(4.0 * std, float(np.abs(w).max()))
    edges = np.linspace(-reach, reach, bins + 1)
    counts, _ = np.histogram(w, edges)
    expected = w.size * np.diff(_gaussian_cdf(edges, std))
    return WeightHistogram(fan_in, std, init_std is None, edges, counts, expected,
                           float(w.mean()), float(w.std()))


def reinitialised_copy(model: Sequential, rng: np.random.Generator | None = None,
                       init_std: float | None = None) -> Sequential:
    """A new model of the same architecture with fresh Gaussian weights (`model` untouched)."""
    return build_model([dict(entry) for entry in model.spec], rng, init_std=init_std,
                       dtype=model.dtype, input_shape=model.input_shape, num_classes=None)
