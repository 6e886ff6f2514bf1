"""A grid of numbers, each cell shaded by its value: the input, a kernel, a patch, a map.

The cells and their numbers are painted once into a pixmap; a frame of an animation only moves
the outlines drawn over it (`set_marks`) or repaints the one cell that changed (`set_cell`).
Numbers are written whenever the cells are large enough to read them.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gui.colormaps import ACCENT, BACKGROUND
from gui.step_through import shading
from gui.step_through.cell_paint import Numbers, fit_numbers, paint_cells, paint_padding


@dataclass(frozen=True)
class Mark:
    """An outline over cells (row, col) … (row + rows − 1, col + cols − 1), in value
    coordinates (negative rows and columns are on the padding)."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1
    color: tuple = ACCENT
    width: float = 2.5
    fill: int = 0  # alpha of a fill in the same colour, 0 for none


class NumberGrid(QWidget):
    """`set_values(values, padding=p)` shows (H, W) numbers, with p rings of padding zeros."""

    cell_hovered = Signal(object)  # (row, col) in value coordinates, or None
    cell_clicked = Signal(int, int)

    def __init__(self, scale: str = shading.SIGNED, decimals: int = 2, *,
                 cell_hint: int = 22, max_font_px: float = 15.0,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.scale, self.decimals = scale, decimals
        self.cell_hint, self.max_font_px = cell_hint, max_font_px
        self.values = np.zeros((0, 0), np.float32)
        self.padding, self.span = 0, 1.0
        self.hidden: np.ndarray | None = None  # cells not drawn at all (gaps between maps)
        self.marks: list[Mark] = []
        self.describe: Callable[[int, int, float], str] | None = None  # the hover text
        self.widest = ""  # a text the font must fit (grids side by side share one size)
        self._cache: QPixmap | None = None
        self._geometry = (0.0, 0.0, 0.0)  # x0, y0, cell
        self._font = QFont(self.font())
        self._numbers: Numbers | None = None  # how numbers are written; None: too small
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(40, 40)

    # --- values ---------------------------------------------------------------------------------

    def set_values(self, values: np.ndarray | None, *, padding: int = 0,
                   span: float | None = None, hidden: np.ndarray | None = None) -> None:
        """values (H, W) (NaN: not computed yet); `span` is the value at full colour (the
        largest magnitude by default)."""
        v = np.zeros((0, 0), np.float32) if values is None else np.array(values, np.float64)
        if v.ndim == 1:
            v = v[None]
        reshaped = v.shape != self.values.shape or padding != self.padding
        self.values, self.padding, self.hidden = v, int(padding), hidden
        self.span = float(span) if span else shading.span_of(v)
        self._cache = None
        if reshaped:
            self.updateGeometry()
        self.update()

    def set_cell(self, row: int, col: int, value: float) -> None:
        """Change one number; only its cell is repainted."""
        self.set_cells([(row, col)], [value])

    def set_cells(self, cells: list[tuple[int, int]], values) -> None:
        """Change a few numbers; only their cells are repainted, in one go."""
        for (row, col), value in zip(cells, values, strict=True):
            self.values[row, col] = value
        if self._cache is None:
            self.update()
            return
        p = QPainter(self._cache)
        for row, col in cells:
            self._paint_cells(p, row, row + 1, col, col + 1)
        p.end()
        for row, col in cells:
            self.update(self.cell_rect(row, col).toAlignedRect().adjusted(-3, -3, 3, 3))

    def grow(self, full: np.ndarray, index: int, previous: int | None = None,
             span: float | None = None) -> None:
        """Show a map filled in up to cell `index` in reading order, not yet after it. Moving
        on from `previous` paints only the cells reached since; anything else redraws."""
        h, w = full.shape
        if previous is None or index < previous or self.values.shape != full.shape:
            shown = np.array(full, np.float64).reshape(-1)
            shown[index + 1:] = np.nan
            self.set_values(shown.reshape(h, w), span=span or shading.span_of(full))
            return
        reached = range(previous + 1, index + 1)
        self.set_cells([divmod(i, w) for i in reached], [float(full.flat[i]) for i in reached])

    def set_marks(self, marks: list[Mark]) -> None:
        if marks != self.marks:
            old = [self._mark_rect(m) for m in self.marks]
            self.marks = list(marks)
            for r in old + [self._mark_rect(m) for m in self.marks]:
                self.update(r.toAlignedRect().adjusted(-4, -4, 4, 4))

    def value_at(self, row: int, col: int) -> float:
        """The number shown at (row, col): 0 on the padding."""
        h, w = self.values.shape
        return float(self.values[row, col]) if 0 <= row < h and 0 <= col < w else 0.0

    # --- geometry -------------------------------------------------------------------------------

    def grid_shape(self) -> tuple[int, int]:
        """(rows, columns) of cells, the padding included."""
        h, w = self.values.shape
        return h + 2 * self.padding, w + 2 * self.padding

    def sizeHint(self) -> QSize:
        rows, cols = self.grid_shape()
        return QSize(max(40, cols * self.cell_hint), max(40, rows * self.cell_hint))

    def _layout(self) -> tuple[float, float, float]:
        rows, cols = self.grid_shape()
        if not rows or not cols:
            return 0.0, 0.0, 0.0
        cell = min(self.width() / cols, self.height() / rows)
        if cell >= 6:
            cell = float(int(cell))  # whole pixels: crisp lines
        return (self.width() - cols * cell) / 2, (self.height() - rows * cell) / 2, cell

    def cell_rect(self, row: int, col: int) -> QRectF:
        """Where cell (row, col) (value coordinates) is painted, in widget pixels."""
        x0, y0, cell = self._layout()
        p = self.padding
        return QRectF(x0 + (col + p) * cell, y0 + (row + p) * cell, cell, cell)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        x0, y0, cell = self._layout()
        rows, cols = self.grid_shape()
        if cell <= 0:
            return None
        r, c = int((pos.y() - y0) // cell), int((pos.x() - x0) // cell)
        if not (0 <= r < rows and 0 <= c < cols):
            return None
        r, c = r - self.padding, c - self.padding
        if self.hidden is not None and self._inside(r, c) and self.hidden[r, c]:
            return None
        return r, c

    def _inside(self, r: int, c: int) -> bool:
        h, w = self.values.shape
        return 0 <= r < h and 0 <= c < w

    def _mark_rect(self, m: Mark) -> QRectF:
        top_left = self.cell_rect(m.row, m.col)
        _, _, cell = self._layout()
        return QRectF(top_left.left(), top_left.top(), m.cols * cell, m.rows * cell)

    # --- painting -------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        self._cache = None
        super().resizeEvent(event)

    def _render(self) -> None:
        dpr = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * dpr)
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(QColor(*BACKGROUND))
        x0, y0, cell = self._geometry = self._layout()
        self._cache = pixmap
        if cell <= 0:
            return
        self._numbers = fit_numbers(self._font, self.values, self.decimals, self.widest,
                                    self.max_font_px, cell)
        rows, cols = self.grid_shape()
        p = QPainter(pixmap)
        # The padding: a ring of zeros, darker than any value's cell.
        pad = self.padding
        if pad:
            p.fillRect(QRectF(x0, y0, cols * cell, rows * cell), QColor(*shading.PADDING))
        h, w = self.values.shape
        self._paint_cells(p, 0, h, 0, w)
        if pad:
            ring = [self.cell_rect(r, c) for r in range(-pad, h + pad)
                    for c in range(-pad, w + pad) if not self._inside(r, c)]
            paint_padding(p, ring, cell, self._numbers)
        p.end()

    def _paint_cells(self, p: QPainter, r0: int, r1: int, c0: int, c1: int) -> None:
        """Paint value cells rows r0..r1−1, columns c0..c1−1 (colour, grid line, number)."""
        first = self.cell_rect(r0, c0)
        _, _, cell = self._geometry
        target = QRectF(first.left(), first.top(), (c1 - c0) * cell, (r1 - r0) * cell)
        hidden = None if self.hidden is None else self.hidden[r0:r1, c0:c1]
        paint_cells(p, self.values[r0:r1, c0:c1], hidden, self.scale, self.span, target, cell,
                    self._numbers)

    def paintEvent(self, event) -> None:
        if self._cache is None:
            self._render()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._cache)
        for m in self.marks:
            rect = self._mark_rect(m)
            colour = QColor(*m.color)
            if m.fill:
                fill = QColor(colour)
                fill.setAlpha(m.fill)
                p.fillRect(rect, fill)
            pen = QPen(colour, m.width)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            p.drawRect(rect.adjusted(m.width / 2, m.width / 2, -m.width / 2, -m.width / 2))

    # --- pointer --------------------------------------------------------------------------------

    def mouseMoveEvent(self, event) -> None:
        self.cell_hovered.emit(self.cell_at(event.position()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self.cell_hovered.emit(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        hit = self.cell_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and hit is not None:
            self.cell_clicked.emit(*hit)
            event.accept()
            return
        super().mousePressEvent(event)

    def hover_text(self, row: int, col: int) -> str:
        value = self.value_at(row, col)
        if not self._inside(row, col):
            return f"padding (row {shading.whole(row)}, column {shading.whole(col)}): 0"
        if not np.isfinite(value):
            return f"row {row}, column {col}: not worked out yet"
        if self.describe is not None:
            return self.describe(row, col, value)
        return f"row {row}, column {col}: {shading.number(value, 4)}"

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            hit = self.cell_at(QPointF(event.pos()))
            if hit is not None:
                QToolTip.showText(event.globalPos(), self.hover_text(*hit), self,
                                  QRect(), 4000)
                return True
        return super().event(event)
