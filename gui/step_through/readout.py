"""A line or two of text that changes every frame of an animation, painted by itself.

A QLabel asks the whole window to lay itself out again each time its text changes (35 ms at
the first-run size, measured with benchmarks/step_through_frames.py); this widget has a fixed
height and only repaints its own rectangle.
"""

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.colormaps import MUTED


class Readout(QWidget):
    """`setText(html)` shows up to `lines` lines of (rich) text in a fixed height."""

    def __init__(self, lines: int = 1, size: float | None = None, bold: bool = False,
                 muted: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        font = QFont(self.font())
        if size:
            font.setPointSizeF(size)
        font.setBold(bold)
        self.setFont(font)
        self._text = ""
        self._doc = QTextDocument(self)
        self._doc.setDefaultFont(font)
        self._doc.setDocumentMargin(0)
        colour = (QColor(*MUTED) if muted else self.palette().windowText().color()).name()
        self._doc.setDefaultStyleSheet(f"body {{ color: {colour}; }}")
        self.setFixedHeight(QFontMetrics(font).lineSpacing() * lines + 6)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (as QLabel's, which it stands in for)
        if text != self._text:
            self._text = text
            self._doc.setHtml(f"<body>{text}</body>")
            self.update()

    def fits(self) -> bool:
        """Whether the text, wrapped at the present width, fits the fixed height."""
        self._doc.setTextWidth(self.width())
        return self._doc.size().height() + 3 <= self.height()

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._doc.setTextWidth(self.width())
        p.translate(0, 3)
        self._doc.drawContents(p, QRectF(0, 0, self.width(), self.height()))
