"""Chapter 9, Backpropagation: one gradient step on this drawing, on a copy of the network;
the app's network changes only on "Keep this step"."""

from decimal import Decimal

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from cnn import explain
from cnn.data import LETTERS
from gui.step_through import shading
from gui.step_through.bars import LetterBars
from gui.step_through.base import (
    ChapterView,
    caption,
    fill_names,
    layer_box,
    letter_box,
    readout,
)
from gui.step_through.number_grid import NumberGrid

RATES = ["0.001", "0.003", "0.01", "0.03", "0.1"]
DEFAULT_RATE = "0.01"


class BackpropView(ChapterView):
    key = "backpropagation"
    needs = "conv2d"

    keep_requested = Signal(object)  # the BackpropStep to keep

    def __init__(self, truth, parent=None):
        super().__init__(parent)
        self.truth = truth
        self.letter_box = letter_box("The right answer for this drawing: the step makes the "
                                     "network a little more sure of it")
        self.guess_button = QPushButton("Use the guess")
        self.guess_button.setToolTip("Take the network's guess as the true letter again")
        self.rate_box = QComboBox()
        self.rate_box.addItems(RATES)
        self.rate_box.setCurrentText(DEFAULT_RATE)
        self.rate_box.setToolTip("Learning rate: how far each weight moves against its "
                                 "gradient in this one step")
        self.layer_box = layer_box("Which convolution's kernel to show before and after")
        self.filter_box = QSpinBox()
        self.filter_box.setPrefix("filter ")
        self.filter_box.setToolTip("Which filter's kernel to show (at first, the one the step "
                                   "changes most)")
        self.channel_box = QSpinBox()
        self.channel_box.setPrefix("input map ")
        self.channel_box.setToolTip("Which input map's slice of the kernel to show")
        self.keep_button = QPushButton("Keep this step")
        self.keep_button.setToolTip("Give the app's network this step, the way \"Teach this "
                                    "letter\" does (it becomes an unsaved model)")
        controls = QHBoxLayout()
        for w in (QLabel("True letter"), self.letter_box, self.guess_button,
                  QLabel("  Learning rate"), self.rate_box, QLabel("  Kernel of"),
                  self.layer_box, self.filter_box, self.channel_box):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.keep_button)

        size = self.font().pointSizeF()
        self.score_line = readout(lines=2, size=size + 1)
        # On p − target's own scale, −1 to 1: a step's gradients shrink as the network gets the
        # letter right, and a fitted scale would draw −0.0008 as tall as −1 was.
        # 120 pixels high, not 150: the page fits the smallest window (1024×600), where the
        # line under the charts was drawn over their letters.
        self.score_bars = LetterBars("∂loss/∂score = p − target, for each letter", signed=True,
                                     fixed=(-1.0, 1.0), height=120)
        # A small hint: their row's wanted height counts as its least in this page's layout,
        # and 44-pixel cells left the smallest window no room for the charts above.
        self.kernels = [NumberGrid(shading.SIGNED, cell_hint=20, max_font_px=15)
                        for _ in range(4)]
        tips = ("The kernel's weights before the step",
                "∂loss/∂weight: how the loss changes as each weight grows",
                "The change: −learning rate × ∂loss/∂weight",
                "The kernel's weights after the step")
        self.kernel_titles = [caption(muted=True) for _ in range(4)]
        grid = QGridLayout()
        for col, (w, title, tip) in enumerate(zip(self.kernels, self.kernel_titles, tips,
                                                  strict=True)):
            w.setToolTip(tip)
            grid.addWidget(title, 0, col)
            grid.addWidget(w, 1, col)
        grid.setRowStretch(1, 1)
        self.result_line = readout(size=size + 4, bold=True)
        self.prob_bars = LetterBars("probabilities before (grey) and after (yellow) the step",
                                    height=120)
        self.status = readout(lines=2)
        bars = QHBoxLayout()
        bars.addWidget(self.score_bars, 1)
        bars.addWidget(self.prob_bars, 1)
        self.body.addLayout(controls)
        self.body.addWidget(self.score_line)
        self.body.addLayout(bars, 2)
        self.body.addWidget(self.result_line)
        self.body.addLayout(grid, 3)
        self.body.addWidget(self.status)
        self.step: explain.BackpropStep | None = None
        self._filter_chosen = False
        self.letter_box.activated.connect(self.truth.choose)
        self.guess_button.clicked.connect(lambda: self.truth.choose(None))
        truth.changed.connect(self._on_settings_changed)
        self.rate_box.currentIndexChanged.connect(self._on_settings_changed)
        self.layer_box.currentIndexChanged.connect(self._on_layer_changed)
        self.filter_box.valueChanged.connect(self._on_filter_changed)
        self.channel_box.valueChanged.connect(lambda _: self._show_kernel())
        self.keep_button.clicked.connect(self._on_keep_clicked)

    def update_view(self) -> None:
        fill_names(self.layer_box, self.ctx.names("conv2d"))
        probs = self.ctx.prediction.probs
        true = self.truth.index(probs)
        self.letter_box.setCurrentIndex(true)
        self.guess_button.setEnabled(self.truth.chosen is not None)
        step = self.step = explain.backprop_step(self.ctx.model, self.ctx.image, true,
                                                 float(self.rate_box.currentText()),
                                                 self.layer_box.currentText() or None)
        g = step.score_grads
        self.score_bars.set_values(g, highlight=None, written=true)
        letter = LETTERS[true]
        self.keep_button.setText(f"Keep this step: teach {letter}")
        self.keep_button.setToolTip(
            f"Give the app's network this step towards {self.truth.describe(probs)}, the way "
            "\"Teach this letter\" does (it becomes an unsaved model)")
        p_text = shading.significant(float(step.probs_before[true]), 4)
        # p − 1 in decimals, from the p shown: the difference checks out digit for digit
        g_text = format(Decimal(p_text.replace("−", "-")) - 1, "f").replace("-", "−")
        self.score_line.setText(
            f"{letter}: p − 1 = {p_text} − 1 = {g_text}, negative, so "
            f"the step pushes its score up; every other letter's is its p (positive), pushed "
            f"down. The chain rule carries these back through every layer to every weight.")
        # Decimals enough to show that the step changed the loss (a sure letter's moves in the
        # fourth or fifth: "0.005 → 0.005" read as if nothing had happened), three at least.
        places = next((d for d in range(3, 8)
                       if f"{step.loss_before:.{d}f}" != f"{step.loss_after:.{d}f}"), 3)
        losses = f"{step.loss_before:.{places}f}", f"{step.loss_after:.{places}f}"
        before, after = (
            shading.holding(float(p), lambda t, shown=shown:
                            f"{-np.log(shading.value_of(t)):.{places}f}" == shown)
            for p, shown in zip((step.probs_before[true], step.probs_after[true]), losses,
                                strict=True))
        self.result_line.setText(
            f"p({letter}) {before} → {after};  loss = −ln p: {losses[0]} → {losses[1]}")
        self.prob_bars.set_pair(step.probs_before, step.probs_after)
        self.prob_bars.setYRange(0, 1, padding=0.02)
        conv = self.ctx.model.layer(step.layer)
        for box, top in ((self.filter_box, conv.out_channels - 1),
                         (self.channel_box, conv.in_channels - 1)):
            box.blockSignals(True)
            box.setMaximum(top)
            box.blockSignals(False)
        self.channel_box.setVisible(conv.in_channels > 1)
        if not self._filter_chosen:
            self.filter_box.blockSignals(True)
            self.filter_box.setValue(int(np.argmax(np.abs(step.kernel_grads).sum(axis=(1, 2, 3)))))
            self.filter_box.blockSignals(False)
        self._show_kernel()

    def _show_kernel(self) -> None:
        step = self.step
        if step is None:
            return
        f, c = self.filter_box.value(), min(self.channel_box.value(),
                                            step.kernels_before.shape[1] - 1)
        parts = (step.kernels_before[f, c], step.kernel_grads[f, c], step.kernel_deltas[f, c],
                 step.kernels_after[f, c])
        span = shading.span_of(step.kernels_before[f, c])
        for grid, values, same, places in zip(self.kernels, parts, (True, False, False, True),
                                              _decimals(parts), strict=True):
            grid.decimals = places
            grid.set_values(values, span=span if same else None)
        where = f"{step.layer} filter {f}" + (f", input map {c}" if step.kernels_before.shape[1]
                                              > 1 else "")
        titles = (f"{where}: before", "∂loss/∂weight",
                  f"ΔW = −{step.lr:g} × ∂loss/∂weight", "after = before + ΔW")
        for label, text in zip(self.kernel_titles, titles, strict=True):
            label.setText(text)

    def open_at(self, **_) -> None:
        self.refresh()

    def _on_settings_changed(self, *_) -> None:
        self.say("")  # a new step: what was said about the last one no longer applies
        self.stale = True
        if self.isVisible():
            self.refresh()

    def _on_layer_changed(self, _index: int) -> None:
        self._filter_chosen = False
        self._on_settings_changed()

    def _on_filter_changed(self, _value: int) -> None:
        self._filter_chosen = True
        self._show_kernel()

    def _on_keep_clicked(self) -> None:
        if self.step is not None:
            self.keep_requested.emit(self.step)

    def say(self, text: str) -> None:
        self.status.setText(text)


def _decimals(parts) -> tuple[int, int, int, int]:
    """Decimals for the before, gradient, ΔW and after grids: before and after in enough that
    the kernel's largest change shows (a weight moving by 0.0004 read 0.335 before and after),
    the gradient and ΔW in one more than their largest number's first digit needs."""
    def first_digit(values) -> int:  # 2 for 0.04, 4 for 0.0004
        top = float(np.abs(values).max())
        return int(np.ceil(-np.log10(top))) if top > 0 and np.isfinite(top) else 1

    kept = int(np.clip(first_digit(parts[2]), 3, 6))
    grads, deltas = (int(np.clip(first_digit(v) + 1, 4, 7)) for v in parts[1:3])
    return kept, grads, deltas, kept

