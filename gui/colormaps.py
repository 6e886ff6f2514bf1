"""Colours: pyqtgraph's options (set once, at start-up), the theme's colours, and colour maps
applied in NumPy.

Maps are 256-entry RGBA tables applied here, so each panel uploads one ready RGBA image.
"""

import numpy as np
import pyqtgraph as pg

BACKGROUND = (30, 31, 36)  # the panels' background, also the gap between mosaic tiles
FOREGROUND = (205, 208, 214)
MUTED = (130, 134, 145)
ACCENT = (255, 196, 61)  # highlights: the top bar, the hovered pixel, the receptive field
BAR = (86, 140, 214)


def configure_pyqtgraph() -> None:
    """pyqtgraph's global options, set once at start-up before any plot is made (main, the
    tests' conftest, the benchmarks). NumPy images are (rows, columns): no transposes anywhere."""
    pg.setConfigOptions(imageAxisOrder="row-major", background=BACKGROUND,
                        foreground=FOREGROUND, antialias=False)
    if pg.AxisItem.tickStrings is not _true_minus_ticks:
        global _plain_ticks
        _plain_ticks = pg.AxisItem.tickStrings
        pg.AxisItem.tickStrings = _true_minus_ticks


_plain_ticks = None  # pyqtgraph's own tickStrings, which configure_pyqtgraph wraps


def true_minus(text: str) -> str:
    """A number's text with a true minus sign ('−0.5', not '-0.5'), as every number LetterLens
    shows has; an exponent keeps its hyphen ('−1e-05')."""
    return "−" + text[1:] if text.startswith("-") else text


def span_text(lo: float, hi: float) -> str:
    """A colour scale's range, '−6.9 … 2'."""
    return f"{true_minus(f'{lo:.2g}')} … {true_minus(f'{hi:.2g}')}"


def _true_minus_ticks(axis, values, scale, spacing) -> list[str]:
    """pyqtgraph's tick labels, each with a true minus sign."""
    return [true_minus(t) for t in _plain_ticks(axis, values, scale, spacing)]


def _table(name: str) -> np.ndarray:
    return np.ascontiguousarray(pg.colormap.get(name).getLookupTable(nPts=256, alpha=True))


VIRIDIS = _table("viridis")  # activations: one map for every layer
DIVERGING = _table("CET-D1")  # signed weights, white at zero
HEAT = _table("inferno")  # saliency


def apply(table: np.ndarray, values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """values (...) in [0, 1] (no NaN) -> RGBA uint8 (..., 4) through a 256-entry table."""
    idx = np.clip(values, 0.0, 1.0)
    idx *= 255.0
    return np.take(table, idx.astype(np.uint8), axis=0, out=out)


def normalise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] to [0, 1]; a constant array maps to 0."""
    span = hi - lo
    if not span > 1e-12:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - lo) * (1.0 / span)).astype(np.float32, copy=False)


def symmetric(values: np.ndarray) -> np.ndarray:
    """Signed values -> [0, 1] with zero at 0.5, scaled by the largest magnitude."""
    m = float(np.abs(values).max()) if values.size else 0.0
    return normalise(values, -m, m) if m > 0 else np.full(values.shape, 0.5, np.float32)
