"""A number grid in a scroll area that zooms: fit to the view, or large enough to read."""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from gui.step_through.number_grid import NumberGrid

ZOOMS = [None, 30, 40, 52, 68]  # cell sizes in pixels; None fits the grid to the view


class ZoomableGrid(QWidget):
    """`grid` inside a scroll area; Fit, −, + buttons and Ctrl+wheel change the cell size."""

    def __init__(self, grid: NumberGrid, parent: QWidget | None = None):
        super().__init__(parent)
        self.grid = grid
        self.scroll = QScrollArea()
        self.scroll.setWidget(grid)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.viewport().installEventFilter(self)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Fit the whole grid in view (Ctrl+0)")
        self.fit_button.setShortcut("Ctrl+0")
        self.out_button = QPushButton("−")
        self.out_button.setToolTip("Smaller squares (Ctrl+−, or Ctrl+wheel)")
        self.out_button.setShortcut("Ctrl+-")
        self.in_button = QPushButton("+")
        self.in_button.setToolTip("Larger squares, to read every number (Ctrl++, or "
                                  "Ctrl+wheel)")
        # Ctrl++ as the tip says (Ctrl+= alone missed it: with Shift or on the keypad the key is
        # "+"), and Ctrl+= too, unshifted. Parented to the button, it works only while it is shown.
        self.in_button.setShortcut("Ctrl++")
        equal = QShortcut(QKeySequence("Ctrl+="), self.in_button)
        equal.activated.connect(self.in_button.animateClick)
        for b in (self.fit_button, self.out_button, self.in_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        for b in (self.fit_button, self.out_button, self.in_button):
            buttons.addWidget(b)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addLayout(buttons)
        v.addWidget(self.scroll, 1)
        self.level = 0
        self.fit_button.clicked.connect(lambda: self.set_level(0))
        self.out_button.clicked.connect(lambda: self.set_level(self.level - 1))
        self.in_button.clicked.connect(lambda: self.set_level(self.level + 1))
        self.set_level(0)

    def set_level(self, level: int) -> None:
        """0 fits the grid to the view; higher levels give larger squares (and scroll)."""
        self.level = max(0, min(len(ZOOMS) - 1, int(level)))
        cell = ZOOMS[self.level]
        if cell is None:
            self.grid.setMinimumSize(40, 40)
        else:
            rows, cols = self.grid.grid_shape()
            self.grid.setMinimumSize(cols * cell, rows * cell)
        self.fit_button.setEnabled(self.level > 0)
        self.out_button.setEnabled(self.level > 0)
        self.in_button.setEnabled(self.level < len(ZOOMS) - 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Wheel
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.set_level(self.level + (1 if event.angleDelta().y() > 0 else -1))
            return True
        return super().eventFilter(watched, event)
