"""The Step through tab at the sizes people use (a 1280×720 screen, whose window is a little
smaller once the title bar and a panel take their share, and 1920×1080): nothing overlaps,
nothing needed is left out (pytest-qt, headless)."""

import pytest

from tests.step_through_helpers import clipped_texts, open_tab, overlapping, window_with
from tests.test_gui_window import draw_sample

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

# A window's inside: on a 1280×720 screen (less a title bar and a panel) and on 1920×1080.
SIZES = [(1262, 680), (1280, 720), (1920, 1080)]


@pytest.fixture
def window(qtbot, tmp_path):
    """The shipped network's shape (32 and 64 filters), a letter drawn."""
    window = window_with(qtbot, tmp_path, "default")
    draw_sample(window, qtbot)
    return window


def show_at(window, qtbot, size) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    qtbot.wait(10)  # the layouts settle


@pytest.mark.parametrize("size", SIZES)
def test_a_deep_convolution_stop_has_room_for_every_line(window, qtbot, size):
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.layer_box.setCurrentText("conv2")
    show_at(window, qtbot, size)
    assert view.arithmetic.channels.isVisible()
    assert overlapping(view) == []
    assert clipped_texts(view) == []
