"""Input panel: the drawing with its ink box, the centred glyph, and the 28×28 network input."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnn.preprocess import Preprocessed
from gui.panels.views import click_focus_only, fit_captions, image_box, outline, show_image

# Each caption in full, and as short as it gets where a narrow dock cannot show the three whole.
CAPTIONS = [("1 · ink box", "ink box"), ("2 · centred", "centred"), ("3 · 28×28 input", "28×28")]


class InputPanel(QWidget):
    """Three steps side by side; `set_input` updates them, `set_receptive_field` outlines a box."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("input_panel")
        self._view = pg.GraphicsLayoutWidget()
        click_focus_only(self._view)
        self._view.ci.setContentsMargins(2, 2, 2, 2)
        self._view.ci.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)
        ci = self._view.ci
        self._drawing_box, self._drawing, first = image_box(ci, 0, 0, CAPTIONS[0][0])
        self._centred_box, self._centred, second = image_box(ci, 0, 1, CAPTIONS[1][0])
        self._input_box, self._input, third = image_box(ci, 0, 2, CAPTIONS[2][0])
        self.captions = [first, second, third]
        self._crop = outline()
        self._drawing_box.addItem(self._crop)
        self._field = outline()
        self._input_box.addItem(self._field)
        self._blank_frame = np.zeros((28, 28), np.float32)
        show_image(self._centred, np.zeros((112, 112), np.float32))
        show_image(self._input, self._blank_frame)
        show_image(self._drawing, np.zeros((90, 120), np.float32))
        self._fit(self._drawing_box, (90, 120))
        self._fit(self._centred_box, (112, 112))
        self._fit(self._input_box, (28, 28))
        self.image: np.ndarray = self._blank_frame  # what the network received, for tests

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_captions()

    def _fit_captions(self) -> None:
        room = self.width() - 2 * 2 - 2 * 2  # the layout's margins and spacing
        fit_captions(self._view, room, [
            (label, long, short)
            for label, (long, short) in zip(self.captions, CAPTIONS, strict=True)])

    @staticmethod
    def _fit(box: pg.ViewBox, shape: tuple[int, int]) -> None:
        box.setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.02)

    def set_input(self, pre: Preprocessed, drawing: np.ndarray, scale: float) -> None:
        """Show the steps; drawing (h, w) is the canvas ink, `scale` its pixels per canvas pixel."""
        resized = drawing.shape != self._drawing.image.shape
        show_image(self._drawing, drawing)
        if resized:
            self._fit(self._drawing_box, drawing.shape)
        if pre.box is not None:
            x0, y0, x1, y1 = (v * scale for v in pre.box)
            self._crop.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self._crop.setVisible(pre.box is not None and not pre.blank)
        show_image(self._centred, pre.centred)
        show_image(self._input, pre.image)
        self.image = pre.image

    def set_receptive_field(self, box: tuple[int, int, int, int] | None) -> None:
        """Outline input pixels (row0, col0, row1, col1) inclusive, or hide the outline."""
        if box is None:
            self._field.setVisible(False)
            return
        r0, c0, r1, c1 = box
        self._field.setRect(QRectF(c0, r0, c1 - c0 + 1, r1 - r0 + 1))
        self._field.setVisible(True)
