"""Where the panels go on first run (and on View › Reset layout), in proportion to the window,
and a first-run window sized to the screen it opens on."""

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QDockWidget, QMainWindow

FIRST_RUN_SIZE = (1366, 768)  # at least this, where the screen has room (and for screenshots)
# The smallest window whose first-run layout still reads, as measured with the shipped model: the
# feature maps' row labels keep apart from about 900×560 down, the Prediction dock's "100% sure"
# and top three fit beside the letter from about 1020 wide. Below a 1280×720 screen's usable area
# (1262×680 or so, the first window 1260×640), so that screen still takes the first window.
MINIMUM_SIZE = (1024, 600)
_LEFT, _RIGHT, _BOTTOM = (Qt.DockWidgetArea.LeftDockWidgetArea,
                          Qt.DockWidgetArea.RightDockWidgetArea,
                          Qt.DockWidgetArea.BottomDockWidgetArea)
DEFAULT_AREAS = {"prediction_dock": _LEFT, "input_dock": _LEFT, "saliency_dock": _LEFT,
                 "feature_maps_dock": _RIGHT, "kernels_dock": _BOTTOM, "guide_dock": _BOTTOM}
SCREEN_SHARE = 0.9  # a first window takes this share of a larger screen


def first_run_size(screen: QScreen | None) -> tuple[int, int]:
    """Most of the screen (at least 1366×768), less the room a window frame and a task bar
    take on it; 1366×768 when the screen is unknown or tiny."""
    w, h = FIRST_RUN_SIZE
    if screen is not None:
        free = screen.availableGeometry()
        if free.width() >= 900 and free.height() >= 560:
            w = min(max(w, int(free.width() * SCREEN_SHARE)), free.width() - 20)
            h = min(max(h, int(free.height() * SCREEN_SHARE)), free.height() - 40)
    return w, h


def apply_default_layout(window: QMainWindow, d: dict[str, QDockWidget]) -> None:
    """Left: prediction, input, saliency. Right, full height: the feature maps. Under the
    canvas: kernels and the layer guide. Every dock shown and docked."""
    for dock in d.values():
        dock.setFloating(False)
        dock.show()
    window.setCorner(Qt.Corner.TopLeftCorner, _LEFT)
    window.setCorner(Qt.Corner.BottomLeftCorner, _LEFT)
    window.setCorner(Qt.Corner.TopRightCorner, _RIGHT)
    window.setCorner(Qt.Corner.BottomRightCorner, _RIGHT)
    for name in ("prediction_dock", "feature_maps_dock", "kernels_dock"):
        window.addDockWidget(DEFAULT_AREAS[name], d[name])
    window.splitDockWidget(d["prediction_dock"], d["input_dock"], Qt.Orientation.Vertical)
    window.splitDockWidget(d["input_dock"], d["saliency_dock"], Qt.Orientation.Vertical)
    window.splitDockWidget(d["kernels_dock"], d["guide_dock"], Qt.Orientation.Horizontal)
    w, h = window.width(), window.height()
    # The maps stack is a little taller than wide: as wide as 0.8 of the height fills it
    # (0.45 of a 16:9 window), within a third to a half of the window.
    maps = min(max(h * 0.8, w * 0.33), w * 0.5)
    window.resizeDocks([d["prediction_dock"], d["feature_maps_dock"]],
                       [int(w * 0.21), int(maps)], Qt.Orientation.Horizontal)
    window.resizeDocks([d["prediction_dock"], d["input_dock"], d["saliency_dock"]],
                       [int(h * 0.36), int(h * 0.22), int(h * 0.32)], Qt.Orientation.Vertical)
    window.resizeDocks([d["kernels_dock"]], [int(h * 0.3)], Qt.Orientation.Vertical)
    window.resizeDocks([d["kernels_dock"], d["guide_dock"]], [1, 1], Qt.Orientation.Horizontal)


class LayoutFollower(QObject):
    """Keeps the default layout in proportion while the window's size changes (a window manager
    maximising the first window, a drag of its border) until the person arranges the docks:
    a separator pressed, a dock moved or floated. `start()` after applying the layout."""

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget]):
        super().__init__(window)
        self._window, self._docks = window, docks
        self.following = False
        self._size = window.size()
        window.installEventFilter(self)
        for name, dock in docks.items():
            dock.topLevelChanged.connect(self._on_dock_floated)
            # Restoring the Draw tab's docks re-adds them where they were: only a move counts.
            dock.dockLocationChanged.connect(
                lambda area, name=name: self._on_dock_located(name, area))

    def start(self) -> None:
        self.following = True
        self._size = self._window.size()

    def stop(self) -> None:
        self.following = False

    def _on_dock_floated(self, floating: bool) -> None:
        if floating:
            self.stop()

    def _on_dock_located(self, name: str, area: Qt.DockWidgetArea) -> None:
        if area != DEFAULT_AREAS.get(name):
            self.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and self.following:
            kind = event.type()
            if (kind == QEvent.Type.MouseButtonPress
                    and self._window.childAt(event.position().toPoint()) is None):
                self.stop()  # on a separator between docks: the person sizes them now
            elif kind in (QEvent.Type.Resize, QEvent.Type.Show):
                QTimer.singleShot(0, self, self._follow)  # once the new size is laid out
        return super().eventFilter(watched, event)

    def _follow(self) -> None:
        w = self._window
        # Hidden docks: the Train tab shows, or the person closed one; neither is redone.
        if not self.following or w.size() == self._size or any(
                d.isHidden() for d in self._docks.values()):
            return
        apply_default_layout(w, self._docks)
        self._size = w.size()
