"""Chapter 10, Initialisation: a layer's weights now against the Gaussian they were drawn from,
and the same network with fresh random weights reading the same drawing."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from cnn import explain
from cnn.data import LETTERS
from cnn.functional import softmax
from gui.colormaps import ACCENT, BAR
from gui.layer_guide import init_std_of
from gui.mosaic import Mosaic
from gui.step_through import shading
from gui.step_through.bars import LetterBars, still_plot
from gui.step_through.base import ChapterView, caption, fill_names, layer_box, readout
from gui.step_through.number_grid import NumberGrid

MAPS_SHOWN = 8
FRESH = (200, 200, 210)  # the fresh copy's histogram outline


def _swatch(colour: tuple[int, int, int], mark: str) -> str:
    """A coloured mark for the key: what a plot item looks like, in text."""
    return f"<span style='color: rgb{colour}; font-weight: bold'>{mark}</span>"


def _fan_in_text(layer) -> str:
    if layer.kind == "conv2d":
        k, c = layer.kernel_size, layer.in_channels
        maps = f"{c} input map{'s' if c != 1 else ''}"
        return f"{maps} × {k} × {k} = {c * k * k} inputs"
    return f"{layer.in_features:,} inputs"


class InitView(ChapterView):
    key = "initialisation"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = layer_box("Which layer's weights to count")
        self.reinit_button = QPushButton("Re-initialise a copy")
        self.reinit_button.setToolTip("Draw fresh random weights into a copy of the network "
                                      "(the app's network is not touched) and read your "
                                      "drawing with it")
        controls = QHBoxLayout()
        for w in (QLabel("Layer"), self.layer_box, self.reinit_button):
            controls.addWidget(w)
        controls.addStretch(1)
        self.plot = still_plot(pg.PlotWidget(enableMenu=False))
        self.plot.setLabel("bottom", "weight")
        self.plot.setLabel("left", "how many")
        self.plot.setToolTip("Bars: the layer's weights now. Yellow curve: how a fresh "
                             "Gaussian draw spreads them")
        # The key sits above the plot, not in it: inside, it covered the bars of a layer whose
        # weights fill the whole width (conv1).
        self.key_line = caption(
            f"{_swatch(BAR, '■')} weights now &nbsp; {_swatch(ACCENT, '━')} the Gaussian "
            f"they started from &nbsp; {_swatch(FRESH, '━')} a fresh copy's weights")
        self.now_bars = pg.BarGraphItem(x=[0], height=[0], width=1, brush=BAR, pen=None)
        self.plot.addItem(self.now_bars)
        # Antialiased (the app's plots are not): a bell a few bins wide reads as steps otherwise.
        self.curve = self.plot.plot([], [], pen=pg.mkPen(ACCENT, width=3), antialias=True)
        self.fresh_curve = self.plot.plot([], [], pen=pg.mkPen(FRESH, width=1.5),
                                          stepMode="center")
        self.stats = readout(lines=3, size=self.font().pointSizeF() + 1)
        left = QVBoxLayout()
        left.addWidget(self.stats)
        left.addWidget(self.key_line)
        left.addWidget(self.plot, 1)

        self.guess_lines = [readout(size=self.font().pointSizeF() + 2, bold=True)
                            for _ in range(2)]
        self.prob_bars = [LetterBars("probabilities", height=110) for _ in range(2)]
        self.maps = [NumberGrid(shading.SIGNED, cell_hint=5) for _ in range(2)]
        self.maps_titles = [caption(muted=True) for _ in range(2)]
        compare = QGridLayout()
        for col, title in enumerate(("trained (the app's network)", "fresh random copy")):
            compare.addWidget(caption(f"<b>{title}</b>"), 0, col)
            compare.addWidget(self.guess_lines[col], 1, col)
            compare.addWidget(self.prob_bars[col], 2, col)
            compare.addWidget(self.maps_titles[col], 3, col)
            compare.addWidget(self.maps[col], 4, col)
        compare.setRowStretch(2, 2)
        compare.setRowStretch(4, 3)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(compare, 1)
        self.body.addLayout(controls)
        self.body.addLayout(row, 1)
        self.histogram: explain.WeightHistogram | None = None
        self.fresh = None  # the re-initialised copy, once asked for
        self._rng = np.random.default_rng()
        self.layer_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.reinit_button.clicked.connect(self.reinitialise)

    def _init_std(self) -> float | None:
        return init_std_of(self.ctx.meta)

    def update_view(self) -> None:
        names = self.ctx.names("conv2d") + self.ctx.names("linear")
        fill_names(self.layer_box, names)
        layer = self.ctx.model.layer(self.layer_box.currentText())
        h = self.histogram = explain.weight_histogram(layer, init_std=self._init_std())
        centres = (h.edges[:-1] + h.edges[1:]) / 2
        self.now_bars.setOpts(x=centres, height=h.counts, width=float(h.edges[1] - h.edges[0]))
        self.curve.setData(*h.curve())
        std = shading.significant(h.std, 4)
        spread = (f"He: σ = √(2 / {h.fan_in}) = {std}" if h.he
                  else f"σ = {std}, as chosen for training")
        self.stats.setText(
            f"{self.layer_box.currentText()}: {h.count:,} weights; each unit has "
            f"{_fan_in_text(layer)}. It started from a Gaussian around 0, {spread}. "
            f"Now: mean {shading.significant(h.mean_now, 3)}, spread "
            f"{shading.significant(h.std_now, 4)}.")
        self._show_fresh_histogram()
        self._show_side(0, self.ctx.model, self.ctx.prediction.probs)
        if self.fresh is None or self.fresh.spec != self.ctx.model.spec:
            # A fresh copy from the start (another one for another architecture), so the
            # comparison is on screen at once; the button draws new weights.
            self.fresh = explain.reinitialised_copy(self.ctx.model, self._rng,
                                                    self._init_std())
            self._show_fresh_histogram()
        self._read_with_fresh()

    def reinitialise(self) -> None:
        """Fresh Gaussian weights into a new copy; the app's model is left alone."""
        if not self.has_layers():
            return
        self.fresh = explain.reinitialised_copy(self.ctx.model, self._rng, self._init_std())
        self._show_fresh_histogram()
        self._read_with_fresh()

    def _show_fresh_histogram(self) -> None:
        if self.fresh is None or self.histogram is None:
            self.fresh_curve.setData([], [])
            return
        w = self.fresh.layer(self.layer_box.currentText()).params["weight"]
        counts, _ = np.histogram(w, self.histogram.edges)
        self.fresh_curve.setData(self.histogram.edges, counts)

    def _read_with_fresh(self) -> None:
        if self.fresh is None:
            self.guess_lines[1].setText("press Re-initialise a copy")
            self.prob_bars[1].set_values(np.zeros(len(LETTERS)))
            self.maps[1].set_values(None)
            self.maps_titles[1].setText("")
            return
        x = self.ctx.image[None, None].astype(self.fresh.dtype)
        acts = self.fresh.activations(x)
        probs = softmax(acts[self.fresh.layers[-1][0]].astype(np.float64))[0]
        self._show_side(1, self.fresh, probs, {k: v[0] for k, v in acts.items()})

    def _show_side(self, side: int, model, probs: np.ndarray, acts=None) -> None:
        acts = self.ctx.activations if acts is None else acts
        order = np.argsort(-probs)[:3]
        self.guess_lines[side].setText("  ".join(f"{LETTERS[i]} {probs[i]:.0%}" for i in order))
        self.prob_bars[side].set_values(probs, highlight=int(order[0]))
        self.prob_bars[side].setYRange(0, 1, padding=0.02)
        conv = explain.layers_of_kind(model, "conv2d")
        if not conv:
            return
        maps = acts[conv[0]][:MAPS_SHOWN].astype(np.float64)
        mosaic = Mosaic(len(maps), maps.shape[1:], min(len(maps), 4))
        self.maps[side].set_values(mosaic.fill(maps, background=np.nan),
                                   hidden=mosaic.gap_mask)
        self.maps_titles[side].setText(f"{conv[0]}: its first {len(maps)} feature maps")
