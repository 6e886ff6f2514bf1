"""Prediction panel: the top letter large, the top three, and the 26-class softmax as bars."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from cnn.checkpoint import LETTERS
from gui.colormaps import ACCENT, BAR, FOREGROUND, MUTED
from gui.predictor import Prediction


class _Verdict(QWidget):
    """The letter, how sure, and the top three, painted directly.

    Painting the text ourselves keeps the size hint constant: a QLabel whose text changes asks
    the whole window to lay its docks out again, thirty times a second while drawing.
    """

    HEIGHT = 76

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Opaque: an update repaints this widget only, not the dock and window beneath it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.letter, self.sure, self.top = "–", "", [("draw a letter", None)]
        self._letter_font = QFont(self.font())
        self._letter_font.setPointSize(40)
        self._letter_font.setBold(True)
        self._sure_font = QFont(self.font())
        self._sure_font.setPointSize(14)

    def sizeHint(self) -> QSize:
        return QSize(220, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.HEIGHT)

    def set_text(self, letter: str, sure: str, top: list) -> None:
        self.letter, self.sure, self.top = letter, sure, top
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(event.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        blank = not self.sure
        p.setFont(self._letter_font)
        p.setPen(QColor(*(MUTED if blank else ACCENT)))
        p.drawText(QRectF(0, 0, 76, self.HEIGHT), Qt.AlignmentFlag.AlignCenter, self.letter)
        p.setFont(self._sure_font)
        p.setPen(QColor(*FOREGROUND))
        p.drawText(QRectF(84, 10, self.width() - 84, 30),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.sure)
        p.setFont(self.font())
        x = 84.0
        metrics = p.fontMetrics()
        for i, (text, q) in enumerate(self.top):
            label = text if q is None else f"{i + 1}. {text} "
            p.setPen(QColor(*(MUTED if q is None else FOREGROUND)))
            p.drawText(QRectF(x, 42, 200, 22), Qt.AlignmentFlag.AlignVCenter, label)
            x += metrics.horizontalAdvance(label)
            if q is not None:
                share = f"{q:.0%}  " if q >= 0.095 or q < 0.001 else f"{q:.1%}  "
                p.setPen(QColor(*MUTED))
                p.drawText(QRectF(x, 42, 200, 22), Qt.AlignmentFlag.AlignVCenter, share)
                x += metrics.horizontalAdvance(share)
        p.end()


class PredictionPanel(QWidget):
    """`set_prediction(p)` updates the letter, the list and the bars in place; blank greys out."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("prediction_panel")
        self.verdict = _Verdict()
        self._plot = pg.PlotWidget()
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setYRange(0, 1.06, padding=0)
        self._plot.setXRange(-0.6, 25.6, padding=0)
        self._plot.setMinimumHeight(110)
        axis = self._plot.getAxis("bottom")
        axis.setTicks([[(i, c) for i, c in enumerate(LETTERS)]])
        axis.setStyle(tickLength=0)
        left = self._plot.getAxis("left")
        left.setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        left.setWidth(22)
        self._brush = pg.mkBrush(*BAR)
        self._top_brush = pg.mkBrush(*ACCENT)
        self._bars = pg.BarGraphItem(x=np.arange(26), height=np.zeros(26), width=0.75,
                                     brush=self._brush, pen=pg.mkPen(None))
        self._plot.addItem(self._bars)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 4)
        layout.setSpacing(0)
        layout.addWidget(self.verdict)
        layout.addWidget(self._plot, 1)
        self.probs = np.zeros(26)
        self.set_prediction(None)

    def text(self) -> str:
        """What the panel says, as plain text (for tests and accessibility)."""
        v = self.verdict
        top = "  ".join(t if q is None else f"{t} {q:.3f}" for t, q in v.top)
        return f"{v.letter} {v.sure} {top}".strip()

    def set_prediction(self, prediction: Prediction | None) -> None:
        if prediction is None or prediction.blank:
            self.probs = np.zeros(26)
            self.verdict.set_text("–", "", [("draw a letter", None)])
            self._bars.setOpts(height=self.probs, brushes=None, brush=self._brush)
            return
        self.probs = prediction.probs
        top = prediction.top(3)
        letter, p = top[0]
        self.verdict.set_text(letter, f"{p:.0%} sure", top)
        brushes = [self._brush] * 26
        brushes[prediction.top_index] = self._top_brush
        self._bars.setOpts(height=self.probs, brushes=brushes)
