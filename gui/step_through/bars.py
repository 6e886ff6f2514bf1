"""Bars over the 26 letters: scores, probabilities, gradients; one or two series."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from cnn.data import LETTERS
from gui.class_labels import keep_labels_apart, stack_labels
from gui.colormaps import ACCENT, BACKGROUND, BAR, MUTED
from gui.step_through.shading import NEGATIVE, POSITIVE, significant


def still_plot(widget: pg.PlotWidget) -> pg.PlotWidget:
    """A plot on the theme's background that the mouse does not pan, zoom or open menus on
    (give it a widget made with `enableMenu=False`: pyqtgraph then never builds the menus),
    and that Tab passes by: no key does anything on it, and its focus showed nowhere."""
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setBackground(BACKGROUND)
    widget.setMouseEnabled(False, False)
    widget.hideButtons()
    widget.setMenuEnabled(False)
    return widget


class LetterBars(pg.PlotWidget):
    """`set_values(v, highlight=i, written=j)`; signed bars are red above zero and blue below;
    `set_pair(before, after)` shows two series side by side (grey, then yellow). A `fixed`
    (low, high) scale keeps bars comparable from one update to the next (else it fits them)."""

    def __init__(self, title: str = "", signed: bool = False, height: int = 150,
                 fixed: tuple[float, float] | None = None, parent=None):
        super().__init__(parent, enableMenu=False)
        self.signed = signed
        self.fixed = fixed
        still_plot(self)
        self.setMinimumHeight(height)
        stack_labels(self.getAxis("bottom"))  # A over a, as on the Draw tab
        keep_labels_apart(self)  # a narrow chart: smaller letters rather than touching ones
        self.getAxis("left").setWidth(44)
        if title:
            self.setTitle(title, size="9pt", color=MUTED)
        x = np.arange(len(LETTERS), dtype=float)
        self._one = pg.BarGraphItem(x=x, height=np.zeros(len(LETTERS)), width=0.7,
                                    brush=BAR, pen=None)
        self._before = pg.BarGraphItem(x=x - 0.2, height=np.zeros(len(LETTERS)), width=0.38,
                                       brush=(130, 130, 140), pen=None)
        self._after = pg.BarGraphItem(x=x + 0.2, height=np.zeros(len(LETTERS)), width=0.38,
                                      brush=ACCENT, pen=None)
        for item in (self._one, self._before, self._after):
            self.addItem(item)
        self.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(MUTED, width=1)))
        if fixed is not None:  # ticks at the ends and halves, which fit the axis's width
            lo, hi = fixed
            self.getAxis("left").setTicks([[(v, f"{v:g}".replace("-", "−")) for v in
                                            (lo, lo / 2, 0.0, hi / 2, hi)]])
        self.value_text = pg.TextItem(color=ACCENT, anchor=(0, 0.5))
        self.value_text.setVisible(False)
        self.addItem(self.value_text)
        self.values: np.ndarray | None = None

    def set_values(self, values: np.ndarray, highlight: int | None = None,
                   written: int | None = None) -> None:
        """Bars for `values` (26,); `written`: the letter whose value is written beside its
        bar (a bar too small to see on a fixed scale still reads)."""
        values = np.asarray(values, float)
        self.values = values
        self.value_text.setVisible(written is not None)
        if written is not None:
            v = float(values[written])
            self.value_text.setText(significant(v, 3))
            self.value_text.setAnchor((0, 1) if v >= 0 else (0, 0))
            self.value_text.setPos(written + 0.4, v)
        if self.signed:
            brushes = [pg.mkBrush(*(POSITIVE if v >= 0 else NEGATIVE).astype(int))
                       for v in values]
        else:
            brushes = [pg.mkBrush(*BAR)] * len(values)
        if highlight is not None:
            brushes[highlight] = pg.mkBrush(*ACCENT)
        self._one.setOpts(height=values, brushes=brushes)
        self._one.setVisible(True)
        self._before.setVisible(False)
        self._after.setVisible(False)
        self._fit(values)

    def set_pair(self, before: np.ndarray, after: np.ndarray) -> None:
        self.values = np.asarray(after, float)
        self._before.setOpts(height=np.asarray(before, float))
        self._after.setOpts(height=self.values)
        self._one.setVisible(False)
        self._before.setVisible(True)
        self._after.setVisible(True)
        self._fit(np.concatenate([before, after]))

    def _fit(self, values: np.ndarray) -> None:
        if self.fixed is not None:
            self.setYRange(*self.fixed, padding=0.08)
            self.setXRange(-0.6, len(LETTERS) - 0.4, padding=0)
            return
        lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
        if hi - lo < 1e-9:
            hi = lo + 1.0
        self.setYRange(lo, hi, padding=0.08)
        self.setXRange(-0.6, len(LETTERS) - 0.4, padding=0)
