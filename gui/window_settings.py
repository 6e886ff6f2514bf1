"""What the window remembers between runs: geometry, dock layout, pen width, colour scale, model."""

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow


def save(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.dock_state())
    settings.setValue("canvas/pen_width", window.draw_tab.width_slider.value())
    settings.setValue("feature_maps/scale", window.feature_maps_panel.scale())
    path = window.last_file  # not the weights training is sending: they have no file
    settings.setValue("model/last_path", str(path) if path else "")
    settings.sync()


def restore(window: QMainWindow, settings: QSettings) -> bool:
    """Apply what was saved; False when there was no saved geometry (a first run)."""
    geometry = settings.value("window/geometry")
    restored = geometry is not None and window.restoreGeometry(geometry)
    state = settings.value("window/state")
    if restored and state is not None:
        window.restoreState(state)
    width = settings.value("canvas/pen_width")
    if width is not None:
        window.draw_tab.width_slider.setValue(int(width))
    scale = settings.value("feature_maps/scale")
    if scale:
        window.feature_maps_panel.set_scale(str(scale))
    return restored
