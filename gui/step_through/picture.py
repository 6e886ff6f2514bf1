"""A grey picture scaled to fit, its aspect kept: the drawing beside its numbers."""

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.colormaps import BACKGROUND, MUTED


class Picture(QWidget):
    """`set_image(values)` shows (H, W) floats in [0, 1] as grey (white = 1)."""

    def __init__(self, text_when_empty: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None
        self._empty_text = text_when_empty
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(60, 60)

    def sizeHint(self) -> QSize:
        return QSize(180, 180)

    def set_image(self, values: np.ndarray | None) -> None:
        if values is None:
            self._image = self._buffer = None
        else:
            grey = (np.clip(np.asarray(values, np.float32), 0, 1) * 255).astype(np.uint8)
            self._buffer = np.ascontiguousarray(grey)
            h, w = grey.shape
            self._image = QImage(self._buffer.data, w, h, self._buffer.strides[0],
                                 QImage.Format.Format_Grayscale8)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(*BACKGROUND))
        if self._image is None:
            p.setPen(QColor(*MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        target = QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                        w * scale, h * scale)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(target, self._image)
