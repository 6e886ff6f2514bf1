"""The 26x26 confusion matrix (rows: true letter, columns: read as) and per-class accuracy.

Click a cell to see its validation letters; hover for the count. Items are made once, when
the panel is first shown, and updated with setImage / setOpts.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from gui.class_labels import axis_ticks, class_label, fit_rows, stack_labels

_LUT = pg.colormap.get("inferno").getLookupTable(nPts=256)


class _CellImage(pg.ImageItem):
    """An ImageItem that reports the pixel under a click or the hovering mouse."""

    clicked = Signal(int, int)  # row, col
    hovered = Signal(int, int)  # row, col; (-1, -1) when the mouse leaves

    def _cell(self, pos) -> tuple[int, int]:
        return int(np.floor(pos.y())), int(np.floor(pos.x()))

    def mouseClickEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.clicked.emit(*self._cell(ev.pos()))

    def hoverEvent(self, ev):  # noqa: N802
        if ev.isExit():
            self.hovered.emit(-1, -1)
        else:
            self.hovered.emit(*self._cell(ev.pos()))


class ConfusionPanel(pg.GraphicsLayoutWidget):
    """set_result(confusion (26, 26), per_class [26 floats or None]); emits cell_clicked."""

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainConfusion")
        self.setBackground((30, 31, 36))
        self.confusion = np.zeros((26, 26), np.int64)
        self._per_class: list = [None] * 26
        self._has_result = False
        self._selected: tuple[int, int] | None = None  # the marked cell
        self.plots_made = False  # made when first shown: most windows never show this page

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self.plots_made:
            self._make_plots()
        super().showEvent(event)

    def _make_plots(self) -> None:
        self.title = self.addLabel("Confusion matrix (after each epoch)", row=0, col=0,
                                   size="10pt")
        self.matrix = self.addPlot(row=1, col=0)
        self.matrix.setAspectLocked(True)
        self.matrix.invertY(True)
        self.matrix.setMouseEnabled(False, False)
        self.matrix.hideButtons()
        self.matrix.setMenuEnabled(False)
        # One class for both cases: the rows read Aa, Bb, …; the columns A over a.
        for side, label in (("bottom", "read as"), ("left", "true letter")):
            axis = self.matrix.getAxis(side)
            axis.setStyle(tickLength=0, tickFont=None)
            self.matrix.setLabel(side, label)
        self.matrix.getAxis("left").setTicks(axis_ticks(0.5))
        stack_labels(self.matrix.getAxis("bottom"), 0.5)
        self.image = _CellImage(axisOrder="row-major")
        self.image.setLookupTable(_LUT)
        self.image.setImage(np.zeros((26, 26), np.float32), levels=(0, 1))
        self.matrix.addItem(self.image)
        self.matrix.setRange(xRange=(0, 26), yRange=(0, 26), padding=0)
        pen = QPen(QColor(86, 200, 255), 2)
        pen.setCosmetic(True)
        self.marker = QGraphicsRectItem(QRectF(0, 0, 1, 1))
        self.marker.setPen(pen)
        self.marker.setVisible(False)
        self.matrix.addItem(self.marker)
        self.matrix.getViewBox().sigResized.connect(self._fit_row_labels)
        self.image.clicked.connect(self._on_image_clicked)
        self.image.hovered.connect(self._on_image_hovered)

        self.bars_plot = self.addPlot(row=2, col=0, title="Accuracy per letter (validation)")
        self.bars_plot.setMaximumHeight(150)
        self.bars_plot.setYRange(0, 1, padding=0.02)
        self.bars_plot.setXRange(0, 26, padding=0.01)
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        stack_labels(self.bars_plot.getAxis("bottom"), 0.5)
        self.bars_plot.showGrid(y=True, alpha=0.15)
        self.bars = pg.BarGraphItem(x=np.arange(26) + 0.5, height=np.zeros(26), width=0.75,
                                    brush=(86, 156, 214))
        self.bars_plot.addItem(self.bars)
        self.ci.layout.setRowStretchFactor(1, 4)

        self.plots_made = True
        self._draw()

    def _fit_row_labels(self) -> None:
        """The true letters down the left, one a row: smaller, or every other one, when the
        rows are too short for the font (at 1280×720 'Gg' ran into 'Hh')."""
        box = self.matrix.getViewBox()
        (_, _), (top, bottom) = box.viewRange()
        fit_rows(self.matrix.getAxis("left"), box.height() / max(bottom - top, 1e-9), 0.5)

    def set_result(self, confusion: np.ndarray, per_class: list) -> None:
        """Rows normalised to shares of the true letter (square-rooted so mistakes show)."""
        self.confusion = np.asarray(confusion)
        self._per_class = list(per_class)
        self._has_result = True
        self._draw()

    def clear_result(self) -> None:
        """Back to no result: a new run validates on other letters."""
        self.confusion = np.zeros((26, 26), np.int64)
        self._per_class = [None] * 26
        self._has_result = False
        self._selected = None
        if self.plots_made:
            self.image.setImage(np.zeros((26, 26), np.float32), levels=(0, 1))
            self.bars.setOpts(height=np.zeros(26))
            self.title.setText("Confusion matrix (after each epoch)")
            self._draw()

    def _draw(self) -> None:
        if not self.plots_made:
            return
        self.marker.setVisible(self._selected is not None)
        if self._selected is not None:
            true, pred = self._selected
            self.marker.setRect(QRectF(pred, true, 1, 1))
        if not self._has_result:
            return
        rows = self.confusion.sum(axis=1, keepdims=True)
        share = np.divide(self.confusion, rows, out=np.zeros(self.confusion.shape),
                          where=rows > 0)
        self.image.setImage(np.sqrt(share).astype(np.float32), levels=(0, 1))
        acc = np.array([np.nan if a is None else a for a in self._per_class], np.float64)
        colours = [(86, 156, 214) if not np.isfinite(a) or a >= 0.8 else (230, 120, 90)
                   for a in acc]
        self.bars.setOpts(height=np.nan_to_num(acc), brushes=colours)
        total = int(self.confusion.sum())
        right = int(np.trace(self.confusion))
        # Two short lines: a label in a pyqtgraph layout never wraps, and one long line set
        # the layout's minimum width past the panel's, which cut off the title and the bars.
        self.title.setText(f"Confusion matrix: {right:,} of {total:,} validation letters "
                           f"right ({right / max(total, 1):.1%})<br>"
                           "Click a cell to see its letters")

    def select_cell(self, true: int, pred: int) -> None:
        """Mark a cell and emit cell_clicked, as a click on it does."""
        if not (0 <= true < 26 and 0 <= pred < 26):
            return
        self._selected = (true, pred)
        self._draw()
        self.cell_clicked.emit(true, pred)

    def clear_selection(self) -> None:
        self._selected = None
        if self.plots_made:
            self.marker.setVisible(False)

    def _on_image_clicked(self, row: int, col: int) -> None:
        self.select_cell(row, col)

    def _on_image_hovered(self, row: int, col: int) -> None:
        if 0 <= row < 26 and 0 <= col < 26:
            n = int(self.confusion[row, col])
            self.image.setToolTip(f"true {class_label(row)}, read as {class_label(col)}: {n}")
        else:
            self.image.setToolTip("")
