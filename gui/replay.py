"""Drive a widget with real mouse events: the path a person's mouse takes, for tests and benchmarks.

QTest's mouse moves carry no held buttons in Qt 6, so these build QMouseEvent objects and send
them through QApplication, exactly as the event loop delivers them.
"""

from collections.abc import Callable, Iterable

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget


def send_mouse(widget: QWidget, kind: QEvent.Type, pos, button=Qt.MouseButton.LeftButton,
               buttons=None) -> None:
    """Send one mouse event at widget position `pos` (x, y)."""
    local = QPointF(float(pos[0]), float(pos[1]))
    held = button if buttons is None else buttons
    event = QMouseEvent(kind, local, QPointF(widget.mapToGlobal(local)),
                        button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
                        held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def send_stroke(widget: QWidget, points: Iterable, button=Qt.MouseButton.LeftButton,
                after_move: Callable[[], None] | None = None) -> None:
    """Press at the first point, move through the rest with the button held, release."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], button)
    for p in points[1:]:
        send_mouse(widget, QEvent.Type.MouseMove, p, button)
        if after_move is not None:
            after_move()
    send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], button,
               Qt.MouseButton.NoButton)


def fit_strokes(strokes: list[np.ndarray], size: tuple[int, int],
                source: tuple[float, float], margin: float = 0.05) -> list[np.ndarray]:
    """Scale strokes drawn on a `source` (width, height) canvas onto a widget of `size`."""
    scale = min(size[0] / source[0], size[1] / source[1]) * (1 - 2 * margin)
    offset = (np.asarray(size, np.float64) - np.asarray(source) * scale) / 2
    return [np.asarray(s, np.float64) * scale + offset for s in strokes]
