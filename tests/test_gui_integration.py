"""The window with its Train tab and teach bar: tabs and docks, teaching from the Draw tab,
closing during a run, saving (pytest-qt, headless; every wait is on a GUI-thread signal)."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QGraphicsView, QTextBrowser

from cnn.paths import DEFAULT_MODEL
from cnn.samples import SampleStore
from tests.test_gui_training import RUN_TIMEOUT_MS, blobs, config, trained_small
from tests.test_gui_window import draw_sample, make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = make_window(qtbot, settings, model=trained_small(), name="small")
    w.teach._replay = blobs(seed=1)  # no synthetic replay pool to draw in a test
    return w


def test_window_has_draw_and_train_tabs_and_a_teach_bar(window, tmp_path):
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Draw", "Train", "Step through"]
    assert window.teach_bar.parent() is window.draw_tab
    assert window.sample_store.folder == tmp_path / "data" / "samples"
    window.actions_by_name["shortcuts"].trigger()
    assert "Shift+A" in window.last_message[2]


def test_train_tab_hides_the_docks_and_draw_restores_those_shown(window, qtbot, settings):
    window.docks["kernels_dock"].close()
    shown = {n for n, d in window.docks.items() if d.isVisible()}
    window.tabs.setCurrentWidget(window.train_tab)
    assert not any(d.isVisible() for d in window.docks.values())
    assert not window.docks["input_dock"].toggleViewAction().isEnabled()
    window.save_settings()  # the Draw tab's layout is what is remembered
    window.tabs.setCurrentWidget(window.draw_tab)
    assert {n for n, d in window.docks.items() if d.isVisible()} == shown
    assert window.docks["input_dock"].toggleViewAction().isEnabled()
    assert window.restoreState(settings.value("window/state"))
    assert {n for n, d in window.docks.items() if d.isVisible()} == shown


def test_add_to_my_samples_stores_the_label_and_counts(window, qtbot):
    prediction = draw_sample(window, qtbot)
    bar = window.teach_bar
    assert bar.label.currentIndex() == prediction.top_index  # the predicted letter preselected
    window.draw_tab.setFocus()
    qtbot.keyClick(window.draw_tab, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert bar.label.currentText() == "K"
    with qtbot.waitSignal(window.teach.counts_changed):
        bar.add_button.click()
    store = SampleStore(window.sample_store.folder)
    assert len(store) == 1 and store.counts()[10] == 1
    assert bar.counter.text().startswith("my samples: 1 K")
    window.tabs.setCurrentWidget(window.train_tab)
    assert window.train_tab.setup.my_samples.text() == "My samples (1)"


def test_shift_letter_sets_the_label_from_the_panels_and_the_tab_title_too(window, qtbot):
    """With the focus in a docked panel (a picture clicked, the guide tabbed to) Shift+C did
    nothing, as on the tab's title after Ctrl+1. On another tab it leaves the label alone."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)
    bar = window.teach_bar
    plot = window.prediction_panel.findChildren(QGraphicsView)[0]
    guide = window.guide_panel.findChildren(QTextBrowser)[0]
    for widget, key, letter in ((plot, Qt.Key.Key_C, "C"), (guide, Qt.Key.Key_D, "D"),
                                (window.tabs.tabBar(), Qt.Key.Key_G, "G")):
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        assert QApplication.focusWidget() is widget
        qtbot.keyClick(widget, key, Qt.KeyboardModifier.ShiftModifier)
        assert bar.label.currentText() == letter
    # A panel's drop-down took Shift+letter to find an item: the Kernels box switched layer.
    kernels_box = window.kernels_panel.findChild(QComboBox)
    layer = kernels_box.currentText()
    kernels_box.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(kernels_box, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)
    assert bar.label.currentText() == "C" and kernels_box.currentText() == layer
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    window.tabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(window.tabs.tabBar(), Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert bar.label.currentText() == "C"


def test_teach_this_letter_swaps_the_model_and_repredicts(window, qtbot, settings):
    before = draw_sample(window, qtbot)
    model = window.model
    with qtbot.waitSignal(window.teach.taught, timeout=RUN_TIMEOUT_MS):
        assert window.teach_bar.teach_current()
    after = window.predictor.last
    assert window.model is not model and after is not before and not after.blank
    assert "taught 1 drawing" in window.model_label.text()
    asked = []
    window.train_tab._ask_save_on_close = lambda: asked.append("close") or "discard"
    window.close()
    assert asked == ["close"]  # taught weights are work: closing offers to save them
    assert settings.value("model/last_path") == ""  # taught weights have no file


def test_closing_during_a_run_stops_the_worker_without_a_dialog(window, qtbot, tmp_path):
    from cnn.data import save_npz

    blob_file = str(save_npz(blobs(), tmp_path / "blobs.npz"))
    tab = window.train_tab
    tab._ask_save_on_close = lambda: "discard"  # what a blocking question would answer
    window.tabs.setCurrentWidget(tab)
    tab.setup.set_config(config(blob_file, epochs=200))
    with qtbot.waitSignal(window.predictor.model_changed, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    assert "training…" in window.model_label.text()
    assert not window.teach_bar.teach_button.isEnabled()  # the run would undo the teaching
    thread = tab.controller.run_thread()
    assert thread is not None and thread.isRunning()
    assert window.close()
    assert not tab.is_running() and tab.controller.run_thread() is None


def test_a_run_keeps_to_one_core_while_a_pen_moves(window, qtbot, tmp_path, monkeypatch):
    from cnn.data import save_npz
    from gui.replay import send_stroke
    from gui.training import worker as worker_module

    monkeypatch.setattr(worker_module, "DRAWING_GRACE", 600.0)  # no clock in the test
    tab = window.train_tab
    tab._ask_save_on_close = lambda: "discard"
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=200))
    with qtbot.waitSignal(window.predictor.model_changed, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    worker = tab.controller._worker
    assert worker._threads() is None  # every core, as the run was set up
    seen = []
    send_stroke(window.canvas, [(40, 40), (60, 70), (80, 100)],
                after_move=lambda: seen.append(worker._threads()))
    assert seen and all(n == 1 for n in seen)  # one core while the pen moves
    assert tab.stop_and_wait(10)


def test_weights_published_under_a_moving_pen_wait_for_the_stroke_to_end(window, qtbot,
                                                                         tmp_path):
    from PySide6.QtCore import QEvent

    from cnn.data import save_npz
    from gui.replay import send_mouse

    tab, canvas = window.train_tab, window.canvas
    tab._ask_save_on_close = lambda: "discard"
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=200))
    with qtbot.waitSignal(window.predictor.model_changed, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    send_mouse(canvas, QEvent.Type.MouseButtonPress, (50, 50))
    send_mouse(canvas, QEvent.Type.MouseMove, (70, 90))
    shown, published = window.model, []
    tab.weights_published.connect(lambda model, meta: published.append(model))
    qtbot.waitUntil(lambda: len(published) >= 2, timeout=RUN_TIMEOUT_MS)
    assert window.model is shown and canvas.stroke_in_progress()  # no swap mid-stroke
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (70, 90),
               buttons=Qt.MouseButton.NoButton)
    assert window.model is published[-1]  # only the newest, once the pen lifts
    assert tab.stop_and_wait(10)


def test_save_model_as_refuses_the_shipped_file_and_keeps_history(window, qtbot, tmp_path):
    before = DEFAULT_MODEL.stat().st_mtime if DEFAULT_MODEL.exists() else None
    assert not window.save_model(DEFAULT_MODEL)
    kind, title, text = window.last_message
    assert kind == "warning" and "shipped" in text
    assert (DEFAULT_MODEL.stat().st_mtime if DEFAULT_MODEL.exists() else None) == before
    path = tmp_path / "mine.npz"
    assert window.save_model(path) and path.exists()
    assert window.last_file == path


def test_train_tab_publishes_into_the_draw_tab_and_saves(window, qtbot, tmp_path, settings):
    from cnn import checkpoint
    from cnn.data import save_npz

    draw_sample(window, qtbot)
    blob_file = str(save_npz(blobs(), tmp_path / "blobs.npz"))
    tab = window.train_tab
    tab.setup.set_config(config(blob_file, epochs=1))
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=RUN_TIMEOUT_MS)
    assert window.model is window.training.published
    assert "trained 1 epoch" in window.model_label.text()
    path = tmp_path / "trained.npz"
    assert window.save_model(path) and not tab.unsaved
    _, meta = checkpoint.load(path)
    assert len(meta["history"]) == 1
    window.close()
    assert settings.value("model/last_path") == str(path)
    assert np.isfinite(window.predictor.last.probs).all()


def test_a_failed_save_names_the_chosen_path_and_why_in_words(window, tmp_path, monkeypatch):
    import errno

    import cnn.fileio

    (tmp_path / "app.log").write_text("a log, not a folder")
    path = tmp_path / "app.log" / "m2.npz"
    assert not window.save_model(path)
    kind, title, text = window.last_message
    assert (kind, title) == ("warning", "Could not save the model")
    assert text == f"Could not save {path}: {tmp_path / 'app.log'} is a file, not a folder."

    def denied(*args, dir=None, **kw):  # as /sys answers (the tests may run as root)
        raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/.m3.npz.2he1muvu.tmp")

    monkeypatch.setattr(cnn.fileio.tempfile, "mkstemp", denied)
    assert not window.save_model(tmp_path / "m3.npz")
    text = window.last_message[2]
    assert text == (f"Could not save {tmp_path / 'm3.npz'}: permission denied — choose a "
                    "folder you can write to.")
    assert "Errno" not in text and ".tmp" not in text


def test_a_save_or_open_from_the_file_menu_clears_the_train_tabs_failed_save(window, tmp_path):
    tab = window.train_tab
    (tmp_path / "a_file").write_text("not a folder")
    assert not tab.save_model_as(tmp_path / "a_file" / "x.npz")
    assert tab.controls.banner.isVisibleTo(tab)
    good = tmp_path / "good.npz"
    assert window.save_model(good)
    assert not tab.controls.banner.isVisibleTo(tab)
    assert not tab.save_model_as(tmp_path / "a_file" / "x.npz")
    assert window.open_model(good)
    assert not tab.controls.banner.isVisibleTo(tab)


def test_both_save_commands_start_in_the_folder_last_used(qtbot, window, settings, tmp_path,
                                                          monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from gui.window_settings import restore

    offered, answers = [], []

    def choose(parent, title, where, filters):
        offered.append(where)
        return str(answers.pop(0)), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    tab = window.train_tab
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    answers += [first / "a.npz", second / "b.npz", first / "c.npz"]
    window.actions_by_name["save"].trigger()  # File › Save model as…
    assert offered[-1] == str(tmp_path / "data" / "models" / "small.npz")  # not ./model.npz
    assert (first / "a.npz").exists()
    qtbot.mouseClick(tab.controls.save_button, Qt.MouseButton.LeftButton)  # the tab's Save…
    assert offered[-1] == str(first / "small.npz")
    assert (second / "b.npz").exists()
    window.actions_by_name["save"].trigger()
    assert offered[-1] == str(second / "b.npz")  # the tab's save named the model after its file
    assert (first / "c.npz").exists()
    # Opening a model moves both too; the settings recall the folder in the next session.
    assert window.open_model(second / "b.npz")
    assert tab.default_save_path().parent == second
    window.save_settings()
    tab.set_model_folder(None)
    assert tab.default_save_path().parent == tmp_path / "data" / "models"
    restore(window, settings)
    assert tab.default_save_path().parent == second


def test_tab_from_the_canvas_stops_only_where_a_key_does_something(window, qtbot):
    """Tab went from the canvas through the Prediction, Input and Saliency pictures (and the
    kernels) before reaching a control: stops that showed no focus and took no key. The feature
    maps are the one picture Tab stops at: their arrows pick a map, and they show it. A click
    on a picture still focuses it."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)
    window.canvas.setFocus()
    chain = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        chain.append(QApplication.focusWidget())
    maps = window.feature_maps_panel
    assert {w for w in chain if isinstance(w, QGraphicsView)} == {maps._view}
    assert maps.isAncestorOf(chain[0])  # its colour scale, first
    assert chain[1] is maps._view  # then the maps
    assert QApplication.focusWidget() is not maps._view
    assert not maps._keys.marker_shown()  # the current map's outline left with the focus
    assert window.canvas in chain and window.teach_bar.add_button in chain
    plot = window.prediction_panel.findChildren(QGraphicsView)[0]
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is plot


def test_a_plain_key_on_a_step_through_drop_down_is_the_boxs_too(window, qtbot):
    """The chapters are made when first opened, after the window guarded its own boxes: on the
    pooling chapter's layer box, P switched the Draw tab's eraser back to the pen."""
    from PySide6.QtWidgets import QComboBox

    from tests.step_through_helpers import open_tab

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_sample(window, qtbot)
    window.actions_by_name["eraser"].trigger()
    view = open_tab(window, qtbot, "pooling").views["pooling"]
    box = next(b for b in view.findChildren(QComboBox) if b.isVisible())
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_P)
    assert window.actions_by_name["eraser"].isChecked()


def test_a_plain_key_on_a_drop_down_box_picks_an_item_not_the_pen(window, qtbot):
    """P and E are the pen and the eraser everywhere else; on the Colour scale box, whose items
    read 'per map', 'per layer', 'whole network', typing 'p' switched to the pen instead."""
    from PySide6.QtWidgets import QComboBox

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    box = window.feature_maps_panel.findChild(QComboBox)
    box.setFocus()
    pause = QApplication.keyboardInputInterval() + 50  # each key a search of its own
    qtbot.keyClick(box, Qt.Key.Key_W)  # "whole network"
    assert box.currentText() == "whole network"
    qtbot.wait(pause)
    qtbot.keyClick(box, Qt.Key.Key_E)  # no item starts with e: the key is the box's anyway
    assert not window.actions_by_name["eraser"].isChecked()
    qtbot.wait(pause)
    qtbot.keyClick(box, Qt.Key.Key_P)
    assert box.currentText().startswith("per ")
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)  # on the canvas, E is still the eraser
    assert window.actions_by_name["eraser"].isChecked()
