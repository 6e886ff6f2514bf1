"""The Draw tab: the canvas and its tool row (pen or eraser, width, undo, redo, clear)."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from gui.canvas import Canvas

MIN_WIDTH, MAX_WIDTH = 3, 48


class DrawTab(QWidget):
    """Holds `canvas` and `width_slider`; the buttons show the window's own actions."""

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = Canvas()
        self.width_slider = QSlider(Qt.Orientation.Horizontal)
        self.width_slider.setRange(MIN_WIDTH, MAX_WIDTH)
        self.width_slider.setValue(int(self.canvas.pen_width()))
        self.width_slider.setMaximumWidth(160)
        self.width_slider.setMinimumWidth(48)  # a handle with room to move, never a square
        self.width_slider.setToolTip("Pen width on the canvas ([ and ]). The network's input "
                                     "does not depend on it: strokes are redrawn to scale.")
        self._width_label = QLabel()
        self._width_label.setMinimumWidth(40)
        self.width_slider.valueChanged.connect(self._on_width_slider_changed)
        self._on_width_slider_changed(self.width_slider.value())

        tools = QHBoxLayout()
        tools.setContentsMargins(4, 2, 4, 2)
        for key in ("pen", "eraser"):
            tools.addWidget(self._button(actions[key]))
        tools.addSpacing(12)
        # The word goes first when the row is narrow (see resizeEvent); it never holds the
        # tab wider than the window gives it.
        self._width_word = QLabel("Width")
        self._width_word.setMinimumWidth(1)
        tools.addWidget(self._width_word)
        tools.addWidget(self.width_slider)
        tools.addWidget(self._width_label)
        tools.addStretch(1)
        for key in ("undo", "redo", "clear"):
            tools.addWidget(self._button(actions[key]))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(tools)
        layout.addWidget(self.canvas, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # Shown only where every item of the row has its preferred width: short of that, the
        # layout takes from each item alike, and the word would be cut.
        tools = self.layout().itemAt(0).layout()
        others = [tools.itemAt(i) for i in range(tools.count())]
        others = [it for it in others if it.widget() is not self._width_word]
        margins = tools.contentsMargins()
        needed = (sum(it.sizeHint().width() for it in others) + margins.left()
                  + margins.right() + tools.spacing() * len(others)
                  + self._width_word.sizeHint().width())
        self._width_word.setVisible(self.width() >= needed)

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        return button

    def _on_width_slider_changed(self, value: int) -> None:
        self.canvas.set_pen_width(value)
        self._width_label.setText(f"{value} px")
