"""Chapter 6, Fully connected: one unit's inputs, weights and their products, the largest
contributions, and the sum plus bias = its score."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from cnn import explain
from cnn.data import LETTERS
from gui.step_through import shading
from gui.step_through.base import ChapterView, caption, fill_names, layer_box, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.shading import Legend

LISTED = 10  # largest contributions listed
COLUMNS = 16  # inputs per row when they do not come from maps


class DenseView(ChapterView):
    key = "fully-connected"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = layer_box("Which fully connected layer")
        self.unit_box = QComboBox()
        # Its items change with the layer ('unit 7', 'A (unit 0)'): as wide as the longest now,
        # not as the items it first showed.
        self.unit_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.unit_box.setToolTip("Which output unit (in the last layer: which letter's score)")
        controls = QHBoxLayout()
        for w in (QLabel("Layer"), self.layer_box, QLabel("Unit"), self.unit_box):
            controls.addWidget(w)
        controls.addStretch(1)
        self.equation = readout(lines=2, size=self.font().pointSizeF() + 5, bold=True)
        self.grids = [NumberGrid(shading.SIGNED, cell_hint=10, max_font_px=11)
                      for _ in range(3)]
        tips = ("What the layer read (the previous layer's output)",
                "This unit's weight for each input",
                "input × weight: red adds to the score, blue takes away")
        self.titles = [caption(muted=True) for _ in range(3)]
        grids = QGridLayout()
        for col, (grid, title, tip) in enumerate(zip(self.grids, self.titles, tips,
                                                     strict=True)):
            grid.setToolTip(tip)
            grid.describe = self._describe
            grids.addWidget(title, 0, col)
            grids.addWidget(grid, 1, col)
        grids.setRowStretch(1, 1)
        self.table = QTableWidget(LISTED, 4)
        self.table.setHorizontalHeaderLabels(["input", "value", "weight", "product"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setToolTip("The inputs that move this unit's score the most")
        self.table.setMinimumWidth(330)
        font = self.table.font()
        font.setPointSizeF(font.pointSizeF() + 1)
        self.table.setFont(font)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.rest_line = readout(lines=2)
        side = QVBoxLayout()
        side.addWidget(caption(f"the {LISTED} largest contributions", muted=True))
        side.addWidget(self.table, 1)
        side.addWidget(self.rest_line)
        side.addWidget(Legend(shading.SIGNED, numbers=False))
        row = QHBoxLayout()
        row.addLayout(grids, 5)
        row.addLayout(side, 2)
        self.body.addLayout(controls)
        self.body.addWidget(self.equation)
        self.body.addLayout(row, 1)
        self.unit: explain.DenseUnit | None = None
        self._names: list[str] = []  # what each input is called
        self._columns = COLUMNS
        self.layer_box.currentIndexChanged.connect(self._on_layer_changed)
        self.unit_box.currentIndexChanged.connect(self._on_unit_changed)

    def _is_last(self) -> bool:
        return self.layer_box.currentText() == self.ctx.model.layers[-1][0]

    def update_view(self) -> None:
        names = self.ctx.names("linear")
        first = self.layer_box.count() == 0
        fill_names(self.layer_box, names)
        if first and names:  # the letters' scores first: the layer everyone asks about
            self.layer_box.blockSignals(True)
            self.layer_box.setCurrentText(names[-1])
            self.layer_box.blockSignals(False)
        self._fill_units()
        self._show()

    def _fill_units(self) -> None:
        layer = self.ctx.model.layer(self.layer_box.currentText())
        labels = ([f"{LETTERS[i]}  (unit {i})" for i in range(layer.out_features)]
                  if self._is_last() else [f"unit {i}" for i in range(layer.out_features)])
        if [self.unit_box.itemText(i) for i in range(self.unit_box.count())] == labels:
            return
        self.unit_box.blockSignals(True)
        self.unit_box.clear()
        self.unit_box.addItems(labels)
        if self._is_last() and self.ctx.prediction.top_index is not None:
            self.unit_box.setCurrentIndex(self.ctx.prediction.top_index)
        self.unit_box.blockSignals(False)

    def _input_names(self, name: str, size: int) -> list[str]:
        """What each input of `name` is: a map pixel behind a flatten, else a unit."""
        names = [n for n, _ in self.ctx.model.layers]
        i = names.index(name)
        source = names[i - 1] if i else "input"
        if i and self.ctx.model.layer(source).kind == "flatten":
            shape = self.ctx.input_of(source).shape
            if len(shape) == 3:
                self._columns = shape[1] * shape[2]
                return [f"map {c} ({r}, {k})" for c, r, k in
                        (explain.map_position(shape, j) for j in range(size))]
        self._columns = COLUMNS
        return [f"unit {j}" for j in range(size)]

    def _show(self) -> None:
        name = self.layer_box.currentText()
        layer = self.ctx.model.layer(name)
        x = np.asarray(self.ctx.input_of(name))
        u = self.unit = explain.dense_unit(layer, x, max(0, self.unit_box.currentIndex()))
        self._names = self._input_names(name, u.inputs.size)
        names = [n for n, _ in self.ctx.model.layers]
        source = names[names.index(name) - 1] if names.index(name) else "input"
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(f"input ({source})"))
        cols = self._columns
        rows = -(-u.inputs.size // cols)
        hidden = np.arange(rows * cols).reshape(rows, cols) >= u.inputs.size
        for grid, values in zip(self.grids, (u.inputs, u.weights, u.contributions),
                                strict=True):
            padded = np.full(rows * cols, np.nan)
            padded[:values.size] = values
            grid.set_values(padded.reshape(rows, cols), hidden=hidden)
        top = u.largest(LISTED)
        marks = [Mark(*divmod(int(j), cols), width=1.5) for j in top]
        for grid in self.grids:
            grid.set_marks(marks)
        self.titles[0].setText(f"{u.inputs.size:,} inputs" + (f", {cols} per line (one map)"
                                                              if cols != COLUMNS else ""))
        self.titles[1].setText(f"× weights of {self.unit_box.currentText()}")
        self.titles[2].setText("= products (the largest outlined)")
        what = f"score of {LETTERS[u.unit]}" if self._is_last() else f"{name} unit {u.unit}"
        self.equation.setText(
            f"{what} = Σ {u.inputs.size:,} inputs × weights + bias = "
            f"{shading.number(u.weighted_sum, 3)} {shading.added(u.bias, 3)} = "
            f"{shading.number(u.total, 3)}")
        for r, j in enumerate(top):
            cells = (self._names[j], shading.number(float(u.inputs[j]), 3),
                     shading.number(float(u.weights[j]), 3),
                     shading.number(float(u.contributions[j]), 3))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        rest = u.weighted_sum - float(u.contributions[top].sum())
        self.rest_line.setText(f"These {len(top)} add up to "
                               f"{shading.number(float(u.contributions[top].sum()), 3)}; "
                               f"the other {u.inputs.size - len(top):,} to "
                               f"{shading.number(rest, 3)}.")

    def open_at(self, layer: str | None = None, channel: int | None = None, **_) -> None:
        if not self.has_layers():
            return
        fill_names(self.layer_box, self.ctx.names("linear"))
        if layer:
            self.layer_box.setCurrentText(layer)
        self._fill_units()
        if channel is not None:
            self.unit_box.setCurrentIndex(channel)
        self.refresh()

    def _describe(self, row: int, col: int, _value: float) -> str:
        j = row * self._columns + col
        u = self.unit
        if u is None or j >= u.inputs.size:
            return ""
        return (f"{self._names[j]}: input {shading.number(float(u.inputs[j]), 4)} × weight "
                f"{shading.number(float(u.weights[j]), 4)} = "
                f"{shading.number(float(u.contributions[j]), 4)}")

    def _on_layer_changed(self, _index: int) -> None:
        if self.has_layers():
            self._fill_units()
            self._show()

    def _on_unit_changed(self, _index: int) -> None:
        if self.has_layers():
            self._show()
