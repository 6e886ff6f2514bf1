"""Never throw away the person's work: Step after a run goes on from its weights, Start, Open
and closing ask first (and Cancel keeps a run going), taught weights count as work, a failed
"Add to my samples" says why (pytest-qt; waits on GUI-thread signals)."""

import errno

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from cnn import checkpoint
from cnn.data import save_npz
from cnn.train import evaluate
from gui.training.controller import PAUSED, RUNNING
from tests.test_gui_training import RUN_TIMEOUT_MS, blobs, config, trained_small
from tests.test_gui_window import draw_sample, make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = make_window(qtbot, settings, model=trained_small(), name="small")
    w.teach._replay = blobs(seed=1)  # no synthetic replay pool to draw in a test
    # The Draw tab stays in front, as at start-up: the questions below are the same either way,
    # and a run then does not wait for curves to paint.
    Answers(w.train_tab, "discard")  # closing at the end must not wait for a person
    return w


@pytest.fixture
def blob_file(tmp_path):
    return str(save_npz(blobs(), tmp_path / "blobs.npz"))


class Answers:
    """Stands in for the Save / Discard / Cancel question; records each time it is asked."""

    def __init__(self, tab, answer: str, path=None):
        self.asked: list[str] = []
        self.answer = answer
        tab._ask_save_before = lambda action: self._ask(action)
        tab._ask_save_on_close = lambda: self._ask("close")
        tab._ask_save_path = lambda: str(path) if path else ""

    def _ask(self, action: str) -> str:
        self.asked.append(action)
        return self.answer


def accuracy(model) -> float:
    s = blobs(seed=3)
    return evaluate(model, s.x, s.y)["accuracy"]


def train_once(qtbot, window, blob_file, epochs=2):
    tab = window.train_tab
    tab.setup.set_config(config(blob_file, epochs=epochs))
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    assert tab.unsaved and window.model is tab.controller.model
    return window.model


def test_step_after_a_run_goes_on_from_its_weights(qtbot, window, blob_file):
    trained = train_once(qtbot, window, blob_file)
    before = accuracy(trained)
    assert before > 0.5
    tab, c = window.train_tab, window.train_tab.controller
    batches = len(c.history)
    with qtbot.waitSignal(c.step_inspected, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.step_button, Qt.MouseButton.LeftButton)
    assert c.state == PAUSED and len(c.history) == batches + 1  # the history goes on
    assert [e["epoch"] for e in c.history.epochs] == [1, 2]
    assert c.history.x[-1] > 2.0  # one batch into the third epoch, not a new first one
    stepped = window.model  # published before the step's gradients were inspected
    assert stepped is not trained and stepped is c.model
    assert accuracy(stepped) > before - 0.1  # one batch on: not a new random network
    assert tab.stop_and_wait(10)


def test_step_after_a_saved_run_follows_the_forms_new_network(qtbot, window, blob_file,
                                                               tmp_path):
    train_once(qtbot, window, blob_file)
    tab, c = window.train_tab, window.train_tab.controller
    assert tab.save_model_as(tmp_path / "run.npz") and not tab.unsaved
    custom = [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
              {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"},
              {"type": "linear", "out_features": 26}]
    tab.setup.set_config(config(blob_file, arch=custom))  # a new network of another shape
    with qtbot.waitSignal(c.step_inspected, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.step_button, Qt.MouseButton.LeftButton)
    assert c.model.layer("conv1").params["weight"].shape[0] == 4 and not c.history.epochs
    assert tab.stop_and_wait(10)


def test_start_after_an_unsaved_run_asks_and_cancel_keeps_it(qtbot, window, blob_file, tmp_path):
    trained = train_once(qtbot, window, blob_file)
    tab = window.train_tab
    answers = Answers(tab, "cancel")
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert answers.asked == ["start a new network from scratch"]
    assert not tab.is_running() and window.model is trained

    answers.answer, target = "save", tmp_path / "kept.npz"
    tab._ask_save_path = lambda: str(target)
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    saved, meta = checkpoint.load(target)  # saved first, then the new run started
    for k, v in trained.parameters().items():
        np.testing.assert_array_equal(saved.parameters()[k], v)
    assert len(meta["history"]) == 2
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)


def test_start_fine_tuning_the_current_model_does_not_ask(qtbot, window, blob_file):
    train_once(qtbot, window, blob_file, epochs=1)
    tab = window.train_tab
    answers = Answers(tab, "cancel")
    tab.setup.set_config(config(blob_file, epochs=1, from_current=True))
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert answers.asked == []  # nothing is dropped: the run goes on from these weights
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    assert [e["epoch"] for e in tab.controller.history.epochs] == [1, 2]


def teach_once(qtbot, window):
    window.tabs.setCurrentWidget(window.draw_tab)
    draw_sample(window, qtbot)
    with qtbot.waitSignal(window.teach.taught, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.teach_bar.teach_button, Qt.MouseButton.LeftButton)
    return window.model


def test_taught_weights_are_offered_for_saving_on_close(qtbot, window, tmp_path):
    taught = teach_once(qtbot, window)
    target = tmp_path / "taught.npz"
    answers = Answers(window.train_tab, "cancel", target)
    assert not window.close() and window.isVisible()  # Cancel: nothing closes
    answers.answer = "save"
    assert window.close()
    assert answers.asked == ["close", "close"]
    saved, meta = checkpoint.load(target)
    assert meta["taught_drawings"] == 1 and meta["name"] == "small"
    for k, v in taught.parameters().items():
        np.testing.assert_array_equal(saved.parameters()[k], v)


def test_fine_tuned_weights_are_offered_for_saving_on_close(qtbot, window):
    window.tabs.setCurrentWidget(window.draw_tab)
    draw_sample(window, qtbot)
    window.teach_bar.add_current()
    with qtbot.waitSignal(window.teach.fine_tuned, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.teach_bar.fine_tune_button, Qt.MouseButton.LeftButton)
    answers = Answers(window.train_tab, "discard")
    assert window.close()
    assert answers.asked == ["close"]


def test_open_model_after_teaching_asks_first(qtbot, window, tmp_path):
    other = tmp_path / "other.npz"
    checkpoint.save(trained_small(1), other, {"name": "other"})
    taught = teach_once(qtbot, window)
    answers = Answers(window.train_tab, "cancel")
    assert not window.open_model(other)  # File › Open
    assert window.model is taught
    assert not window.train_tab.open_model(other)  # the Train tab's Open model…
    assert window.model is taught
    assert answers.asked == ["open another model"] * 2
    answers.answer = "discard"
    assert window.open_model(other) and window.predictor.name == "other"
    assert not window.train_tab.unsaved  # the opened model is in its file
    assert window.close() and answers.asked == ["open another model"] * 3


def test_a_lesson_ending_after_another_model_was_opened_is_not_applied(qtbot, window, tmp_path):
    other = tmp_path / "other.npz"
    checkpoint.save(trained_small(1), other, {"name": "other"})
    window.tabs.setCurrentWidget(window.draw_tab)
    draw_sample(window, qtbot)
    with qtbot.waitSignal(window.teach.failed, timeout=RUN_TIMEOUT_MS) as said:
        qtbot.mouseClick(window.teach_bar.teach_button, Qt.MouseButton.LeftButton)
        assert window.teach.is_busy()
        assert window.open_model(other)  # File › Open while the lesson runs
    assert "not applied" in said.args[0]
    assert window.predictor.name == "other" and not window.train_tab.unsaved
    assert "not applied" in window.teach_bar.results.text()


def test_start_from_scratch_after_teaching_asks_first(qtbot, window, blob_file):
    taught = teach_once(qtbot, window)
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    tab.setup.set_config(config(blob_file))
    answers = Answers(tab, "cancel")
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert answers.asked == ["start a new network from scratch"]
    assert not tab.is_running() and window.model is taught


def test_closing_mid_run_then_cancel_keeps_the_run_going(qtbot, window, blob_file):
    tab = window.train_tab
    tab.setup.set_config(config(blob_file, epochs=500))
    with qtbot.waitSignal(tab.weights_published, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    seen = []

    def ask():  # the run is still going while the question is open
        seen.append((tab.is_running(), tab.controller.state))
        return "cancel"

    tab._ask_save_on_close = ask
    assert not window.close()
    assert seen == [(True, RUNNING)]
    assert window.isVisible() and tab.controller.state == RUNNING
    with qtbot.waitSignal(tab.controller.progressed, timeout=RUN_TIMEOUT_MS):
        pass  # and it goes on training
    tab._ask_save_on_close = lambda: "save"
    tab._ask_save_path = lambda: ""  # Save, then Cancel in the file dialog
    assert not window.close()
    assert window.isVisible() and tab.controller.state == RUNNING
    tab._ask_save_on_close = lambda: "discard"
    assert window.close()
    assert not tab.is_running() and tab.controller.last_result["reason"] == "stopped"


def test_save_with_an_unwritable_data_folder_still_offers_a_place(qtbot, window, monkeypatch,
                                                                 tmp_path):
    taught = teach_once(qtbot, window)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setenv("LETTERLENS_DATA_DIR", str(blocked))
    offered = []
    target = tmp_path / "kept.npz"

    def choose(parent, title, where, filters):
        offered.append(where)
        return str(target), filters

    del window.train_tab._ask_save_path  # the real one, with the file dialog below
    monkeypatch.setattr("gui.training.tab_files.QFileDialog.getSaveFileName", choose)
    window.train_tab._ask_save_on_close = lambda: "save"
    assert window.close()
    assert offered and not offered[0].startswith(str(blocked))
    saved, _ = checkpoint.load(target)
    for k, v in taught.parameters().items():
        np.testing.assert_array_equal(saved.parameters()[k], v)


def test_the_question_says_a_run_goes_on_only_while_it_does(qtbot, window, blob_file,
                                                           no_blocking_dialogs):
    tab = window.train_tab
    del tab._ask_save_before  # the real question, answered by the test dialogs: Discard
    tab.setup.set_config(config(blob_file, epochs=500))
    with qtbot.waitSignal(tab.weights_published, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab._ask_save_before("close") == "discard"
    with qtbot.waitSignal(tab.controller.worker_paused, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    assert tab.controller.state == PAUSED
    assert tab._ask_save_before("close") == "discard"
    (_, going), (_, paused) = no_blocking_dialogs
    assert "training goes on while you decide" in going
    assert "goes on" not in paused and "before you close?" in paused
    tab.stop_and_wait()


def test_add_to_my_samples_on_a_full_disk_says_so(qtbot, window, monkeypatch):
    import cnn.samples

    def full(path, write):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cnn.samples, "atomic_write", full)
    window.tabs.setCurrentWidget(window.draw_tab)
    draw_sample(window, qtbot)
    bar = window.teach_bar
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
    text = bar.results.text()
    assert "Could not add this" in text and "No space left on device" in text
    assert str(window.sample_store.folder) in text and bar.results.isVisible()
    assert len(window.sample_store) == 0 and bar.counter.text().endswith("0 in all")
    assert not window.canvas.is_empty()  # the drawing is kept to try again


def test_a_save_that_fails_while_closing_from_the_draw_tab_says_why(qtbot, window, tmp_path):
    """Save in the closing question, to a place that cannot be written: the window stayed
    open with no word why (the reason went to the Train tab's banner, out of sight)."""
    teach_once(qtbot, window)
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder would go")
    Answers(window.train_tab, "save", not_a_folder / "taught.npz")
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.isVisible()  # the work is not in a file: the window stays
    kind, title, text = window.last_message
    assert title == "Could not save the model"
    assert f"{not_a_folder} is a file, not a folder" in text
    Answers(window.train_tab, "discard")
    QApplication.activeModalWidget().close()  # the person reads the message and closes it
    qtbot.keyClick(window.canvas, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
