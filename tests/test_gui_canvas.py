"""The canvas alone: strokes as vectors through real mouse events, erasing, undo/redo/clear."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.canvas import Canvas
from gui.replay import send_stroke


@pytest.fixture
def canvas(qtbot):
    c = Canvas()
    qtbot.addWidget(c)
    c.resize(300, 300)
    c.show()
    qtbot.waitExposed(c)
    return c


def line(a, b, n=12):
    return np.linspace(a, b, n)


def test_empty_canvas_shows_the_hint(canvas):
    assert canvas.is_empty() and canvas.strokes() == []
    assert not canvas.can_undo() and not canvas.can_redo()


def test_each_stroke_is_kept_as_vectors(canvas, qtbot):
    with qtbot.waitSignal(canvas.stroke_finished):
        send_stroke(canvas, line((50, 50), (50, 250)))
    send_stroke(canvas, line((50, 50), (200, 60)))
    strokes = canvas.strokes()
    assert len(strokes) == 2
    np.testing.assert_allclose(strokes[0][0], (50, 50))
    np.testing.assert_allclose(strokes[0][-1], (50, 250))
    assert len(strokes[0]) == 12 and not canvas.is_empty()


def test_stroke_changed_fires_while_drawing(canvas, qtbot):
    seen = []
    canvas.stroke_changed.connect(lambda: seen.append(len(canvas.strokes()[-1])))
    send_stroke(canvas, line((20, 20), (200, 200), 10))
    # The stroke in progress is part of the drawing, growing point by point.
    assert seen == list(range(1, 11))


def test_undo_redo_clear(canvas):
    send_stroke(canvas, line((50, 50), (50, 250)))
    send_stroke(canvas, line((50, 50), (200, 60)))
    canvas.undo()
    assert len(canvas.strokes()) == 1 and canvas.can_redo()
    canvas.redo()
    assert len(canvas.strokes()) == 2 and not canvas.can_redo()
    canvas.clear()
    assert canvas.is_empty()
    canvas.undo()  # a clear is one undoable step: nothing is lost
    assert len(canvas.strokes()) == 2
    canvas.undo()
    canvas.undo()
    assert canvas.is_empty() and not canvas.can_undo()
    send_stroke(canvas, line((10, 10), (90, 90)))
    assert not canvas.can_redo()  # a new stroke ends the redo history


def test_clear_of_an_empty_canvas_adds_no_history(canvas):
    canvas.clear()
    assert not canvas.can_undo()


def test_right_button_erases_strokes_it_touches(canvas):
    send_stroke(canvas, line((50, 50), (50, 250)))
    send_stroke(canvas, line((150, 50), (150, 250)))
    send_stroke(canvas, line((30, 150), (70, 150)), button=Qt.MouseButton.RightButton)
    strokes = canvas.strokes()
    assert len(strokes) == 1 and strokes[0][0][0] == pytest.approx(150)
    canvas.undo()  # the whole erase gesture is one step
    assert len(canvas.strokes()) == 2


def test_eraser_toggle_makes_the_left_button_erase(canvas):
    send_stroke(canvas, line((50, 50), (50, 250)))
    canvas.set_eraser(True)
    send_stroke(canvas, line((40, 100), (60, 100)))
    assert canvas.is_empty()
    canvas.set_eraser(False)
    send_stroke(canvas, line((40, 100), (60, 100)))
    assert len(canvas.strokes()) == 1


def test_pen_width_and_export(canvas):
    canvas.set_pen_width(30)
    send_stroke(canvas, line((50, 50), (250, 250)))
    assert canvas.stroke_objects()[0].widths[0] == 30
    image = canvas.to_image()
    assert image.size() == canvas.size()
    ink, scale = canvas.thumbnail()
    assert ink.shape == (120, 120) and scale == pytest.approx(0.4)
    assert ink.max() > 0.9 and ink[60, 60] > 0.9 and ink[100, 10] == 0


def test_a_stroke_dragged_off_the_canvas_is_cut_at_the_edge(canvas, qtbot):
    from PySide6.QtCore import QEvent

    from gui.replay import send_mouse

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().center())
    for p in [(200, 150), (900, 150), (900, -400), (250, -400), (250, 100), (260, 200)]:
        send_mouse(canvas, QEvent.Type.MouseMove, p)  # out past the right edge, back in at top
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (260, 200), buttons=Qt.MouseButton.NoButton)
    strokes = canvas.strokes()
    assert len(strokes) == 2  # the part before it left, the part after it came back
    for s in strokes:
        assert (s >= 0).all() and (s[:, 0] <= 300).all() and (s[:, 1] <= 300).all()
    np.testing.assert_allclose(strokes[0][-1], (300, 150))  # cut where it crossed the edge
    np.testing.assert_allclose(strokes[1][0], (250, 0))  # and on again where it came back
    canvas.undo()  # one gesture, one undo step
    assert canvas.is_empty()


def test_a_press_in_the_margin_beside_the_shrunk_page_starts_no_stroke(canvas, qtbot):
    canvas.set_covered(100)  # Details open: the page shrinks to 200 x 200 at x 50..250
    view = canvas.view_rect()
    np.testing.assert_allclose((view.left(), view.right(), view.bottom()), (50, 250, 200))
    started = []
    canvas.stroke_started.connect(lambda: started.append(True))
    send_stroke(canvas, line((20, 100), (150, 100)))  # pressed left of the page, dragged on
    send_stroke(canvas, line((20, 100), (20, 180)))  # a click-and-drag all in the margin
    assert canvas.is_empty() and not started and not canvas.can_undo()
    # Pressed on the page, out into the margin and back: cut and resumed at the page's edge.
    send_stroke(canvas, [(150, 100), (20, 100), (100, 50)])
    strokes = canvas.strokes()
    assert len(strokes) == 2
    np.testing.assert_allclose(strokes[0][[0, -1]], [(150, 150), (0, 150)])
    np.testing.assert_allclose(strokes[1][[0, -1]], [(0, 121.875), (75, 75)])


def ink_pixels(canvas) -> np.ndarray:
    """(rows, cols) of the canvas's dark pixels, as painted on screen."""
    image = canvas.grab().toImage()
    grey = np.array([[image.pixelColor(x, y).lightness() for x in range(image.width())]
                     for y in range(0, image.height(), 2)])
    rows, cols = np.nonzero(grey < 100)
    return rows * 2, cols


def test_ink_beyond_a_shrunk_canvas_shows_the_whole_drawing_shrunk(canvas, qtbot):
    send_stroke(canvas, line((150, 40), (150, 280)))  # down to near the bottom edge
    canvas.resize(300, 200)  # the window made smaller: the stroke's end is beyond the edge
    qtbot.waitUntil(lambda: canvas.height() == 200)
    # The page keeps the stroke: the view shrinks it into the canvas.
    assert canvas.canvas_size() == (300, 280)
    assert canvas.view_scale() == pytest.approx(200 / 280)
    ends = canvas.to_view(canvas.strokes()[0][[0, -1]])
    assert (ends[:, 1] > 0).all() and (ends[:, 1] <= 200).all()
    rows, cols = ink_pixels(canvas)
    assert rows.max() >= ends[1, 1] - 2  # painted down to the stroke's end
    assert rows.min() < 30  # and shrunk: at full size its round start reaches only up to 33
    # A stroke drawn now lands where it shows, cut at the page's edges, never beyond.
    send_stroke(canvas, [(100, 100), (100, 199)])
    drawn = canvas.strokes()[1]
    np.testing.assert_allclose(canvas.to_view(drawn[[0]])[0], (100, 100), atol=3)  # smoothed
    assert drawn[:, 1].max() <= 280
    # Cleared, the page is the canvas again; an undo brings the ink, and the shrunk view, back.
    canvas.clear()
    assert canvas.canvas_size() == (300, 200) and canvas.view_scale() == 1
    canvas.undo()
    assert canvas.canvas_size() == (300, 280)
    canvas.resize(300, 320)  # made larger again: the ink fits, seen at full size
    qtbot.waitUntil(lambda: canvas.height() == 320)
    assert canvas.canvas_size() == (300, 320) and canvas.view_scale() == 1


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen
def test_the_network_reads_only_the_ink_on_the_canvas(qtbot, tmp_path):
    from PySide6.QtCore import QEvent, QPoint, QSettings

    from gui.replay import send_mouse
    from tests.test_gui_window import make_window

    window = make_window(qtbot, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    canvas = window.canvas
    w, h = canvas.width(), canvas.height()
    start = QPoint(w // 2, h // 3)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    far = canvas.mapFrom(window, QPoint(window.width() - 5, 0)).x()  # over the docks
    assert far > w + 100
    with qtbot.waitSignal(window.predictor.predicted):
        send_mouse(canvas, QEvent.Type.MouseMove, (far, start.y()))
        send_mouse(canvas, QEvent.Type.MouseMove, (far, start.y() + 300))
        send_mouse(canvas, QEvent.Type.MouseButtonRelease, (far, start.y() + 300),
                   buttons=Qt.MouseButton.NoButton)
    seen = window.predictor.last
    (stroke,) = canvas.strokes()
    assert stroke[:, 0].max() == pytest.approx(w) and stroke[:, 1].max() == start.y()
    # What the network read is the line the person sees, from the press to the edge.
    canvas.set_strokes([np.array([[start.x(), start.y()], [w, start.y()]], np.float32)])
    np.testing.assert_array_equal(window.predictor.last.pre.image, seen.pre.image)
