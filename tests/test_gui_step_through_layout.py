"""The Step through tab at the sizes people use (a 1280×720 screen, whose window is a little
smaller once the title bar and a panel take their share, and 1920×1080): nothing overlaps,
nothing needed is left out (pytest-qt, headless)."""

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt

from cnn import checkpoint
from cnn.paths import DEFAULT_MODEL
from gui.step_through.chapters import KEYS
from tests.step_through_helpers import clipped_texts, open_tab, overlapping, window_with
from tests.test_gui_window import draw_sample, make_window

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


@pytest.mark.parametrize("size", SIZES)
def test_the_initialisation_key_stays_off_the_bars(window, qtbot, size):
    tab = open_tab(window, qtbot, "initialisation")
    view = tab.views["initialisation"]
    show_at(window, qtbot, size)
    bars = view.now_bars.sceneBoundingRect()
    keys = [item for item in view.plot.scene().items() if isinstance(item, pg.LegendItem)]
    assert not [k for k in keys if k.isVisible() and k.sceneBoundingRect().intersects(bars)]
    assert overlapping(view) == []
    assert clipped_texts(view) == []


@pytest.mark.parametrize("layer", ["conv1", "fc1"])
def test_the_gaussian_is_drawn_as_a_smooth_bell(window, qtbot, layer):
    """fc1's trained weights reach far past 4σ, so the bell is a few bins wide: drawn through
    the bins' centres alone it had a flat top (two equal points at ±half a bin) and corners."""
    tab = open_tab(window, qtbot, "initialisation")
    view = tab.views["initialisation"]
    view.layer_box.setCurrentText(layer)
    h = view.histogram
    x, y = view.curve.getData()
    assert np.diff(x).max() <= h.std / 10  # a point every tenth of σ at most
    assert abs(x[np.argmax(y)]) <= h.std / 10  # one top, at 0
    assert (y >= 0.999 * y.max()).sum() <= 3
    centres = (h.edges[:-1] + h.edges[1:]) / 2  # it agrees with the bars' expected counts
    np.testing.assert_allclose(np.interp(centres, x, y), h.expected, rtol=0.02,
                               atol=1e-3 * h.expected.max())
    assert view.curve.opts["antialias"]


@pytest.mark.parametrize("size", SIZES)
def test_the_padding_ring_shows_at_every_size(window, qtbot, size):
    """The page says 'the dotted ring is the padding's zeros': every padding cell of conv1's
    input shows something lighter than the ring's dark grey, however small the cells are.
    (Pixels, since being seen is the point: below 10 px a cell had no outline and no zero.)"""
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    show_at(window, qtbot, size)
    grid = view.input_grid
    assert grid.padding == 1
    view.go_to(view.stops() // 2)  # the window away from the ring
    image = grid.grab().toImage()
    h, w = grid.values.shape
    ring = [(r, c) for r in range(-1, h + 1) for c in range(-1, w + 1)
            if not (0 <= r < h and 0 <= c < w)]
    unseen = []
    for r, c in ring:
        rect = grid.cell_rect(r, c).toAlignedRect().adjusted(1, 1, -1, -1)
        light = max(image.pixelColor(x, y).lightness() for x in range(rect.left(), rect.right())
                    for y in range(rect.top(), rect.bottom()))
        if light < 90:
            unseen.append((r, c))
    assert unseen == []


@pytest.mark.parametrize("size", SIZES)
def test_the_softmax_table_shows_every_cell_whole(qtbot, tmp_path, size):
    """With the shipped model a clear letter leaves the others 0.00004746  (0.0%): at
    1280×720 the table's share of the row cut that to '0.00004746 …'."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = make_window(qtbot, settings, model=checkpoint.load(DEFAULT_MODEL)[0])
    window.activateWindow()  # the tab is opened by its shortcut
    qtbot.waitUntil(window.isActiveWindow)
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "softmax")
    view = tab.views["softmax"]
    show_at(window, qtbot, size)
    table = view.table
    for c in range(table.columnCount()):
        assert table.columnWidth(c) >= table.sizeHintForColumn(c), (size, c)
    assert table.horizontalScrollBar().maximum() == 0  # no sideways scrolling either
    scores = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert all(re.fullmatch(r"−?\d+\.\d{3}", text) for text in scores), scores


def test_a_large_score_keeps_its_three_decimals():
    from gui.step_through.softmax_view import score_text

    assert score_text(-13.0449) == "−13.045" and score_text(7.1234) == "7.123"


@pytest.mark.parametrize("size", SIZES)
def test_the_letters_under_every_small_chart_keep_apart(window, qtbot, size):
    """The initialisation chapter's two probability charts give a class ~7 pixels at
    1280×720: their letters ran together ('ABCDEFGH…') until they shrank to fit."""
    from PySide6.QtGui import QFont

    from gui.class_labels import label_width

    tab = open_tab(window, qtbot, "initialisation")
    view = tab.views["initialisation"]
    show_at(window, qtbot, size)
    for chart in view.prob_bars:
        box = chart.getViewBox()
        low, high = box.viewRange()[0]
        font = chart.getAxis("bottom").style.get("tickFont") or QFont()
        assert label_width(font) + 1 <= box.width() / (high - low), size


@pytest.mark.parametrize("size", [(1024, 600), *SIZES])
def test_the_input_chapters_numbers_fit_their_lines(window, qtbot, size):
    """At the smallest window the counts wrapped to a fourth line, under the colour bar."""
    tab = open_tab(window, qtbot, "input")
    view = tab.views["input"]
    show_at(window, qtbot, size)
    assert view.stats.text() and view.stats.fits(), size


@pytest.mark.parametrize("size", SIZES)
def test_a_stops_grids_fill_their_room_from_the_first_stop(qtbot, tmp_path, size):
    """The chapter opened on a blank canvas, then 'Draw the sample letter': the patch, kernel
    and products were left sized for a kernel of one number (84 pixels square, numbers too
    small to read on a large screen) until the window was next resized."""
    window = window_with(qtbot, tmp_path, "default")
    show_at(window, qtbot, size)
    tab = open_tab(window, qtbot, "convolution")
    qtbot.wait(10)  # the chapter, built, is laid out behind the 'nothing yet' page
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.mouseClick(tab.sample_button, Qt.MouseButton.LeftButton)
    arithmetic = tab.views["convolution"].arithmetic
    qtbot.waitUntil(arithmetic.isVisible)
    qtbot.wait(10)  # the layouts settle
    first = arithmetic.patch.size()
    show_at(window, qtbot, (size[0], size[1] - 40))
    show_at(window, qtbot, size)
    assert arithmetic.patch.size() == first


@pytest.mark.parametrize("key", KEYS)
def test_every_chapter_reads_in_the_smallest_window(window, qtbot, key):
    """At the window's least size (1024×600) the charts of softmax and backpropagation were
    pushed over the lines under them, and the last line of pooling's window and of flatten's
    length was cut off."""
    from gui.layout import MINIMUM_SIZE

    tab = open_tab(window, qtbot, key)
    show_at(window, qtbot, MINIMUM_SIZE)
    view = tab.current_view()
    assert overlapping(view) == []
    assert clipped_texts(view) == []


def test_paging_fast_past_a_chapter_leaves_the_chapter_list_its_width(window, qtbot):
    """Page Down held from Input to Softmax in the smallest window: the convolution page,
    left before its layout settled, kept the least width of controls it had hidden, and the
    chapter list beside every later chapter shrank under a scroll bar."""
    from gui.layout import MINIMUM_SIZE

    show_at(window, qtbot, MINIMUM_SIZE)
    tab = open_tab(window, qtbot, "input")
    for _ in range(6):
        qtbot.keyClick(tab.stack.currentWidget(), Qt.Key.Key_PageDown)
    assert tab.current_chapter() == "softmax"
    qtbot.wait(10)  # the layouts settle
    chapters = tab.chapters
    assert chapters.width() == chapters.maximumWidth()
    assert not chapters.horizontalScrollBar().isVisible()
