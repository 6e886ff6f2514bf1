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


def overlapping(root) -> list[tuple[str, str]]:
    """Pairs of shown widgets under `root` whose rectangles intersect: siblings only (a child
    lies inside its parent by design), each named by class and object name."""
    from PySide6.QtWidgets import QWidget

    def name(w) -> str:
        return f"{type(w).__name__}({w.objectName() or getattr(w, 'text', lambda: '')()!s:.30})"

    pairs = []
    widgets = [root, *root.findChildren(QWidget)]
    for parent in widgets:
        kids = [w for w in parent.children() if isinstance(w, QWidget) and w.isVisible()
                and not w.isWindow()]
        for i, a in enumerate(kids):
            pairs += [(name(a), name(b)) for b in kids[i + 1:]
                      if a.geometry().intersects(b.geometry())]
    return pairs


def clipped_texts(root) -> list[str]:
    """The shown read-outs and wrapped labels under `root` whose text needs more height than
    they have (the last line would be cut off)."""
    from PySide6.QtWidgets import QLabel

    from gui.step_through.readout import Readout

    cut = []
    for r in root.findChildren(Readout):
        if r.isVisible() and r.text():
            r._doc.setTextWidth(r.width())
            if r._doc.size().height() > r.height() - 3:
                cut.append(r.text())
    for label in root.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text():
            if label.heightForWidth(label.width()) > label.height():
                cut.append(label.text())
    return cut
