"""Chapter 1, Input: the drawing beside the 28×28 grid of numbers the network reads."""

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from gui.step_through import shading
from gui.step_through.base import ChapterView, caption, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.picture import Picture
from gui.step_through.shading import Legend
from gui.step_through.zoom import ZoomableGrid


class InputView(ChapterView):
    key = "input"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.drawing = Picture("no drawing")
        self.drawing.setToolTip("Your drawing on the Draw tab")
        self.small = NumberGrid(shading.INK, cell_hint=6)
        self.small.setToolTip("The same 28×28 numbers, as the network's input image")
        self.grid = NumberGrid(shading.INK, decimals=2, cell_hint=26, max_font_px=16)
        self.grid.setToolTip("The 784 input numbers; hover a square for its value")
        self.zoom = ZoomableGrid(self.grid)
        self.hover = readout(size=self.font().pointSizeF() + 2, bold=True)
        self.hover.setText("Hover a square for its value")
        self.stats = readout(lines=3)
        left = QVBoxLayout()
        left.addWidget(caption("Your drawing", muted=True))
        left.addWidget(self.drawing, 3)
        left.addWidget(caption("↓ cropped, centred, redrawn at 28×28 with a fixed pen", muted=True))
        left.addWidget(self.small, 2)
        left.addWidget(self.stats)
        left.addWidget(Legend(shading.INK))
        right = QVBoxLayout()
        right.addWidget(self.hover)
        right.addWidget(self.zoom, 1)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(right, 3)
        self.body.addLayout(row, 1)
        self.grid.cell_hovered.connect(self._on_grid_cell_hovered)
        self.small.cell_hovered.connect(self._on_grid_cell_hovered)
        self._cell: tuple[int, int] | None = None  # the square the heading names, if any

    def update_view(self) -> None:
        image = self.ctx.image
        self.grid.set_values(image, span=1.0)
        self.small.set_values(image, span=1.0)
        if self.ctx.drawing is not None:
            self.drawing.set_image(self.ctx.drawing())
        inked = int((image > 0).sum())
        self.stats.setText(f"{image.size} numbers ({image.shape[0]} × {image.shape[1]}): {inked} "
                           f"with ink, {int((image >= 0.5).sum())} half full or more; largest "
                           f"{shading.number(float(image.max()), 2)}.")
        self._show_cell()  # the heading names a square: its value in this drawing

    def _show_cell(self) -> None:
        if self._cell is None:
            return
        r, c = self._cell
        value = float(np.asarray(self.ctx.image)[r, c])
        self.hover.setText(f"row {r}, column {c}: {shading.number(value, 2)}")

    def _on_grid_cell_hovered(self, cell) -> None:
        if cell is None or self.ctx is None or not self.ctx.ready:
            self.small.set_marks([])
            self.grid.set_marks([])
            return
        self._cell = r, c = cell
        self._show_cell()
        self.small.set_marks([Mark(r, c, width=1.5)])
        self.grid.set_marks([Mark(r, c)])
