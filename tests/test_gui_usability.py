"""Everyday slips: the wheel over the setup panel, the teach bar's results, stale texts."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QSpinBox

from gui.training.tab import TrainTab

# The offscreen platform cannot pass a top-level window's size limits on; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def wheel(widget, notches: int = -1) -> None:
    """Turn the mouse wheel over the middle of `widget` (negative: towards the person)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def train_tab(qtbot):
    tab = TrainTab()
    qtbot.addWidget(tab)
    tab.resize(900, 420)  # short: the setup panel scrolls
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_wheel_over_an_unfocused_field_scrolls_the_setup_panel(qtbot, train_tab):
    scroll = train_tab.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    kernel = train_tab.setup.arch._rows[1]["kernel"]  # conv2's kernel
    preset = train_tab.setup.arch.preset
    assert not kernel.hasFocus() and kernel.isVisible()
    value, preset_text, top = kernel.value(), preset.currentText(), bar.value()
    wheel(kernel)
    assert kernel.value() == value
    assert bar.value() > top  # the panel scrolled instead
    wheel(preset)
    assert preset.currentText() == preset_text == "default"
    # Focused (a click), the field takes the wheel.
    qtbot.mouseClick(kernel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kernel.hasFocus)
    scrolled = bar.value()
    wheel(kernel)
    assert kernel.value() == value - 1
    assert bar.value() == scrolled
    assert preset.currentText() == "custom"


def test_every_field_of_the_setup_panel_is_guarded_also_ones_added_later(qtbot, train_tab):
    setup = train_tab.setup
    fields = setup.findChildren(QSpinBox) + setup.findChildren(QComboBox)
    assert len(fields) > 10
    assert all(f.focusPolicy() == Qt.FocusPolicy.StrongFocus for f in fields)
    late = QSpinBox()
    late.setRange(0, 10)
    late.setValue(5)
    setup.arch.layout().addWidget(late)  # a field the editor makes once it is shown
    assert late.focusPolicy() == Qt.FocusPolicy.StrongFocus
    late.show()
    wheel(late)
    assert late.value() == 5
