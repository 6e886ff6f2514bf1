"""Painting a NumberGrid's cells: colour by value, grid lines, and the numbers when they fit.

Functions of a QPainter and arrays, so the grid widget keeps only its state, geometry and
pointer handling.
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from gui.colormaps import BACKGROUND, MUTED
from gui.step_through import shading

LIGHT, INK = QColor(236, 238, 242), QColor(20, 20, 24)


@dataclass
class Numbers:
    """How the numbers are written: font, decimals, and compact ('.48') or in full."""

    font: QFont
    decimals: int
    compact: bool


def fit_numbers(font: QFont, values: np.ndarray, decimals: int, widest: str, max_px: float,
                cell: float) -> Numbers | None:
    """The largest font up to max_px whose widest number fits a cell, written in full or else
    compact; None (no numbers) below 7 px. `font` is resized in place."""
    samples = shading.longest_numbers(values)
    for compact in (False, True):
        texts = [shading.number(v, decimals, compact) for v in samples]
        longest = max(texts + [widest], key=len)
        size = min(max_px, cell * 0.5)
        while size >= 7:
            font.setPixelSize(int(size))
            if QFontMetricsF(font).horizontalAdvance(longest) <= cell - 6:
                return Numbers(font, decimals, compact)
            size -= 1
    return None


def paint_cells(p: QPainter, block: np.ndarray, hidden: np.ndarray | None, scale: str,
                span: float, target: QRectF, cell: float, numbers: Numbers | None) -> None:
    """Paint value cells `block` (h, w) into `target` (h x w cells of `cell` pixels): colour,
    grid lines, numbers; cells where `hidden` (h, w) is set are left as background."""
    rgb = np.ascontiguousarray(shading.colours(block, scale, span))
    rgb[~np.isfinite(block)] = shading.EMPTY
    if hidden is not None:
        rgb[hidden] = BACKGROUND
    image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                   QImage.Format.Format_RGB888)
    p.drawImage(target, image)
    rows, cols = block.shape
    if cell >= 10:  # grid lines, so single cells read as cells
        p.setPen(QPen(QColor(*BACKGROUND), 1))
        for r in range(rows + 1):
            y = target.top() + r * cell
            p.drawLine(QPointF(target.left(), y), QPointF(target.right(), y))
        for c in range(cols + 1):
            x = target.left() + c * cell
            p.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
    if numbers is None:
        return
    p.setFont(numbers.font)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    dark = shading.text_colours(block, scale, span)
    for i in range(rows):
        for j in range(cols):
            v = block[i, j]
            if not np.isfinite(v) or (hidden is not None and hidden[i, j]):
                continue
            p.setPen(INK if dark[i, j] else (QColor(*MUTED) if v == 0 else LIGHT))
            p.drawText(QRectF(target.left() + j * cell, target.top() + i * cell, cell, cell),
                       Qt.AlignmentFlag.AlignCenter,
                       shading.number(float(v), numbers.decimals, numbers.compact))


def paint_padding(p: QPainter, rects: list[QRectF], cell: float,
                  numbers: Numbers | None) -> None:
    """The padding cells: dotted outlines when cells are large enough, else a dot in each (the
    ring's dark grey alone is all but the background's), and their zeros when they fit."""
    p.setPen(QPen(QColor(*MUTED), 1, Qt.PenStyle.DotLine))
    if numbers is not None:
        p.setFont(numbers.font)
    dot = max(1.0, round(cell / 3))
    for rect in rects:
        if cell < 10:
            centre = rect.center()
            p.fillRect(QRectF(centre.x() - dot / 2, centre.y() - dot / 2, dot, dot),
                       QColor(*MUTED))
            continue
        rect = rect.adjusted(1, 1, -1, -1)
        p.drawRect(rect)
        if numbers is not None:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "0")
