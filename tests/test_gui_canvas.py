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
