"""The canvas's backing images: the drawing at screen resolution (what paintEvent copies) and a
small greyscale thumbnail for the Input panel, both kept up to date segment by segment."""

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QImage, QPainter

from gui.ink import INK, PAPER, THUMB_INK, THUMBNAIL_SIDE, paint_stroke, round_pen


class BackingImages:
    """`image` (ARGB32, device pixels) and the thumbnail, longer side THUMBNAIL_SIDE."""

    def __init__(self):
        self.image = QImage()
        self._thumb = QImage()
        self._thumb_scale = 1.0

    def render(self, size: QSize, dpr: float, strokes) -> None:
        """Repaint both from the vectors: strokes as (points, widths) pairs, size in logical
        pixels."""
        if self.image.size() != size * dpr:
            self.image = QImage(size * dpr, QImage.Format.Format_ARGB32_Premultiplied)
            self.image.setDevicePixelRatio(dpr)
        scale = THUMBNAIL_SIDE / max(size.width(), size.height(), 1)
        thumb_size = QSize(max(1, round(size.width() * scale)),
                           max(1, round(size.height() * scale)))
        if self._thumb.size() != thumb_size:
            self._thumb = QImage(thumb_size, QImage.Format.Format_Grayscale8)
        self._thumb_scale = scale
        self.image.fill(PAPER)
        self._thumb.fill(0)
        for image, colour, s in ((self.image, INK, 1.0), (self._thumb, THUMB_INK, scale)):
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.scale(s, s)
            for points, widths in strokes:
                paint_stroke(painter, points, widths, colour)
            painter.end()

    def draw_segment(self, a, b, w: float) -> QRectF:
        """Add the segment a -> b (width w) to both; returns the logical rectangle it covers."""
        for image, colour, s in ((self.image, INK, 1.0),
                                 (self._thumb, THUMB_INK, self._thumb_scale)):
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.scale(s, s)
            painter.setPen(round_pen(colour, w))
            painter.drawLine(QPointF(*a), QPointF(*b))
            painter.end()
        r = w / 2 + 2
        return QRectF(QPointF(min(a[0], b[0]) - r, min(a[1], b[1]) - r),
                      QPointF(max(a[0], b[0]) + r, max(a[1], b[1]) + r))

    def thumbnail(self) -> tuple[np.ndarray, float]:
        """(ink (h, w) float32 in [0, 1]; its pixels per canvas pixel)."""
        image = self._thumb
        bits = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        rows = bits.reshape(image.height(), image.bytesPerLine())[:, :image.width()]
        return rows.astype(np.float32) * np.float32(1 / 255), self._thumb_scale
