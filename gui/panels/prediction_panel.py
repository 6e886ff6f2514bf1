"""Prediction panel: the top letter large, the top three, and the 26-class softmax as bars."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy, QVBoxLayout, QWidget

from gui.class_labels import class_label, close_readings, keep_labels_apart, stack_labels
from gui.colormaps import ACCENT, BAR, FOREGROUND, MUTED
from gui.panels.views import click_focus_only
from gui.predictor import Prediction


class _Verdict(QWidget):
    """The letter large, how sure, and the top three as a short column, painted directly.

    Painting the text ourselves keeps the size hint constant: a QLabel whose text changes asks
    the whole window to lay its docks out again, thirty times a second while drawing.
    """

    HEIGHT = 76
    TEXT_X = 84  # right of the large letter

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
        self._top_font = QFont(self.font())
        self._top_font.setPointSizeF(max(7.0, self.font().pointSizeF() - 0.5))

    def sizeHint(self) -> QSize:
        return QSize(220, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.HEIGHT)

    def set_text(self, letter: str, sure: str, top: list) -> None:
        self.letter, self.sure, self.top = letter, sure, top
        self.update()

    def top_lines(self) -> list[str]:
        """The top three as painted, one a line: '1. Rr  71%'."""
        lines = []
        for i, (text, q) in enumerate(self.top):
            if q is None:
                lines.append(text)
            else:
                share = f"{q:.0%}" if q >= 0.095 or q < 0.001 else f"{q:.1%}"
                lines.append(f"{i + 1}. {text}  {share}")
        return lines

    def needed_width(self) -> int:
        """The width the text takes, so a test (and a narrow dock) can tell it is not cut."""
        return self._text_x() + self._text_width()

    def _text_width(self) -> int:
        widths = [QFontMetrics(self._sure_font).horizontalAdvance(self.sure)]
        widths += [QFontMetrics(self._top_font).horizontalAdvance(t) for t in self.top_lines()]
        return max(widths)

    def _text_x(self) -> int:
        """Where the text starts: right of the letter, or, where a blank reading's note (too
        small to read: how big to draw) is too wide for that, in the dash's place."""
        if self.sure or self.TEXT_X + self._text_width() <= self.width():
            return self.TEXT_X
        return 0

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(event.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        blank = not self.sure
        x = self._text_x()
        width = self.width() - x
        if x:
            p.setFont(self._letter_font)
            p.setPen(QColor(*(MUTED if blank else ACCENT)))
            p.drawText(QRectF(0, 0, 76, self.HEIGHT), Qt.AlignmentFlag.AlignCenter, self.letter)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.setFont(self._sure_font)
        p.setPen(QColor(*FOREGROUND))
        p.drawText(QRectF(x, 2, width, 28), left, self.sure)
        # The top three as a column: it fits the narrowest dock, whatever the numbers.
        p.setFont(self._top_font)
        line = (self.HEIGHT - 31) / 3
        for i, text in enumerate(self.top_lines()):
            p.setPen(QColor(*(MUTED if blank or i else FOREGROUND)))
            p.drawText(QRectF(x, 30 + i * line, width, line), left, text)
        p.end()


class PredictionPanel(QWidget):
    """`set_prediction(p)` updates the letter, the list and the bars in place; blank greys out."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("prediction_panel")
        self.verdict = _Verdict()
        self._plot = pg.PlotWidget(enableMenu=False)  # no menu: none is ever built
        click_focus_only(self._plot)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.hideButtons()
        self._plot.setYRange(0, 1.06, padding=0)
        self._plot.setXRange(-0.6, 25.6, padding=0)
        self._plot.setMinimumHeight(110)
        axis = self._plot.getAxis("bottom")
        axis.setStyle(tickLength=0)
        stack_labels(axis)  # A over a: one class for both cases
        left = self._plot.getAxis("left")
        left.setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        left.setWidth(22)
        for still in (axis, left):  # redrawn with every prediction: from a pixmap, not text
            still.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._brush = pg.mkBrush(*BAR)
        self._top_brush = pg.mkBrush(*ACCENT)
        self._bars = pg.BarGraphItem(x=np.arange(26), height=np.zeros(26), width=0.75,
                                     brush=self._brush, pen=pg.mkPen(None))
        self._plot.addItem(self._bars)
        # A narrow dock (1280×720) gives a class ~8 px: letters shrink rather than touch.
        keep_labels_apart(self._plot)

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
            # Ink too small to read is not an empty canvas: say so, and how big is enough.
            small = prediction is not None and prediction.too_small
            lines = ([(line, None) for line in prediction.too_small_lines()] if small
                     else [("draw a letter", None)])
            self.verdict.set_text("–", "", lines)
            self.verdict.setToolTip(prediction.too_small_text() if small else "")
            self._bars.setOpts(height=self.probs, brushes=None, brush=self._brush)
            return
        self.probs = prediction.probs
        order = np.argsort(self.probs)[::-1][:3]
        top = [(class_label(i), float(self.probs[i])) for i in order]
        # Two close readings are both named ("I or l"): a bare bar is either.
        sure = close_readings(self.probs) or f"{top[0][1]:.0%} sure"
        self.verdict.set_text(prediction.top_letter, sure, top)
        brushes = [self._brush] * 26
        brushes[prediction.top_index] = self._top_brush
        self._bars.setOpts(height=self.probs, brushes=brushes)
