"""Chapter 8, Cross-entropy loss: −ln p(true letter), and how it grows as p falls."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from cnn import explain
from cnn.data import LETTERS
from gui.colormaps import ACCENT, BAR
from gui.step_through import shading
from gui.step_through.bars import LetterBars, still_plot
from gui.step_through.base import ChapterView, caption, letter_box, readout

EXAMPLES = (0.99, 0.9, 0.5, 0.1, 0.01)
LOWEST = 0.005  # where the curve starts when the true letter's p is above it
TOP = 5.5  # the loss axis, at least: it covers the curve from LOWEST


class LossView(ChapterView):
    key = "loss"

    def __init__(self, truth, parent=None):
        super().__init__(parent)
        self.truth = truth  # the tab's choice of the true letter, shared with backpropagation
        self.letter_box = letter_box("The letter you meant: the loss measures how much "
                                     "probability the network gave it (its guess unless you "
                                     "choose)")
        self.guess_button = QPushButton("Use the guess")
        self.guess_button.setToolTip("Take the network's guess as the true letter again")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("True letter"))
        controls.addWidget(self.letter_box)
        controls.addWidget(self.guess_button)
        self.guess_note = caption(muted=True)
        controls.addWidget(self.guess_note, 1)
        self.equation = readout(size=self.font().pointSizeF() + 8, bold=True)
        self.plot = still_plot(pg.PlotWidget(enableMenu=False))
        self.plot.setLabel("bottom", "p(true letter)")
        self.plot.setLabel("left", "loss = −ln p")
        self.plot.setToolTip("The loss for every probability the true letter could get")
        self.curve = self.plot.plot(*explain.loss_curve(lowest=LOWEST),
                                    pen=pg.mkPen(BAR, width=3))
        self._lowest = LOWEST
        self.marker = pg.ScatterPlotItem(size=16, brush=pg.mkBrush(*ACCENT), pen=None)
        self.drop = pg.InfiniteLine(angle=90, pen=pg.mkPen(ACCENT, width=1,
                                                           style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.marker)
        self.plot.addItem(self.drop)
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(0, TOP, padding=0.02)
        table = "".join(f"<tr><td>p = {q:g}&nbsp;&nbsp;</td><td>loss {-np.log(q):.3f}</td></tr>"
                        for q in EXAMPLES)
        self.examples = caption(f"<table>{table}</table>")
        self.examples.setToolTip("The loss for a few probabilities of the true letter")
        self.bars = LetterBars("probabilities; the true letter in yellow")
        side = QVBoxLayout()
        side.addWidget(caption("for example:", muted=True))
        side.addWidget(self.examples)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.plot, 3)
        row.addLayout(side, 1)
        self.body.addLayout(controls)
        self.body.addWidget(self.equation)
        self.body.addLayout(row, 2)
        self.body.addWidget(self.bars, 1)
        self.loss = float("nan")
        self.letter_box.activated.connect(self._on_letter_box_activated)
        self.guess_button.clicked.connect(lambda: self.truth.choose(None))
        truth.changed.connect(self._on_truth_changed)

    def update_view(self) -> None:
        probs = self.ctx.prediction.probs
        true = self.truth.index(probs)
        self.letter_box.setCurrentIndex(true)
        guess = int(np.argmax(probs))
        self.guess_note.setText(f"the network's guess: {LETTERS[guess]}")
        self.guess_button.setEnabled(self.truth.chosen is not None)
        p = float(probs[true])
        self.loss = explain.cross_entropy(probs, true)
        loss_text = f"{self.loss:.4f}"
        p_text = shading.holding(
            p, lambda t: f"{-np.log(shading.value_of(t)):.4f}" == loss_text, fewest=4)
        self.equation.setText(f"loss = −ln p({LETTERS[true]}) = −ln {p_text} = {loss_text}")
        self._cover(p, self.loss)
        self.marker.setData([p], [self.loss])
        self.drop.setPos(p)
        self.bars.set_values(probs, highlight=true)
        self.bars.setYRange(0, 1, padding=0.02)

    def _cover(self, p: float, loss: float) -> None:
        """Extend the curve down to p and the axis up to the loss, so the dot sits on the
        curve at its true height however unlikely the true letter is."""
        lowest = min(LOWEST, p)
        if lowest != self._lowest:
            self._lowest = lowest
            self.curve.setData(*explain.loss_curve(lowest=lowest))
        self.plot.setYRange(0, max(TOP, loss * 1.05), padding=0.02)

    def _on_letter_box_activated(self, index: int) -> None:
        self.truth.choose(index)

    def _on_truth_changed(self) -> None:
        self.stale = True
        if self.isVisible():
            self.refresh()

