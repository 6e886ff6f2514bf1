"""The main window: drawing updates every panel, model swaps, refusals, settings, the CLI."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from cnn import checkpoint
from cnn.model import build_model
from gui.colormaps import BACKGROUND
from gui.main_window import MainWindow
from gui.models import LoadedModel, startup_model
from gui.replay import send_mouse, send_stroke
from gui.sample_letter import sample_strokes

# The offscreen platform cannot pass a top-level window's size limits on; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def small_model(seed=0):
    return build_model("small", np.random.default_rng(seed))


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_window(qtbot, settings, model=None, name="test model", path=None):
    model = small_model() if model is None else model
    window = MainWindow(LoadedModel(model, {"val_accuracy": 0.5}, name, path), settings)
    qtbot.addWidget(window)
    window.resize(1300, 740)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, settings):
    return make_window(qtbot, settings)


def draw_sample(window, qtbot):
    canvas = window.canvas
    for stroke in sample_strokes(canvas.width(), canvas.height(), per_segment=4):
        with qtbot.waitSignal(window.predictor.predicted):
            send_stroke(canvas, stroke)
    return window.predictor.last


def test_empty_canvas_shows_no_prediction(window):
    last = window.predictor.last
    assert last is not None and last.blank and last.top() == []
    assert window.canvas.is_empty()
    assert window.prediction_panel.text().startswith("–")
    assert window.prediction_panel.probs.sum() == 0
    assert window.saliency_panel.image[..., :3].max() <= max(BACKGROUND)


def test_a_dot_is_too_small_to_read_not_an_empty_canvas(window, qtbot):
    window.resize(1280, 720)  # the smallest window: the panel's lines must still fit
    canvas = window.canvas
    with qtbot.waitSignal(window.predictor.predicted) as blocker:
        send_stroke(canvas, [(150, 120), (151, 120)])  # a click, a dot of ink
    prediction = blocker.args[0]
    assert prediction.blank and prediction.too_small and not canvas.is_empty()
    least = prediction.least_pixels()  # 2 % of the canvas's longer side, rounded up
    assert least == int(0.02 * max(canvas.width(), canvas.height())) + 1
    # The mark is as wide as the pen, wider than `least`: the message says what is measured.
    assert canvas.pen_width() > least
    size = f"at least {least} px across"
    text = window.prediction_panel.text()
    assert "too small to read" in text and size in text and "not counting the pen's width" in text
    assert "draw a letter" not in text
    verdict = window.prediction_panel.verdict
    assert verdict.needed_width() <= verdict.width()
    assert size in verdict.toolTip() and "not counting the pen's width" in verdict.toolTip()
    tab = window.step_through.tab
    window.tabs.setCurrentWidget(tab)
    assert tab.stack.currentWidget() is tab.empty
    assert "too small to read" in tab.empty_text.text() and "Nothing" not in (
        tab.empty_text.text())
    assert size in tab.empty_text.text() and "not counting the pen's width" in (
        tab.empty_text.text())
    window.tabs.setCurrentIndex(0)
    with qtbot.waitSignal(window.predictor.predicted):
        canvas.clear()  # no ink at all: the plain invitation again
    assert window.prediction_panel.text().endswith("draw a letter")
    assert window.prediction_panel.verdict.toolTip() == ""


def test_drawing_updates_prediction_and_every_panel(window, qtbot):
    prediction = draw_sample(window, qtbot)
    assert not prediction.blank
    assert prediction.probs.shape == (26,) and prediction.probs.sum() == pytest.approx(1.0)
    panel = window.prediction_panel
    assert panel.text().startswith(f"{prediction.top_letter} ")
    np.testing.assert_allclose(panel.probs, prediction.probs)
    second, p2 = prediction.top(2)[1]
    assert f"{second}{second.lower()} {p2:.3f}" in panel.text()  # one class, both cases
    np.testing.assert_array_equal(window.input_panel.image, prediction.pre.image)
    assert window.input_panel.image.max() == pytest.approx(1.0)
    assert window.saliency_panel.image[..., :3].max() > max(BACKGROUND) + 40
    maps = window.feature_maps_panel
    assert maps.layer_names() == [n for n, _ in window.model.layers]
    for name in maps.layer_names():
        image = maps.row_image(name)
        assert image.ndim == 3 and len(np.unique(image.reshape(-1, 4), axis=0)) > 3, name
    assert "ms" in window.timing_label.text()
    assert window.kernels_panel.image.shape[-1] == 4


def test_predictions_during_a_stroke_are_throttled(window, qtbot):
    seen = []
    window.predictor.predicted.connect(seen.append)
    points = np.linspace((100, 100), (300, 400), 200)
    send_stroke(window.canvas, points[:100])
    # At most one read while the stroke grows (the rest waits for the timer), then the end.
    assert 1 <= len(seen) <= 2 and not seen[-1].blank
    seen.clear()
    window.predict_interval_ms = 0  # reading on every move: each move is read
    send_stroke(window.canvas, points[100:120])
    assert len(seen) >= 19


def test_prediction_updates_while_drawing(window, qtbot):
    canvas = window.canvas
    send_mouse(canvas, QEvent.Type.MouseButtonPress, (100, 100))
    for p in np.linspace((100, 100), (100, 400), 30):
        send_mouse(canvas, QEvent.Type.MouseMove, p)
    with qtbot.waitSignal(window.predictor.predicted, timeout=2000) as blocker:
        pass  # the throttle's timer reads the stroke in progress
    assert not blocker.args[0].blank and len(canvas.strokes()) == 1
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (100, 400),
               buttons=Qt.MouseButton.NoButton)


def test_undo_redo_clear_shortcuts_repredict(window, qtbot):
    draw_sample(window, qtbot)
    n = len(window.canvas.strokes())
    window.activateWindow()
    window.canvas.setFocus()
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.strokes()) == n - 1
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.canvas.strokes()) == n
    with qtbot.waitSignal(window.predictor.predicted) as blocker:
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert window.canvas.is_empty() and blocker.args[0].blank
    assert window.prediction_panel.text().startswith("–")
    assert not window.actions_by_name["redo"].isEnabled()


def view_point(panel, x, y):
    """Viewport position of view pixel (x, y) in the feature maps view."""
    scene = panel._box.mapViewToScene(QPointF(x, y))
    return panel._view.mapFromScene(scene)


def map_pixel(panel, layer: str, channel: int, row: int, col: int):
    """Viewport position of the middle of one pixel of one map in the feature maps panel."""
    r = next(r for r in panel._rows if r.name == layer)
    ox, oy = r.mosaic.origin(channel)
    scale = r.rect.width() / r.mosaic.shape[1]
    return view_point(panel, r.rect.left() + (ox + col + 0.5) * scale,
                      r.rect.top() + (oy + row + 0.5) * scale)


def hovered(qtbot, panel, viewport, pos):
    """Move the pointer to `pos` on `viewport`; the MapPoint the feature maps panel reports."""
    with qtbot.waitSignal(panel.map_hovered) as blocker:
        send_mouse(viewport, QEvent.Type.MouseMove, (pos.x(), pos.y()),
                   buttons=Qt.MouseButton.NoButton)
    return blocker.args[0]


def test_hover_shows_value_and_receptive_field_click_enlarges(window, qtbot):
    prediction = draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    pos = map_pixel(panel, "conv2", 3, 5, 6)
    point = hovered(qtbot, panel, panel._view.viewport(), pos)
    assert (point.layer, point.channel, point.row, point.col) == ("conv2", 3, 5, 6)
    assert point.value == pytest.approx(float(prediction.activations["conv2"][3, 5, 6]))
    assert "conv2" in panel.hover_label.text()
    field = window.input_panel._field
    assert field.isVisible()
    # conv2 (3×3) after a 2×2 pool after conv1 (3×3): an 8×8 window on the input.
    rect = field.rect()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (9, 7, 8, 8)
    assert "conv" in window.guide_panel.text().lower()

    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonPress, (pos.x(), pos.y()))
    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()),
               buttons=Qt.MouseButton.NoButton)
    assert panel.selected is not None and panel.selected.channel == 3
    assert panel.detail.isVisible() and "conv2" in panel.detail.caption.text()


def test_the_enlarged_map_answers_hover_like_its_tile(window, qtbot):
    prediction = draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    pos = map_pixel(panel, "conv2", 3, 0, 0)
    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonPress, (pos.x(), pos.y()))
    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()),
               buttons=Qt.MouseButton.NoButton)
    assert panel.selected.channel == 3 and panel.detail.isVisible()
    qtbot.waitUntil(lambda: panel.detail._map_box.width() > 20)
    # The middle of pixel (row 5, col 6) of the enlarged map, in its view's pixels.
    detail = panel.detail
    scene = detail._map_box.mapViewToScene(QPointF(6.5, 5.5))
    point = hovered(qtbot, panel, detail._view.viewport(), detail._view.mapFromScene(scene))
    assert (point.layer, point.channel, point.row, point.col) == ("conv2", 3, 5, 6)
    assert point.value == pytest.approx(float(prediction.activations["conv2"][3, 5, 6]))
    assert panel.hover_label.text().startswith("conv2 · map 3 · row 5, col 6 = ")
    rect = window.input_panel._field.rect()  # the same 8×8 receptive field as from the tile
    assert window.input_panel._field.isVisible()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (9, 7, 8, 8)
    with qtbot.waitSignal(panel.map_hovered) as blocker:
        QApplication.sendEvent(detail._view.viewport(), QEvent(QEvent.Type.Leave))
    assert blocker.args[0] is None and not window.input_panel._field.isVisible()


def test_colour_scales(window, qtbot):
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    images = {}
    for key in ("map", "layer", "network"):
        panel.set_scale(key)
        images[key] = panel.row_image("relu1").copy()
    assert not np.array_equal(images["map"], images["layer"])
    assert not np.array_equal(images["layer"], images["network"])


def test_set_model_repredicts_current_drawing(window, qtbot):
    before = draw_sample(window, qtbot)
    other = small_model(seed=7)
    with qtbot.waitSignals([window.model_changed, window.predictor.predicted]):
        window.set_model(other, {"val_accuracy": 0.75}, "newer weights")
    after = window.predictor.last
    assert window.model is other and not after.blank
    assert not np.allclose(after.probs, before.probs)
    assert "newer weights" in window.model_label.text()
    assert "75.0%" in window.accuracy_label.text()


def test_set_model_with_another_architecture_rebuilds_panels(window, qtbot):
    draw_sample(window, qtbot)
    model = build_model("default", np.random.default_rng(1))
    window.set_model(model, {}, "default")
    assert window.feature_maps_panel.row_image("conv2").shape[:2] == (59, 239)


def test_corrupt_model_refused_and_current_kept(window, tmp_path, qtbot):
    draw_sample(window, qtbot)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a model")
    model = window.model
    assert not window.open_model(bad)
    assert window.model is model and window.predictor.name == "test model"
    kind, title, text = window.last_message
    assert kind == "warning" and "broken.npz" in text and "kept" in text
    incompatible = tmp_path / "other.npz"
    np.savez(incompatible, weight=np.zeros(3))
    assert not window.open_model(incompatible)
    assert window.model is model


def test_save_open_and_export(window, tmp_path, qtbot):
    draw_sample(window, qtbot)
    path = tmp_path / "saved.npz"
    assert window.save_model(path)
    loaded, meta = checkpoint.load(path)
    for k, v in window.model.parameters().items():
        np.testing.assert_array_equal(loaded.parameters()[k], v)
    assert meta["name"] == "test model"
    assert window.open_model(path) and window.model_path == path
    png = tmp_path / "drawing.png"
    assert window.export_drawing(png) and png.read_bytes()[:4] == b"\x89PNG"


def test_settings_round_trip(qtbot, settings, tmp_path):
    saved = tmp_path / "m.npz"
    checkpoint.save(small_model(3), saved, {"name": "persisted"})
    first = make_window(qtbot, settings)
    first.resize(1024, 630)  # the minimum width: the offscreen screen is narrower
    first.draw_tab.width_slider.setValue(23)
    first.feature_maps_panel.set_scale("network")
    first.docks["kernels_dock"].close()
    assert first.open_model(saved)
    first.close()

    loaded, problems = startup_model(None, settings.value("model/last_path"))
    assert loaded.name == "persisted" and problems == []
    second = MainWindow(loaded, settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (1024, 630)
    assert second.canvas.pen_width() == 23
    assert second.feature_maps_panel.scale() == "network"
    assert not second.docks["kernels_dock"].isVisible()
    assert second.docks["feature_maps_dock"].isVisible()
    second.actions_by_name["reset_layout"].trigger()
    assert all(d.isVisible() for d in second.docks.values())


def test_startup_falls_back_to_an_untrained_model(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("nonsense")
    loaded, problems = startup_model(str(bad), None, default=tmp_path / "missing.npz")
    assert loaded.path is None and "untrained" in loaded.note
    assert len(problems) == 2 and "bad.npz" in problems[0]


def test_docks_are_named_listed_and_tabs_can_be_added(window):
    from PySide6.QtWidgets import QLabel

    names = set(window.docks)
    assert names == {"prediction_dock", "input_dock", "saliency_dock", "feature_maps_dock",
                     "kernels_dock", "guide_dock"}
    view_menu = next(a.menu() for a in window.menuBar().actions() if "View" in a.text())
    listed = {a.text() for a in view_menu.actions()}
    assert {d.windowTitle() for d in window.docks.values()} <= listed
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Draw", "Train", "Step through"]
    assert window.add_tab(QLabel("more"), "More") == 3
    assert window.tabs.tabText(3) == "More"


def test_guide_follows_the_pointer(window, qtbot):
    window.guide_panel.show_topic("softmax")
    assert "softmax" in window.guide_panel.text().lower()
    window.guide_panel.show_topic("conv2d", "conv1")
    text = window.guide_panel.text()
    assert "stride" in text and "conv1" in text and "8 filters of 3×3×1" in text


def test_ink_box_keeps_the_canvas_shape_after_a_resize_or_another_tab(window, qtbot):
    draw_sample(window, qtbot)
    canvas, panel = window.canvas, window.input_panel

    def same_shape():
        h, w = panel._drawing.image.shape
        return (h, w) == canvas.thumbnail()[0].shape and (
            abs(w / h - canvas.width() / canvas.height()) < 0.05)

    assert same_shape()
    window.resize(1900, 1000)
    qtbot.waitUntil(lambda: canvas.width() > 600)
    assert same_shape()
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # Step through hides the docks
    window.resize(1300, 740)
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.docks["input_dock"].isVisible())
    assert same_shape()


def enter(widget):
    """The Enter event Qt sends a widget when the pointer moves onto it."""
    pos = QPointF(5, 5)
    QApplication.sendEvent(widget, QEnterEvent(pos, pos, QPointF(widget.mapToGlobal(pos))))


def test_a_topic_picked_in_the_guide_stays_when_the_pointer_crosses_the_canvas(window, qtbot):
    guide = window.guide_panel
    box = guide._topic_box
    enter(window.canvas)
    assert guide.topic == "input"
    box.setFocus()
    while box.currentData() != "maxpool2d":  # a person stepping through the closed combo
        qtbot.keyClick(box, Qt.Key.Key_Down)
    assert guide.topic == "maxpool2d" and not guide.following()
    # The popup closes over the canvas, or the person draws: Enter must not undo the pick.
    enter(window.canvas)
    enter(window.docks["prediction_dock"])
    window.feature_maps_panel.layer_hovered.emit("conv1")
    assert guide.topic == "maxpool2d" and box.currentData() == "maxpool2d"
    assert "max pooling" in guide.text().lower()
    # Following again is the person's choice too.
    guide.follow_box.click()
    enter(window.canvas)
    assert guide.topic == "input" and box.currentData() == "input"


def run_app(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                             "QT_QPA_PLATFORM")}
    env.update(env_extra, XDG_CONFIG_HOME=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run([sys.executable, "main.py", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(sys.platform != "linux", reason="elsewhere there is always a screen: the "
                    "window would open and wait for a person")
def test_without_a_display_the_app_explains_headless_use(tmp_path):
    result = run_app([], {}, tmp_path)
    assert result.returncode == 2 and "QT_QPA_PLATFORM=offscreen" in result.stderr


def test_screenshot_of_the_whole_window(tmp_path):
    out = tmp_path / "shot.png"
    model = tmp_path / "m.npz"
    checkpoint.save(small_model(), model, {"name": "tiny"})
    result = run_app(["--model", str(model), "--screenshot", str(out)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_help_shows_shortcuts_and_the_model_card_without_blocking(window):
    window.actions_by_name["shortcuts"].trigger()
    assert "Ctrl+Shift+Z" in window.last_message[2]
    window.actions_by_name["about"].trigger()
    kind, title, text = window.last_message
    assert "About" in title and "test model" in text and "50.0%" in text and "conv2" in text


def test_a_closed_panel_catches_up_when_shown_again(window, qtbot):
    dock = window.docks["feature_maps_dock"]
    dock.close()
    prediction = draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    assert all(r.values is None for r in panel._rows)  # closed: not redrawn while drawing
    dock.show()
    qtbot.waitUntil(lambda: panel._rows[0].values is not None)
    np.testing.assert_array_equal(panel._rows[0].values, prediction.activations["conv1"])


def test_exports_start_in_the_folder_last_exported_to_and_the_settings_recall_it(
        qtbot, settings, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    offered, answers = [], []

    def choose(parent, title, where, filters):
        offered.append(where)
        return (str(answers.pop(0)) if answers else ""), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    window = make_window(qtbot, settings)
    draw_sample(window, qtbot)
    letter = window.predictor.last.top_letter
    models = window.train_tab.model_folder()
    drawings = tmp_path / "drawings"
    drawings.mkdir()
    answers.append(drawings / "mine")
    window.actions_by_name["export"].trigger()  # before any export: the model folder
    assert offered[-1] == str(models / f"letter-{letter}.png")
    assert (drawings / "mine.png").exists()
    window.actions_by_name["export"].trigger()  # cancelled
    assert offered[-1] == str(drawings / f"letter-{letter}.png")
    window.actions_by_name["export_onnx"].trigger()
    assert offered[-1] == str(drawings / "test-model.onnx")
    window.close()

    second = make_window(qtbot, settings)
    second.actions_by_name["export"].trigger()
    assert offered[-1] == str(drawings / "letter.png")  # a blank canvas: no letter in the name


def test_an_export_that_cannot_be_written_says_why(window, qtbot, tmp_path, monkeypatch):
    """Ctrl+E into a folder that cannot be made said only 'Could not write …': nothing to act on."""
    from PySide6.QtWidgets import QFileDialog

    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder would go")
    target = not_a_folder / "letter.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args: (str(target), "PNG images (*.png)"))
    draw_sample(window, qtbot)
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    kind, title, text = window.last_message
    assert title == "Could not export the drawing"
    assert f"{not_a_folder} is a file, not a folder" in text
    assert not_a_folder.read_text() == "a file where a folder would go"
    QApplication.activeModalWidget().close()  # the person reads the message and closes it
    png = tmp_path / "drawing.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args: (str(png), "PNG images (*.png)"))
    qtbot.keyClick(window.canvas, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_esc_on_another_tab_leaves_the_drawing_alone(window, qtbot):
    """Esc on the Step through tab cleared the drawing it was explaining, out of sight."""
    draw_sample(window, qtbot)
    n = len(window.canvas.strokes())
    window.activateWindow()
    window.canvas.setFocus()
    for tab_key in (Qt.Key.Key_2, Qt.Key.Key_3):  # Train, Step through
        qtbot.keyClick(window.canvas, tab_key, Qt.KeyboardModifier.ControlModifier)
        focused = QApplication.focusWidget() or window
        for key in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            qtbot.keyClick(focused, key)
        assert len(window.canvas.strokes()) == n
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_1,
                   Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.draw_tab
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)  # on the Draw tab it clears
    assert window.canvas.is_empty()


def test_opening_the_shipped_model_does_not_send_saves_into_the_app(window, qtbot, monkeypatch):
    """After File › Open shipped model, Save model as… and Export started in the app's own
    assets folder (in an installed app, inside the Python package)."""
    from PySide6.QtWidgets import QFileDialog

    from cnn.paths import DEFAULT_MODEL

    offered = []

    def cancel(parent, title, where, filters):
        offered.append(where)
        return "", filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancel)
    models = window.train_tab.model_folder()
    window.activateWindow()
    window.canvas.setFocus()
    with qtbot.waitSignal(window.predictor.model_changed):
        qtbot.keyClick(window.canvas, Qt.Key.Key_O,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.model_path == DEFAULT_MODEL
    qtbot.keyClick(window.canvas, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.canvas, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(offered) == 2
    for where in offered:
        assert os.path.dirname(where) == str(models)


def test_a_stroke_ends_where_the_canvas_went_out_of_sight(window, qtbot):
    """Ctrl+2 with the button held: the moves made on the Train tab went on drawing on the
    hidden canvas, whose page had been laid out anew, so ink landed where no one drew."""
    canvas = window.canvas
    window.activateWindow()
    canvas.setFocus()
    send_mouse(canvas, QEvent.Type.MouseButtonPress, (100, 100))
    for x in (120, 140, 160):
        send_mouse(canvas, QEvent.Type.MouseMove, (x, 100))
    qtbot.keyClick(canvas, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.train_tab
    for x in (200, 300, 400):  # the button still held: the canvas has the mouse grab
        send_mouse(canvas, QEvent.Type.MouseMove, (x, 100))
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (400, 100), buttons=Qt.MouseButton.NoButton)
    window.tabs.setCurrentWidget(window.draw_tab)
    (stroke,) = canvas.strokes()
    assert stroke[:, 0].max() <= 160
    assert canvas.can_undo() and not canvas.stroke_in_progress()


def test_an_enlarged_map_the_next_model_lacks_is_let_go(qtbot, settings, tmp_path, monkeypatch):
    """conv2's map 60 enlarged, then a model with 16 conv2 maps opened: the kernel beside it
    was looked up in the new weights (IndexError), and the rest of the window never heard of
    the new model: stale kernels, guide, labels and prediction."""
    from PySide6.QtWidgets import QFileDialog

    window = make_window(qtbot, settings, model=build_model("default", np.random.default_rng(0)))
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    viewport = panel._view.viewport()
    pos = map_pixel(panel, "conv2", 60, 5, 6)
    send_mouse(viewport, QEvent.Type.MouseButtonPress, (pos.x(), pos.y()))
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()),
               buttons=Qt.MouseButton.NoButton)
    assert panel.selected.channel == 60 and panel.detail.isVisible()
    other = tmp_path / "small.npz"
    small = build_model("small", np.random.default_rng(1))
    checkpoint.save(small, other, {"name": "small one"})
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(other), ""))
    with qtbot.waitActive(window):
        window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.model_label.text() == "Model: small one"
    assert panel.selected is None and not panel.detail.isVisible()
    assert window.predictor.last.activations["conv2"].shape[0] == 16
    pos = map_pixel(panel, "conv2", 15, 5, 6)  # the new network's last conv2 map enlarges
    send_mouse(viewport, QEvent.Type.MouseButtonPress, (pos.x(), pos.y()))
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()),
               buttons=Qt.MouseButton.NoButton)
    assert panel.selected.channel == 15 and panel.detail.isVisible()


def test_a_damaged_dock_layout_in_the_settings_gives_the_first_run_layout(qtbot, settings,
                                                                         tmp_path):
    """A settings file whose dock layout could not be read, but whose window size could, left
    the docks as first laid out for a window not yet sized: a narrow Prediction dock, the
    Input dock's captions cut short, the maps not filling theirs."""
    first = make_window(qtbot, settings)
    first.close()
    settings.setValue("window/state", QByteArray(b"garbage\0\x01\x02"))
    second = MainWindow(LoadedModel(small_model(), {}, "test model"), settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    none = QSettings(str(tmp_path / "none.ini"), QSettings.Format.IniFormat)
    fresh = make_window(qtbot, none)  # no settings: a first run, at the same size
    fresh.resize(second.size())
    assert all(d.isVisible() and not d.isFloating() for d in second.docks.values())

    def laid_out_alike() -> bool:  # the left column and the maps, as on a first run
        names = ("prediction_dock", "input_dock", "saliency_dock", "feature_maps_dock")
        return all(second.docks[n].size() == fresh.docks[n].size() for n in names)

    qtbot.waitUntil(laid_out_alike, timeout=2000)


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the tooltip, headless
def test_a_docks_title_buttons_say_what_they_do(window, qtbot):
    """The float and close buttons on each panel's title bar were bare icons, no tooltip."""
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QAbstractButton, QToolTip

    dock = window.docks["kernels_dock"]
    buttons = {b.objectName(): b for b in dock.findChildren(QAbstractButton)}
    close = buttons["qt_dockwidget_closebutton"]
    centre = close.rect().center()
    QApplication.sendEvent(close, QHelpEvent(QEvent.Type.ToolTip, centre,
                                             close.mapToGlobal(centre)))
    assert QToolTip.isVisible() and "View › Kernels brings it back" in QToolTip.text()
    QToolTip.hideText()
    assert "Float Kernels" in buttons["qt_dockwidget_floatbutton"].toolTip()
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dock.isVisible()
    dock.toggleViewAction().trigger()
    assert dock.isVisible()


def test_every_control_in_the_window_says_what_it_does(window, qtbot):
    """Buttons, boxes and fields on every tab and panel carry a tooltip. A dock's title-bar tips
    were once set by clearing every button's tip inside the dock, the panel's own among them."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QMenuBar,
        QSlider,
        QTabBar,
    )

    draw_sample(window, qtbot)
    missing = []
    for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider):
        for w in window.findChildren(kind):
            # Qt's own: a table's corner, the scroll arrows of tabs and of a cut menu bar.
            qt_own = w.metaObject().className() == "QTableCornerButton" or (
                isinstance(w, QAbstractButton) and not w.text()
                and isinstance(w.parent(), QTabBar | QMenuBar))
            if not w.toolTip() and not qt_own:
                missing.append(f"{w.metaObject().className()} {getattr(w, 'text', str)()!r} "
                               f"in {w.parent().metaObject().className()}")
    assert missing == []
    guide = window.docks["guide_dock"].findChildren(QAbstractButton)
    assert any("Explain whatever" in b.toolTip() for b in guide)  # a panel's own, kept


def test_open_and_export_start_in_a_folder_that_exists_on_a_fresh_install(
        qtbot, settings, tmp_path, monkeypatch):
    """With no models folder yet, Qt's dialogs fell back to wherever the app was started."""
    import shutil

    from PySide6.QtWidgets import QFileDialog

    from cnn.paths import data_dir

    offered = []

    def cancel(parent, title, where, filters):
        offered.append(Path(where))
        return "", filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", cancel)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancel)
    models = data_dir() / "models"
    shutil.rmtree(models, ignore_errors=True)
    window = make_window(qtbot, settings)
    window.actions_by_name["open"].trigger()
    window.actions_by_name["export"].trigger()
    assert offered == [models, models / "letter.png"] and models.is_dir()
    gone = tmp_path / "gone"  # a folder remembered from last time, removed since
    window.train_tab.set_model_folder(gone)
    window.actions_by_name["open"].trigger()
    qtbot.mouseClick(window.train_tab.open_button, Qt.MouseButton.LeftButton)
    assert offered[-2:] == [models, models] and not gone.exists()


def test_an_export_whose_image_cannot_be_made_writes_nothing(qtbot, settings, tmp_path,
                                                             monkeypatch):
    """An image that would not encode wrote an empty file over the last export, and said
    'Exported'."""
    from PySide6.QtGui import QImage

    window = make_window(qtbot, settings)
    target = tmp_path / "drawing.png"
    target.write_bytes(b"\x89PNG an earlier export")
    monkeypatch.setattr(window.canvas, "to_image", lambda *a, **k: QImage())
    assert not window.export_drawing(str(target))
    assert target.read_bytes() == b"\x89PNG an earlier export"
    kind, title, _ = window.last_message
    assert kind == "warning" and "Could not export" in title


def test_the_enlarged_maps_caption_shows_a_small_bias_in_digits(window, qtbot):
    """A bias of −0.004 read 'plus bias −0.00' beside the enlarged map."""
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    window.model.layer("conv2").params["bias"][3] = -0.0043
    pos = map_pixel(panel, "conv2", 3, 0, 0)
    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonPress, (pos.x(), pos.y()))
    send_mouse(panel._view.viewport(), QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()),
               buttons=Qt.MouseButton.NoButton)
    assert "plus bias −0.0043." in panel.detail.caption.text()
    window.model.layer("conv2").params["bias"][3] = 0.17
    panel.select(panel.selected)  # shown again: two decimals for an ordinary bias
    assert "plus bias +0.17." in panel.detail.caption.text()
