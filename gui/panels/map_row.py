"""One row of the feature maps panel: a layer's mosaic image, its labels, its place in the view."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from gui import colormaps as cm
from gui.mosaic import Mosaic

STRIP_WIDTH = 392  # 1-D layers longer than this wrap onto several lines
EMPTY = np.array([*(c + 14 for c in cm.BACKGROUND), 255], np.uint8)  # tiles with no drawing
# The colour scale, then one more colour for the gaps between tiles: code 256.
GAP_CODE = 256
COLOURS = np.vstack([cm.VIRIDIS, [(*cm.BACKGROUND, 255)]]).astype(np.uint8)


class MosaicImage(pg.ImageItem):
    """An ImageItem that blends neighbours when drawn smaller than its pixels: nearest-neighbour
    sampling at ~0.86 screen pixels a mosaic pixel skips the 1-pixel gaps in long runs (the
    tile period, 29, shrinks to almost exactly 25), so rows of tiles merged into one."""

    def paint(self, painter: QPainter, *args) -> None:
        t = painter.worldTransform()
        shrunk = min(abs(t.m11()) + abs(t.m21()), abs(t.m22()) + abs(t.m12())) < 1.0
        # The scene restores the painter after each item: the hint stays with this image.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, shrunk)
        super().paint(painter, *args)


class MapRow:
    """One layer's mosaic, its labels, and where they sit in the view (pixel units)."""

    def __init__(self, name: str, kind: str, shape: tuple[int, ...]):
        self.name, self.kind, self.shape = name, kind, shape
        self.flat = len(shape) == 1
        if self.flat:
            width = min(shape[0], STRIP_WIDTH)
            self.mosaic = Mosaic(1, (-(-shape[0] // width), width))
        else:
            c, h, w = shape
            self.mosaic = Mosaic(c, (h, w), c if c <= 16 else 16)
        self.image = MosaicImage(axisOrder="row-major")
        # The name and shape never change: HTML once. The range changes: plain, cheap text.
        self.title = pg.TextItem(anchor=(0, 0), color=cm.MUTED)
        self.title.setHtml(_title_html(name, shape, self.flat))
        self.range = QGraphicsSimpleTextItem()
        self.range.setBrush(QColor(*cm.MUTED))
        self.range.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        font = QFont()
        font.setPointSizeF(7.5)
        self.range.setFont(font)
        self.rect = QRectF()
        self.hidden = self.mosaic.gap_mask.copy()  # gaps, and a 1-D layer's unused tail
        if self.flat:
            self.hidden.reshape(-1)[shape[0]:] = True
        empty = np.zeros((*self.mosaic.shape, 4), np.uint8)
        empty[:] = EMPTY
        empty[self.hidden] = (*cm.BACKGROUND, 255)
        self.empty = empty
        # Which value each mosaic pixel shows (its index in the layer's output), -1 on a gap:
        # a new output is coloured and laid out in one lookup, no mosaic built per prediction.
        count, (h, w) = self.mosaic.count, self.mosaic.tile_shape
        source = self.mosaic.fill(np.arange(count * h * w, dtype=np.intp).reshape(count, h, w),
                                  background=-1)
        source[self.hidden] = -1
        self._source = source
        self.values: np.ndarray | None = None  # the latest output, one sample

    def show_empty(self) -> None:
        """Grey: no output to show."""
        self.values = None
        self.image.setImage(self.empty, levels=None)
        self.set_range("")

    def show_values(self, values: np.ndarray, mode: str, lo: float | None = None,
                    hi: float | None = None) -> None:
        """Colour this layer's output: scaled per map (mode 'map'), else from lo to hi (the
        layer's own lowest and highest when None)."""
        self.values = values
        if lo is None:
            lo, hi = float(values.min()), float(values.max())
        if mode == "map" and not self.flat:
            low = values.min(axis=(1, 2), keepdims=True)
            span = values.max(axis=(1, 2), keepdims=True) - low
            unit = (values - low) / np.where(span > 1e-12, span, np.inf)
        else:
            unit = cm.normalise(values, lo, hi)
        codes = np.empty(unit.size + 1, np.uint16)  # the colour of each value, then a gap's
        codes[:-1] = np.clip(unit.reshape(-1), 0.0, 1.0) * 255.0
        codes[-1] = GAP_CODE
        self.image.setImage(np.take(COLOURS, np.take(codes, self._source), axis=0), levels=None)
        self.set_range("" if mode == "map" and not self.flat else cm.span_text(lo, hi))

    def set_range(self, text: str) -> None:
        if self.range.text() != text:
            self.range.setText(text)

    def natural_height(self, width: float) -> float:
        rows, cols = self.mosaic.shape
        if self.flat:
            return float(min(36, max(14, rows * 4)))
        return width * rows / cols


def _title_html(name: str, shape: tuple[int, ...], flat: bool) -> str:
    size = "×".join(map(str, shape))
    bold = f"<b style='color: rgb{cm.FOREGROUND}'>{name}</b>"
    text = f"{bold} {size}" if flat else f"{bold}<br>{size}"
    return f"<div style='color: rgb{cm.MUTED}; font-size: 8pt'>{text}</div>"
