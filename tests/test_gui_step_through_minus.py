"""Every number the Step through tab shows is written the tab's way: a true minus (U+2212),
never a hyphen, and a sum with a negative term reads 'a − b', never 'a + −b' (pytest-qt,
headless)."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QTableWidget

from cnn.model import build_model
from gui.step_through.chapters import KEYS
from gui.step_through.number_grid import NumberGrid
from gui.step_through.readout import Readout
from tests.step_through_helpers import click_chapter, open_tab, press
from tests.test_gui_window import draw_sample, make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

HYPHEN_NUMBER = re.compile(r"-\d")
PLUS_MINUS = re.compile(r"\+\s*−")


def shown_texts(view) -> list[str]:
    """What a chapter writes: labels, read-outs, buttons, lists, table cells and headers, and
    the hover texts of its grids' corner cells (the padding's too)."""
    texts = [w.text() for w in view.findChildren(QLabel) + view.findChildren(Readout)
             + view.findChildren(QAbstractButton)]
    for box in view.findChildren(QComboBox):
        texts += [box.itemText(i) for i in range(box.count())]
    for table in view.findChildren(QTableWidget):
        for c in range(table.columnCount()):
            header = table.horizontalHeaderItem(c)
            texts += [header.text()] if header else []
            texts += [table.item(r, c).text() for r in range(table.rowCount())
                      if table.item(r, c)]
    for grid in [g for g in view.findChildren(NumberGrid) if g.isVisible()]:
        h, w = grid.values.shape
        p = grid.padding
        cells = [(r, c) for r in (-p, 0, h - 1) for c in (-p, 0, w - 1) if h and w]
        texts += [grid.hover_text(r, c) for r, c in cells if grid.cell_at(
            grid.cell_rect(r, c).center()) is not None]
    return texts


@pytest.fixture
def window(qtbot, tmp_path):
    """The shipped shape, with biases of both signs (a fresh model's are all 0)."""
    rng = np.random.default_rng(0)
    model = build_model("default", rng)
    for _, layer in model.layers:
        if "bias" in layer.params:
            bias = layer.params["bias"]
            bias[:] = rng.normal(0, 0.05, bias.shape)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return make_window(qtbot, settings, model=model)


def test_every_chapter_writes_negative_numbers_with_a_true_minus(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot)
    wrong = []
    for key in KEYS:
        click_chapter(tab, qtbot, key)
        view = tab.views[key]
        for keys in ([], [Qt.Key.Key_Home], [Qt.Key.Key_Right] * 3):
            for k in keys:
                press(qtbot, tab, k)
            for layer in ([view.layer_box.itemText(i) for i in range(view.layer_box.count())]
                          if hasattr(view, "layer_box") else [None]):
                if layer is not None:
                    view.layer_box.setCurrentText(layer)
                wrong += [(key, layer, t) for t in shown_texts(view)
                          if HYPHEN_NUMBER.search(t) or PLUS_MINUS.search(t)]
    dense = tab.views["fully-connected"]
    click_chapter(tab, qtbot, "fully-connected")
    negative_bias = 0
    for unit in range(26):  # fc2's units: some have a negative bias, written 'a − b'
        dense.unit_box.setCurrentIndex(unit)
        negative_bias += dense.unit.bias < 0
        wrong += [("fully-connected", unit, t) for t in shown_texts(dense)
                  if HYPHEN_NUMBER.search(t) or PLUS_MINUS.search(t)]
    assert negative_bias
    wrong = sorted(set(wrong), key=str)
    assert wrong == [], "\n".join(map(str, wrong))
