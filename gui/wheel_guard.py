"""Scrolling a form with the mouse wheel must not change its fields on the way past.

A spin box, combo box or slider takes the wheel only while it has keyboard focus; otherwise the
wheel scrolls the scroll area around it, as a person expects of a long settings panel.
"""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QSlider,
    QWidget,
)

_FIELDS = (QAbstractSpinBox, QComboBox, QSlider)


def _is_field(widget: QObject) -> bool:
    return isinstance(widget, _FIELDS)


class WheelGuard(QObject):
    """Watches every field under `root`, also those added later (`ChildAdded`)."""

    def __init__(self, root: QWidget):
        super().__init__(root)
        self._root = root
        self._watch(root)

    def _watch(self, widget: QWidget) -> None:
        for w in [widget, *widget.findChildren(QWidget)]:
            w.removeEventFilter(self)  # never twice
            w.installEventFilter(self)
            if _is_field(w):
                w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not focus it

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildAdded:
            child = event.child()
            if isinstance(child, QWidget):
                self._watch(child)
        elif kind == QEvent.Type.Polish and _is_field(watched):
            # Again once built: a field's own constructor sets its policy after ChildAdded.
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and _is_field(watched) and not watched.hasFocus():
            area = self._scroll_area(watched)
            if area is not None:
                QApplication.sendEvent(area.viewport(), event)
            return True  # an unfocused field never takes the wheel
        return super().eventFilter(watched, event)

    @staticmethod
    def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        return parent


def guard_wheel(root: QWidget) -> WheelGuard:
    """Make every spin box, combo box and slider under `root` take the wheel only when focused;
    the guard lives as long as `root`."""
    return WheelGuard(root)
