"""The stride and padding playground: one kernel on your letter or a 7×7 toy; change the stride
(1, 2, 3) and the padding (0, 1, 2) and watch the stops and the output size follow
(n + 2p − k) / s + 1."""

import numpy as np
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn import explain
from gui.boxes import column
from gui.step_through import shading
from gui.step_through.base import caption, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.player import Player

TOY_SIZE = 7


class Playground(QWidget):
    """`set_letter(image)` and `set_kernels(kernels, biases, layer)` feed it; the rest is its
    own."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.letter_button = QRadioButton("Your letter (28×28)")
        self.letter_button.setToolTip("Slide the kernel over the 28×28 input of your drawing")
        self.toy_button = QRadioButton(f"A {TOY_SIZE}×{TOY_SIZE} toy")
        self.toy_button.setToolTip("A small picture (a plus sign) where every number is "
                                   "readable")
        self.toy_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.letter_button)
        group.addButton(self.toy_button)
        self.stride_box = QComboBox()
        self.stride_box.addItems(["1", "2", "3"])
        self.stride_box.setToolTip("Stride: how many pixels the window moves between stops")
        self.padding_box = QComboBox()
        self.padding_box.addItems(["0", "1", "2"])
        self.padding_box.setCurrentIndex(1)
        self.padding_box.setToolTip("Padding: rings of zeros added round the edge, so the "
                                    "window can stop on the border pixels too")
        self.filter_box = QSpinBox()
        self.filter_box.setPrefix("filter ")
        self.filter_box.setToolTip("Which of the first layer's filters to slide")
        self.player = Player("window")
        controls = QHBoxLayout()
        for w in (self.toy_button, self.letter_button, QLabel("  Stride"), self.stride_box,
                  QLabel("Padding"), self.padding_box, self.filter_box):
            controls.addWidget(w)
        controls.addStretch(1)

        size = self.font().pointSizeF()
        self.formula = readout(size=size + 6, bold=True)
        self.formula.setToolTip("Output size = (n + 2·padding − kernel) / stride + 1, rounded "
                                "down: how many stops fit along each side")
        self.where = readout(lines=2)
        self.input_grid = NumberGrid(shading.INK, cell_hint=34, max_font_px=22)
        self.input_grid.setToolTip("The input with its padding; the window at its current stop")
        self.output_grid = NumberGrid(shading.SIGNED, cell_hint=34, max_font_px=22)
        self.output_grid.setToolTip("The output: one number per stop; click one to jump there")
        self.input_title, self.output_title = caption(muted=True), caption(muted=True)
        grids = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_grid, 1)
        right.addWidget(self.output_title)
        right.addWidget(self.output_grid, 1)
        grids.addLayout(left, 3)
        grids.addLayout(right, 2)
        column(self, controls, self.player, self.formula, self.where, (grids, 1), top=4)

        self._letter = np.zeros((28, 28), np.float32)
        self._kernels, self._biases = np.zeros((1, 3, 3)), np.zeros(1)
        self._layer = ""
        self.output = np.zeros((0, 0))
        self.index = 0
        for box in (self.stride_box, self.padding_box):
            box.currentIndexChanged.connect(self._rebuild)
        self.filter_box.valueChanged.connect(self._rebuild)
        self.toy_button.toggled.connect(self._rebuild)
        self.player.stepped.connect(self.advance)
        self.player.restarted.connect(lambda: self.go_to(0, reveal_all=True))
        self.player.playing_changed.connect(self._on_player_playing_changed)
        self.output_grid.cell_clicked.connect(self._on_output_cell_clicked)
        self._rebuild()

    # --- inputs ---------------------------------------------------------------------------------

    @property
    def stride(self) -> int:
        return int(self.stride_box.currentText())

    @property
    def padding(self) -> int:
        return int(self.padding_box.currentText())

    @property
    def kernel(self) -> np.ndarray:
        return self._kernels[self.filter_box.value()]

    @property
    def bias(self) -> float:
        return float(self._biases[self.filter_box.value()])

    @property
    def source(self) -> np.ndarray:
        return explain.toy_image(TOY_SIZE) if self.toy_button.isChecked() else self._letter

    def set_letter(self, image: np.ndarray) -> None:
        self._letter = np.asarray(image, np.float32)
        if self.letter_button.isChecked():
            self._rebuild()

    def set_kernels(self, kernels: np.ndarray, biases: np.ndarray, layer: str) -> None:
        """The filters to choose from: kernels (F, k, k) and biases (F,) of `layer`."""
        self._kernels, self._biases, self._layer = np.asarray(kernels, np.float64), biases, layer
        self.filter_box.blockSignals(True)
        self.filter_box.setMaximum(len(kernels) - 1)
        self.filter_box.blockSignals(False)
        self._rebuild()

    # --- stops ----------------------------------------------------------------------------------

    def _rebuild(self, *_) -> None:
        x, k = self.source, self.kernel.shape[0]
        s, p = self.stride, self.padding
        n = x.shape[0]
        self.output = explain.convolve(x, self.kernel, s, p, self.bias)
        size = explain.output_size(n, k, s, p)
        self.formula.setText(f"output size = {explain.size_formula(n, k, s, p)}  →  "
                             f"{size}×{size}, {size * size} stop{'s' if size > 1 else ''}")
        self.input_title.setText(f"input {n}×{n} with padding {p} (dotted zeros); "
                                 f"{self._layer} filter {self.filter_box.value()}, {k}×{k}")
        self.output_title.setText(f"output {size}×{size}")
        self.input_grid.set_values(x, padding=p, span=1.0)
        self.index = 0
        self.go_to(0, reveal_all=True)

    def go_to(self, index: int, reveal_all: bool = False) -> None:
        ho, wo = self.output.shape
        if not ho or not wo:
            self.output_grid.set_values(None)
            self.input_grid.set_marks([])
            self.where.setText("The window does not fit: no stops.")
            return
        old = self.index
        self.index = int(np.clip(index, 0, ho * wo - 1))
        self.output_grid.grow(self.output, self.index, None if reveal_all else old)
        row, col = divmod(self.index, wo)
        k, s, p = self.kernel.shape[0], self.stride, self.padding
        top, left = row * s - p, col * s - p
        self.input_grid.set_marks([Mark(top, left, k, k)])
        self.output_grid.set_marks([Mark(row, col)])
        self.where.setText(
            f"Stop {self.index + 1} of {ho * wo}: window rows {shading.whole(top)} to "
            f"{shading.whole(top + k - 1)}, columns {shading.whole(left)} to "
            f"{shading.whole(left + k - 1)} → output row {row}, column {col} = "
            f"{shading.number(float(self.output[row, col]), 3)}. Each step moves the window "
            f"{s} pixel{'s' if s > 1 else ''} right; after a row, {s} down.")

    def advance(self, n: int) -> None:
        ho, wo = self.output.shape
        self.go_to(self.index + n)
        if n > 0 and self.index >= ho * wo - 1:
            self.player.pause()

    def window_top_left(self) -> tuple[int, int]:
        """The window's current top-left input pixel (negative: on the padding)."""
        row, col = divmod(self.index, self.output.shape[1])
        return row * self.stride - self.padding, col * self.stride - self.padding

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self.player.pause()
        self.go_to(row * self.output.shape[1] + col, reveal_all=True)

    def _on_player_playing_changed(self, playing: bool) -> None:
        ho, wo = self.output.shape
        if playing and self.index >= ho * wo - 1:
            self.go_to(0, reveal_all=True)
