"""The teach bar's results: one line under its buttons, and on demand the details (the chart of
probabilities before and after) laid over the canvas's lower edge, so the canvas never shrinks.
"""

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.class_labels import stack_labels

ERROR_COLOUR = "#e06c6c"
MUTED = "#8a8e98"
EMPTY_HINT = "What Add, Teach and Fine-tune did shows here."


class TeachResults(QWidget):
    """`show_message`, `show_taught`, `show_details`, `clear`; `set_expanded` opens the details
    over `anchor`'s parent, just above `anchor` (the teach bar), as wide as it;
    `covered_changed` says how many pixels above the anchor they hide (0 when closed)."""

    expanded_changed = Signal(bool)
    covered_changed = Signal(int)

    def __init__(self, anchor: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self._anchor = anchor
        self.kind = ""  # what the line says ("" when nothing): the caller names it
        self._text = ""
        self._chart_shown = False
        self.covered = 0
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.UpArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setText("Details")
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Show the result in full, over the bottom of the canvas (the "
                               "drawing shrinks to stay in view)")
        self.toggle.toggled.connect(self.set_expanded)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        # Ignored: a long text is elided to the room there is and never widens the Draw tab.
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.toggle)
        row.addWidget(self.summary, 1)
        self.setFixedHeight(self.toggle.sizeHint().height())
        self._create_details()
        self._refresh()

    def _create_details(self) -> None:
        self.details = QFrame()
        self.details.setObjectName("teachDetails")
        self.details.setFrameShape(QFrame.Shape.StyledPanel)
        self.details.setAutoFillBackground(True)
        self.details.setStyleSheet("QFrame#teachDetails { background: palette(window); "
                                   "border: 1px solid #555a66; }")
        self.details_text = QLabel()
        self.details_text.setWordWrap(True)
        self.details_text.setTextFormat(Qt.TextFormat.RichText)
        self.bars = None  # the chart of a teach result, made by the first one (_chart)
        v = QVBoxLayout(self.details)
        v.setContentsMargins(6, 4, 6, 4)
        v.setSpacing(2)
        v.addWidget(self.details_text)
        self.details.setVisible(False)

    def _chart(self) -> pg.PlotWidget:
        """The probabilities before and after a teach, made when first needed: most sessions never
        teach, and a plot is the costliest part of the teach bar to build."""
        if self.bars is not None:
            return self.bars
        self.bars = pg.PlotWidget(enableMenu=False)
        self.bars.setFixedHeight(96)
        self.bars.setBackground((30, 31, 36))
        self.bars.setMouseEnabled(False, False)
        self.bars.hideButtons()
        stack_labels(self.bars.getAxis("bottom"))
        left = self.bars.getAxis("left")
        left.setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])  # six labels in 96 px overlapped
        left.setWidth(22)
        # Each label is centred on its tick, and the 1 sits at the chart's top edge: leave it
        # half a line of room above the plot, or the edge cuts it in half.
        self.bars.getPlotItem().layout.setContentsMargins(
            1, QFontMetrics(self.bars.font()).height() // 2 + 1, 1, 1)
        self.bars.setYRange(0, 1, padding=0.02)
        self.bars.setXRange(-0.6, 25.6, padding=0)
        self.before_bars = pg.BarGraphItem(x=np.arange(26) - 0.2, height=np.zeros(26),
                                           width=0.38, brush=(130, 130, 140))
        self.after_bars = pg.BarGraphItem(x=np.arange(26) + 0.2, height=np.zeros(26),
                                          width=0.38, brush=(255, 196, 61))
        self.bars.addItem(self.before_bars)
        self.bars.addItem(self.after_bars)
        self.details.layout().addWidget(self.bars)
        return self.bars

    # --- what the line says --------------------------------------------------------------------

    def text(self) -> str:
        """The whole one-line text (the label shows it elided when it is longer than the room)."""
        return self._text

    def show_message(self, text: str, error: bool = False, kind: str = "message") -> None:
        """A plain line; an error in red, with its whole text in the details."""
        details = escape(text).replace("\n", "<br>") if error else ""
        self._set(kind, text, details, error)

    def show_taught(self, text: str, before: np.ndarray, after: np.ndarray) -> None:
        """A teach result: the line, and the chart of (26,) probabilities before and after."""
        self._chart()
        self.before_bars.setOpts(height=before)
        self.after_bars.setOpts(height=after)
        self._set("taught", text, f"{escape(text)}<br><span style='color:#9a9ea8'>grey: "
                  "before, yellow: after</span>", chart=True)

    def show_details(self, kind: str, text: str, details_html: str) -> None:
        """A result with more to say than one line (details as rich text, no chart)."""
        self._set(kind, text, details_html)

    def clear(self) -> None:
        self._set("", "", "")

    def mark_previous(self, note: str) -> None:
        """What a teach or fine-tune result said is now about a model no longer shown: keep it,
        greyed and prefixed with `note`, so it does not pass for the current model's reading."""
        if self.kind not in ("taught", "fine_tuned"):
            return
        details = (f"<i>{escape(note)}</i><br>{self.details_text.text()}"
                   if self.details_text.text() else "")
        chart = self._chart_shown
        self._set("previous", f"{note} {self._text}", details, chart=chart)

    def _set(self, kind: str, text: str, details_html: str, error: bool = False,
             chart: bool = False) -> None:
        self.kind, self._text = kind, " ".join(text.split())  # one line, whatever it holds
        self._chart_shown = chart
        colour = ERROR_COLOUR if error else MUTED if kind == "previous" else None
        self.summary.setStyleSheet(f"color: {colour};" if colour else "")
        self.summary.setToolTip(self._text)
        self.details_text.setText(details_html)
        if chart or self.bars is not None:
            self._chart().setVisible(chart)
        self.toggle.setEnabled(bool(details_html))
        if not details_html:
            self.set_expanded(False)
        self._refresh()
        self._place_details()

    # --- the details over the canvas -----------------------------------------------------------

    def is_expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        expanded = bool(expanded) and self.toggle.isEnabled()
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)  # comes back here through toggled
            return
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.UpArrow)
        was = self.details.isVisible()
        self._place_details()
        if self.details.isVisible() != was:
            self.expanded_changed.emit(expanded)

    def place_details(self) -> None:
        """The anchor moved or resized: keep the details just above it."""
        self._place_details()

    def _place_details(self) -> None:
        host = self._anchor.parentWidget()
        if host is None:  # not in a window yet: nowhere to lay the details over
            self.details.setVisible(False)
            self._set_covered(0)
            return
        if self.details.parentWidget() is not host:
            self.details.setParent(host)
        width = self._anchor.width()
        layout = self.details.layout()
        height = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else self.details.sizeHint().height())
        pos = self._anchor.pos()  # the anchor is the host's child: host coordinates
        self.details.setGeometry(QRect(pos.x(), pos.y() - height, width, height))
        self.details.setVisible(self.is_expanded())
        if self.is_expanded():
            self.details.raise_()
        self._set_covered(height if self.is_expanded() else 0)

    def _set_covered(self, pixels: int) -> None:
        if pixels != self.covered:
            self.covered = pixels
            self.covered_changed.emit(pixels)

    def _refresh(self) -> None:
        text = self._text or EMPTY_HINT
        if not self._text:
            self.summary.setStyleSheet(f"color: {MUTED};")
        metrics = self.summary.fontMetrics()
        self.summary.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                                max(self.summary.width(), 1)))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._refresh()
