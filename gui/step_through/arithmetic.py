"""One convolution stop written out: patch × kernel = products, their sum, the running sum over
input maps, plus the bias, = the output value."""

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from cnn.explain import ConvStop
from gui.step_through import shading
from gui.step_through.base import caption, readout
from gui.step_through.number_grid import Mark, NumberGrid

CHANNELS_PER_ROW = 16


def _term(value: float) -> str:
    """A factor of the written-out sum: negatives in brackets."""
    text = shading.number(float(value), 2)
    return f"({text})" if value < 0 else text


def _operator(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() + 8)
    font.setBold(True)
    label.setFont(font)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class StopArithmetic(QWidget):
    """`show_stop(stop, channel, first_layer)`; `channel_clicked(c)` picks an input map."""

    channel_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        big = dict(cell_hint=46, max_font_px=20)
        self.patch = NumberGrid(shading.INK, **big)
        self.patch.setToolTip("The numbers under the window (0 on the padding)")
        self.kernel = NumberGrid(shading.SIGNED, **big)
        self.kernel.setToolTip("The filter's weights for this input map")
        self.products = NumberGrid(shading.SIGNED, **big)
        self.products.setToolTip("Each number under the window × the weight above it")
        self.grids = (self.patch, self.kernel, self.products)
        for grid in self.grids:
            grid.widest = "−0.00"  # one font size for the three
        self._grid_rows = grids = QGridLayout()
        grids.setHorizontalSpacing(4)
        grids.setVerticalSpacing(2)
        grids.setContentsMargins(0, 0, 0, 0)
        self.titles = [caption("patch", muted=True), caption("kernel", muted=True),
                       caption("products", muted=True)]
        self._operators = [_operator("×"), _operator("=")]
        for col, (title, grid) in enumerate(zip(self.titles, self.grids, strict=True)):
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grids.addWidget(title, 0, 2 * col)
            grids.addWidget(grid, 1, 2 * col, Qt.AlignmentFlag.AlignCenter)
            grids.setColumnStretch(2 * col, 1)
        grids.addWidget(self._operators[0], 1, 1)
        grids.addWidget(self._operators[1], 1, 3)

        size = self.font().pointSizeF()
        self.terms_line = readout(lines=3)
        self.terms_line.setToolTip("The sum written out: each number under the window × its "
                                   "weight")
        self.sum_line = readout(size=size + 3)
        self.channel_line = readout(lines=2)
        self.channels = NumberGrid(shading.SIGNED, cell_hint=22, max_font_px=11)
        self.channels.setToolTip("The sum of the products for each input map; click one to "
                                 "see its patch and kernel")
        self.channels.setMaximumHeight(120)
        self.channels_title = caption("sum for each input map (click one)", muted=True)
        self.total_line = readout(lines=2, size=size + 5, bold=True)
        self.where_line = readout(lines=3)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addStretch(1)  # centred: on a large screen the stop sits between the two maps
        v.addLayout(grids)
        v.addWidget(self.terms_line)
        v.addWidget(self.sum_line)
        v.addWidget(self.channel_line)
        v.addWidget(self.channels_title)
        v.addWidget(self.channels, 1)
        v.addWidget(self.total_line)
        v.addWidget(self.where_line)
        v.addStretch(1)
        self.channels.cell_clicked.connect(self._on_channels_cell_clicked)
        self.channels.describe = self._describe_channel
        self._stop: ConvStop | None = None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_grids()

    def _fit_grids(self) -> None:
        """Square grids as large as the width allows and the height leaves once every line
        below them has its room (at most half the height), so the numbers of one stop are the
        largest on the page and never run under the sum written out beneath them."""
        k = max(1, self.kernel.values.shape[0])
        room = self.width() - sum(o.sizeHint().width() for o in self._operators) - 24
        deep = self.channels.isVisibleTo(self)
        cell = int(min(room / (3 * k), self.height() * (0.3 if deep else 0.45) / k,
                       self._height_for_grids() / k, 84))
        for grid in self.grids:
            grid.setFixedSize(max(cell, 8) * k, max(cell, 8) * k)

    def _height_for_grids(self) -> int:
        """What the column's height leaves for the grids: less the titles above them and the
        least height of every line shown below (the text, the input maps' sums)."""
        column = self.layout()
        items = [column.itemAt(i) for i in range(column.count())]
        shown = [item for item in items if not item.isEmpty()]
        below = sum(item.minimumSize().height() for item in shown
                    if item.layout() is not self._grid_rows)
        titles = max(t.sizeHint().height() for t in self.titles) + self._grid_rows.verticalSpacing()
        return self.height() - below - titles - column.spacing() * (len(shown) - 1)

    def set_layer(self, in_channels: int, first_layer: bool) -> None:
        """Built once per layer: one input map (the image) or several."""
        deep = in_channels > 1
        for w in (self.channel_line, self.channels, self.channels_title):
            w.setVisible(deep)
        self.patch.scale = shading.INK if first_layer else shading.SIGNED
        self._fit_grids()

    def show_stop(self, stop: ConvStop, channel: int, layer: str) -> None:
        self._stop = stop
        k = stop.kernel.shape[-1]
        fitted = self.kernel.values.shape[0] == k
        self.patch.set_values(stop.patch[channel], span=1.0 if self.patch.scale == shading.INK
                              else None)
        self.patch.set_marks([Mark(r, c, color=shading.PADDING, width=1)
                              for r, c in zip(*np.nonzero(stop.in_padding), strict=True)])
        self.kernel.set_values(stop.kernel[channel])
        self.products.set_values(stop.products[channel])
        if not fitted:  # the grids were sized for another kernel (or none, at first)
            self._fit_grids()
        terms_text = " + ".join(f"{_term(a)}×{_term(b)}" for a, b in
                                zip(stop.patch[channel].ravel(), stop.kernel[channel].ravel(),
                                    strict=True))
        self.terms_line.setText(terms_text + " =")
        n = stop.channel_sums.size
        terms = f"{k * k}" if n == 1 else f"{k * k} (input map {channel})"
        self.sum_line.setText(f"sum of the {terms} products = "
                              f"{shading.number(float(stop.channel_sums[channel]), 3)}")
        if n > 1:
            self.channel_line.setText(
                f"Input map {channel} of {n}. Running sum over maps 0–{channel}: "
                f"{shading.number(float(stop.running_sums[channel]), 3)}; "
                f"over all {n} maps: {shading.number(stop.weighted_sum, 3)}.")
            per_row = min(n, CHANNELS_PER_ROW)
            rows = -(-n // per_row)
            grid = np.full(rows * per_row, np.nan)
            grid[:n] = stop.channel_sums
            hidden = np.arange(rows * per_row).reshape(rows, per_row) >= n
            self.channels.set_values(grid.reshape(rows, per_row), hidden=hidden)
            self.channels.set_marks([Mark(*divmod(channel, per_row))])
        what = "sum" if n == 1 else f"all {n} maps"
        self.total_line.setText(f"{what} {shading.number(stop.weighted_sum, 3)} + bias "
                                f"{shading.number(stop.bias, 3)}<br>= output "
                                f"{shading.number(stop.total, 3)}")
        rows = f"{shading.whole(stop.top)} to {shading.whole(stop.top + k - 1)}"
        cols = f"{shading.whole(stop.left)} to {shading.whole(stop.left + k - 1)}"
        self.where_line.setText(
            f"The window covers input rows {rows}, columns {cols}; its value goes to row "
            f"{stop.row}, column {stop.col} of {layer}'s map {stop.filter}.")

    def _describe_channel(self, row: int, col: int, value: float) -> str:
        c = row * CHANNELS_PER_ROW + col
        running = "" if self._stop is None else (
            f"; running sum over maps 0–{c}: "
            f"{shading.number(float(self._stop.running_sums[c]), 4)}")
        return f"input map {c}: products sum to {shading.number(value, 4)}{running}"

    def _on_channels_cell_clicked(self, row: int, col: int) -> None:
        self.channel_clicked.emit(row * CHANNELS_PER_ROW + col)
