"""Shared pieces for the panels: a still image box in a pyqtgraph layout, captions that fit
side by side, a fixed-size label."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from gui.colormaps import ACCENT, MUTED


def click_focus_only(view: pg.GraphicsView) -> None:
    """A picture with no keys of its own: Tab passes it by (pyqtgraph makes every view a tab
    stop, where the focus showed nowhere and no key did anything); a click still focuses it."""
    view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)


def image_box(layout: pg.GraphicsLayout, row: int, col: int, title: str = ""):
    """A title and a locked, non-interactive, y-down ViewBox holding one ImageItem."""
    label = None
    if title:
        label = layout.addLabel(title, row=row, col=col, size="9pt", color=MUTED)
        row += 1
    box = layout.addViewBox(row=row, col=col, lockAspect=True, invertY=True,
                            enableMouse=False, enableMenu=False, defaultPadding=0.02)
    image = pg.ImageItem(axisOrder="row-major")
    box.addItem(image)
    return box, image, label


def fit_captions(view: pg.GraphicsView, width: float,
                 captions: list[tuple[pg.LabelItem, str, str]]) -> None:
    """Give labels that sit side by side in `view`'s layout, `width` pixels wide, their long
    texts where all of them fit whole, else their short ones: a pyqtgraph layout holds a label
    at its text's width and runs off the right edge rather than cut it."""
    def needed(label: pg.LabelItem, text: str) -> float:
        item = label.item
        return (QFontMetricsF(item.font()).horizontalAdvance(text)
                + 2 * item.document().documentMargin())

    fits = sum(needed(label, long) for label, long, _ in captions) <= width
    changed = False
    for label, long, short in captions:
        text = long if fits else short
        if label.text != text:
            label.setText(text)
            changed = True
    if changed:
        # The view has laid its layout out already, no narrower than the old texts allowed;
        # laid out again, it fits the view (a dock narrowed in one step ran off its edge).
        view.centralWidget.setGeometry(QRectF(view.rect()))


def outline(color=ACCENT, width: float = 1.5) -> QGraphicsRectItem:
    """A hidden rectangle outline (cosmetic pen: same width at any zoom)."""
    item = QGraphicsRectItem(QRectF(0, 0, 1, 1))
    pen = QPen(QColor(*color), width)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setZValue(10)
    item.setVisible(False)
    return item


def show_image(item: pg.ImageItem, image: np.ndarray, levels=(0.0, 1.0)) -> None:
    """Update an ImageItem in place: RGBA uint8 as is, grey floats with fixed levels."""
    if image.ndim == 3:
        item.setImage(image, levels=None)  # no levels: pyqtgraph's direct RGBA path
        return
    # Grey bytes made here take pyqtgraph's direct path too: given floats and levels, it
    # rescales them through its own lookup at every paint (0.2 ms for the drawing's 96 x 120).
    lo, hi = levels
    grey = np.subtract(image, lo, dtype=np.float32)
    grey *= 255.0 / (hi - lo) if hi != lo else 0.0
    np.clip(grey, 0, 255, out=grey)
    item.setImage(grey.astype(np.uint8), levels=None)
