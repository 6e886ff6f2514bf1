"""Shared steps for the Step through tab's GUI tests: open the tab, click a chapter, a cell,
hover, press a key; a network with a strided, padded convolution."""

import numpy as np
from PySide6.QtCore import QEvent, QSettings, Qt

from cnn.model import build_model
from gui.replay import send_mouse
from gui.step_through.chapters import KEYS
from tests.test_gui_window import make_window

STRIDED = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 2},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    {"type": "conv2d", "out_channels": 6, "kernel_size": 3, "stride": 1, "padding": 1},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "linear", "out_features": 26},
]


def open_tab(window, qtbot, chapter: str | None = None):
    """Switch to the tab with Ctrl+3, then to `chapter` by clicking it in the list."""
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    tab = window.step_through.tab
    assert window.tabs.currentWidget() is tab
    if chapter is not None:
        click_chapter(tab, qtbot, chapter)
    return tab


def click_chapter(tab, qtbot, key: str) -> None:
    chapters = tab.chapters
    rect = chapters.visualItemRect(chapters.item(KEYS.index(key)))
    qtbot.mouseClick(chapters.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.current_chapter() == key


def click_cell(qtbot, grid, row: int, col: int) -> None:
    centre = grid.cell_rect(row, col).center()
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=centre.toPoint())


def hover(grid, row: int, col: int) -> None:
    centre = grid.cell_rect(row, col).center()
    send_mouse(grid, QEvent.Type.MouseMove, (centre.x(), centre.y()),
               buttons=Qt.MouseButton.NoButton)


def press(qtbot, tab, key) -> None:
    qtbot.keyClick(tab.stack.currentWidget(), key)


def window_with(qtbot, tmp_path, spec="small", seed=0):
    """A shown main window holding a fresh model of `spec`."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return make_window(qtbot, settings, model=build_model(spec, np.random.default_rng(seed)))
