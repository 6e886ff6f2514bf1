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


def clip_segment(p, q, width: float, height: float) -> tuple[float, float] | None:
    """The part of the segment p -> q inside [0, width] x [0, height], as (t0, t1) along it
    (0 <= t0 <= t1 <= 1; t0 > 0: p is outside, t1 < 1: q is); None when no part is."""
    (x0, y0), (x1, y1) = p, q
    t0, t1 = 0.0, 1.0
    # Liang–Barsky: for each edge, -d·t <= distance to the low edge and d·t <= to the high one.
    for d, low, high in ((x1 - x0, x0, width - x0), (y1 - y0, y0, height - y0)):
        for pk, qk in ((-d, low), (d, high)):
            if pk == 0:
                if qk < 0:
                    return None  # parallel to this edge and beyond it
            elif pk < 0:
                t0 = max(t0, qk / pk)
            else:
                t1 = min(t1, qk / pk)
    return (t0, t1) if t0 <= t1 else None


Point = tuple[float, float]
Segment = tuple[Point, Point, float]  # from, to, pen width


class GrowingStroke:
    """The stroke being drawn on a `size` (width, height) canvas, kept to the canvas: where the
    pointer leaves, the piece ends at the edge; where it comes back, a new piece starts there."""

    def __init__(self, start: Point, width: float, size: tuple[int, int]):
        self.size = size
        self._last = self._clamped(start)  # the pointer, on the canvas or not
        self.pieces: list[tuple[list[Point], list[float]]] = [([self._last], [width])]
        self._open = True  # the last piece still grows

    def __repr__(self) -> str:
        return f"GrowingStroke(pieces={len(self.pieces)}, open={self._open})"

    def move(self, q: Point, width: float) -> list[Segment] | None:
        """The pointer moved to q: the segments to paint ([] off the canvas); None when the
        move is sub-pixel jitter and changes nothing."""
        p = self._last
        if (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 < 0.25:
            return None
        self._last = q
        clip = clip_segment(p, q, *self.size)
        if clip is None:
            self._open = False
            return []
        t0, t1 = clip
        painted = []
        if t0 > 0 or not self._open:  # back on the canvas: a new piece from the edge
            start = self._along(p, q, t0)
            self.pieces.append(([start], [width]))
            self._open = True
            painted.append((start, start, width))
        points, widths = self.pieces[-1]
        end = self._along(p, q, t1)
        if (end[0] - points[-1][0]) ** 2 + (end[1] - points[-1][1]) ** 2 >= 0.25:
            painted.append((points[-1], end, width))
            points.append(end)
            widths.append(width)
        self._open = t1 >= 1
        return painted

    def arrays(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every piece as (points (n, 2), widths (n,)) float32."""
        return [(np.array(p, np.float32), np.array(w, np.float32)) for p, w in self.pieces]

    def _along(self, p: Point, q: Point, t: float) -> Point:
        return self._clamped((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))

    def _clamped(self, p: Point) -> Point:
        """Held inside the canvas (against rounding at the edge)."""
        w, h = self.size
        return min(max(float(p[0]), 0.0), float(w)), min(max(float(p[1]), 0.0), float(h))
