"""Strokes and how they are painted: a round pen, smooth curves, widths that follow pressure."""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

PAPER = QColor(250, 249, 245)
INK = QColor(28, 33, 46)
HINT = QColor(160, 160, 168)
ERASER_RING = QColor(200, 70, 70)
THUMB_INK = QColor(255, 255, 255)  # the thumbnail is ink coverage: white on black
THUMBNAIL_SIDE = 120


@dataclass(frozen=True, eq=False)  # compared by identity: history snapshots share them
class Stroke:
    """One pen-down to pen-up: points (n, 2) x, y in canvas pixels, widths (n,) in pixels."""

    points: np.ndarray
    widths: np.ndarray


def device_rect(rect: QRect, image: QImage) -> QRect:
    """A widget rectangle in the pixels of a high-DPI backing image."""
    dpr = image.devicePixelRatio()
    return QRectF(rect.x() * dpr, rect.y() * dpr, rect.width() * dpr,
                  rect.height() * dpr).toAlignedRect()


def round_pen(color: QColor, width: float) -> QPen:
    """Round caps and joins: strokes end and turn like a felt pen's."""
    return QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)


def paint_polyline(painter: QPainter, points: np.ndarray, width: float, color: QColor) -> None:
    painter.setPen(round_pen(color, width))
    if len(points) == 1:
        painter.drawPoint(QPointF(*points[0]))
        return
    path = QPainterPath(QPointF(*points[0]))
    # Quadratic segments through the midpoints: smooth curves from jittery samples.
    for (ax, ay), (bx, by) in zip(points[1:-1], points[2:], strict=False):
        path.quadTo(QPointF(ax, ay), QPointF((ax + bx) / 2, (ay + by) / 2))
    path.lineTo(QPointF(*points[-1]))
    painter.drawPath(path)


def paint_stroke(painter: QPainter, points: np.ndarray, widths: np.ndarray,
                  color: QColor = INK) -> None:
    if np.all(widths == widths[0]):
        paint_polyline(painter, points, float(widths[0]), color)
        return
    for i in range(len(points)):  # pressure: each segment at its own width
        painter.setPen(round_pen(color, float(widths[i])))
        a, b = points[max(i - 1, 0)], points[i]
        painter.drawLine(QPointF(*a), QPointF(*b))


def distance(points: np.ndarray, p: np.ndarray) -> float:
    """Shortest distance from p (2,) to the polyline through points (n, 2)."""
    if len(points) == 1:
        return float(np.linalg.norm(points[0] - p))
    a, b = points[:-1], points[1:]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0, 1)
    return float(np.sqrt((((a + t[:, None] * ab) - p) ** 2).sum(1).min()))
