"""Saliency panel: the gradient of the top class over the drawing, as a heat map."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui import colormaps as cm
from gui.panels.views import click_focus_only, image_box, show_image
from gui.predictor import Prediction

UPSAMPLE = 4  # the 28×28 gradient over the 112×112 centred glyph
CAPTION = "which pixels made it decide"


class SaliencyPanel(QWidget):
    """`set_prediction(p)`: |d score / d pixel| in heat colours, the glyph in grey beneath.

    Two layers that Qt lays one over the other as it paints: the glyph (112×112) and the heat
    (28×28, each pixel a 4×4 square, its opacity the gradient's size). Blending them here took
    a millisecond of every move of the pen.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("saliency_panel")
        self.caption = QLabel(CAPTION)
        self.caption.setStyleSheet(f"color: rgb{cm.MUTED};")
        self.caption.setWordWrap(True)
        self._view = pg.GraphicsLayoutWidget()
        click_focus_only(self._view)
        self._view.ci.setContentsMargins(2, 2, 2, 2)
        self._box, self._glyph, _ = image_box(self._view.ci, 0, 0)
        side = 28 * UPSAMPLE
        self._heat = pg.ImageItem(axisOrder="row-major")
        self._heat.setZValue(1)
        self._box.addItem(self._heat)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self._view, 1)
        self._box.setRange(xRange=(0, side), yRange=(0, side), padding=0.02)
        self._layers = (np.zeros((side, side, 4), np.uint8), np.zeros((28, 28, 4), np.uint8))
        self.set_prediction(None)
        self._heat.setRect(QRectF(0, 0, side, side))  # 28 x 28 always: each pixel 4 x 4

    def set_prediction(self, prediction: Prediction | None) -> None:
        side = 28 * UPSAMPLE
        if prediction is None or prediction.blank:
            glyph = np.empty((side, side, 4), np.uint8)
            glyph[:] = (*cm.BACKGROUND, 255)
            heat = np.zeros((28, 28, 4), np.uint8)  # nothing over it
            text = CAPTION
        else:
            glyph, heat = self._layers_of(prediction)
            text = (f"which pixels made it say {prediction.top_letter} "
                    "(gradient of its score)")
        if self.caption.text() != text:  # a new text lays the panel out again
            self.caption.setText(text)
        show_image(self._glyph, glyph)
        show_image(self._heat, heat)
        self._layers = (glyph, heat)

    @staticmethod
    def _layers_of(prediction: Prediction) -> tuple[np.ndarray, np.ndarray]:
        """The glyph in grey over the background (112, 112, 4) and the heat (28, 28, 4): colour,
        and opacity growing with |gradient|, both RGBA uint8."""
        heat = np.abs(prediction.saliency)
        peak = float(np.percentile(heat, 99.5))  # a few extreme pixels must not wash out the rest
        heat = np.clip(heat / peak, 0, 1) if peak > 0 else heat
        layer = cm.HEAT[(heat * 216 + 38).astype(np.uint8)].copy()
        layer[..., 3] = np.round(np.minimum(heat * 1.6, 1.0) * 255)
        grey = prediction.pre.centred * np.float32(70.0)
        glyph = np.empty((*grey.shape, 4), np.uint8)
        for i, level in enumerate(cm.BACKGROUND):
            glyph[..., i] = grey + np.float32(level)
        glyph[..., 3] = 255
        return glyph, layer

    @property
    def image(self) -> np.ndarray:
        """The picture as Qt paints it (up to its rounding): the heat, each pixel blown up to
        UPSAMPLE×UPSAMPLE, laid over the glyph. RGBA (112, 112, 4) uint8."""
        glyph, heat = self._layers
        big = np.repeat(np.repeat(heat.astype(np.float32), UPSAMPLE, 0), UPSAMPLE, 1)
        alpha = big[..., 3:] / 255
        out = glyph.copy()
        out[..., :3] = glyph[..., :3] * (1 - alpha) + big[..., :3] * alpha
        return out
