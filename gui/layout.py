"""Where the panels go on first run (and on View › Reset layout), sized for a 1366×768 screen."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QDockWidget, QMainWindow

FIRST_RUN_SIZE = (1366, 768)


def first_run_size(screen: QScreen | None) -> tuple[int, int]:
    """1366×768 at most, less the room a window frame and a task bar take on that screen."""
    w, h = FIRST_RUN_SIZE
    if screen is not None:
        free = screen.availableGeometry()
        if free.width() >= 900 and free.height() >= 560:
            w, h = min(w, free.width() - 20), min(h, free.height() - 40)
    return w, h


def apply_default_layout(window: QMainWindow, d: dict[str, QDockWidget]) -> None:
    """Left: prediction, input, saliency. Right, full height: the feature maps. Under the
    canvas: kernels and the layer guide. Every dock shown and docked."""
    for dock in d.values():
        dock.setFloating(False)
        dock.show()
    area = Qt.DockWidgetArea
    window.setCorner(Qt.Corner.TopLeftCorner, area.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.TopRightCorner, area.RightDockWidgetArea)
    window.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
    window.addDockWidget(area.LeftDockWidgetArea, d["prediction_dock"])
    window.addDockWidget(area.RightDockWidgetArea, d["feature_maps_dock"])
    window.addDockWidget(area.BottomDockWidgetArea, d["kernels_dock"])
    window.splitDockWidget(d["prediction_dock"], d["input_dock"], Qt.Orientation.Vertical)
    window.splitDockWidget(d["input_dock"], d["saliency_dock"], Qt.Orientation.Vertical)
    window.splitDockWidget(d["kernels_dock"], d["guide_dock"], Qt.Orientation.Horizontal)
    w, h = window.width(), window.height()
    window.resizeDocks([d["prediction_dock"], d["feature_maps_dock"]],
                       [int(w * 0.21), int(w * 0.45)], Qt.Orientation.Horizontal)
    window.resizeDocks([d["prediction_dock"], d["input_dock"], d["saliency_dock"]],
                       [int(h * 0.36), int(h * 0.22), int(h * 0.32)], Qt.Orientation.Vertical)
    window.resizeDocks([d["kernels_dock"]], [int(h * 0.3)], Qt.Orientation.Vertical)
    window.resizeDocks([d["kernels_dock"], d["guide_dock"]], [1, 1], Qt.Orientation.Horizontal)
