"""Saliency panel: the gradient of the top class over the drawing, as a heat map."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui import colormaps as cm
from gui.panels.views import image_box, show_image
from gui.predictor import Prediction

UPSAMPLE = 4  # the 28×28 gradient over the 112×112 centred glyph


class SaliencyPanel(QWidget):
    """`set_prediction(p)`: |d score / d pixel| in heat colours, the glyph in grey beneath."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("saliency_panel")
        self.caption = QLabel("which pixels made it decide")
        self.caption.setStyleSheet(f"color: rgb{cm.MUTED};")
        self.caption.setWordWrap(True)
        self._view = pg.GraphicsLayoutWidget()
        self._view.ci.setContentsMargins(2, 2, 2, 2)
        self._box, self._image, _ = image_box(self._view.ci, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self._view, 1)
        side = 28 * UPSAMPLE
        self._box.setRange(xRange=(0, side), yRange=(0, side), padding=0.02)
        self.image = np.zeros((side, side, 4), np.uint8)
        self.set_prediction(None)

    def set_prediction(self, prediction: Prediction | None) -> None:
        side = 28 * UPSAMPLE
        if prediction is None or prediction.blank:
            rgba = np.empty((side, side, 4), np.uint8)
            rgba[:] = (*cm.BACKGROUND, 255)
            self.caption.setText("which pixels made it decide")
        else:
            rgba = self._compose(prediction)
            self.caption.setText(f"which pixels made it say {prediction.top_letter} "
                                 "(gradient of its score)")
        show_image(self._image, rgba)
        self.image = rgba

    @staticmethod
    def _compose(prediction: Prediction) -> np.ndarray:
        heat = np.abs(prediction.saliency)
        peak = float(np.percentile(heat, 99.5))  # a few extreme pixels must not wash out the rest
        heat = np.clip(heat / peak, 0, 1) if peak > 0 else heat
        # Colour and opacity per input pixel, then blown up to the glyph's resolution.
        colour = cm.HEAT[(heat * 216 + 38).astype(np.uint8), :3].astype(np.float32)
        alpha = np.minimum(heat * 1.6, 1.0)[..., None]
        colour *= alpha
        big = np.repeat(np.repeat(np.concatenate([colour, alpha], axis=2), UPSAMPLE, 0),
                        UPSAMPLE, 1)
        glyph = prediction.pre.centred[..., None]  # (112, 112, 1) in [0, 1]
        base = np.asarray(cm.BACKGROUND, np.float32) + glyph * 70.0
        out = np.empty((*big.shape[:2], 4), np.uint8)
        out[..., :3] = base * (1 - big[..., 3:]) + big[..., :3]
        out[..., 3] = 255
        return out
