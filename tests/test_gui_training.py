"""The Train tab and its worker: runs, controls, divergence, closing, saving (pytest-qt, headless).

Every wait is on a signal of the controller or the tab, which live in the GUI thread. Runs use a
tiny learnable letter set in tmp_path; user folders point into tmp_path as well.
"""

import functools
import logging

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn import checkpoint
from cnn.data import LetterSet, save_npz
from cnn.model import build_model
from cnn.optim import Adam
from cnn.paths import DEFAULT_MODEL
from cnn.runs.config import RunConfig
from cnn.train import fit
from gui.training.controller import IDLE, PAUSED, RUNNING
from gui.training.tab import TrainTab

RUN_TIMEOUT_MS = 30_000  # generous: a busy machine is slow, never wrong
STOP_TIMEOUT_S = 30


def blobs(n=390, seed=0) -> LetterSet:
    """A learnable toy set: class k is a bright square at a class-specific place."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 26
    x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    for i, k in enumerate(y):
        r, c = 2 + (k // 6) * 5 + rng.integers(0, 2), 2 + (k % 6) * 4 + rng.integers(0, 2)
        x[i, r:r + 4, c:c + 4] = 255
    return LetterSet(x, y, writer=np.arange(n) % 13, source="blobs")


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LETTERLENS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def blob_file(folders):
    return str(save_npz(blobs(), folders / "blobs.npz"))


@functools.cache
def _trained_state(epochs: int) -> dict:
    s = blobs()
    model = build_model("small", np.random.default_rng(0))
    for _ in fit(model, s.x, s.y, epochs=epochs, batch_size=32, optimizer=Adam(3e-3),
                 rng=np.random.default_rng(0)):
        pass
    return model.state_dict()


def trained_small(epochs=3):
    """A small model trained on blobs (trained once per session, a fresh copy each call)."""
    model = build_model("small", np.random.default_rng(0))
    model.load_state_dict(_trained_state(epochs))
    return model


def config(blob_file, **kw) -> RunConfig:
    base = dict(synthetic=0, my_samples=False, files=[blob_file], arch="small", epochs=2,
                batch_size=32, lr=3e-3, augment=False, val_fraction=0.25, name="tiny")
    return RunConfig(**{**base, **kw})


def make_tab(qtbot, current=None, store=None, show=False):
    tab = TrainTab(current_model=(lambda: current) if current else None, sample_store=store)
    qtbot.addWidget(tab)
    tab.resize(1366, 720)
    if show:  # hidden curves skip their redraws
        tab.show()
        qtbot.waitExposed(tab)
    return tab


def run_to_end(qtbot, tab):
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        assert tab.start()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=RUN_TIMEOUT_MS)
    return blocker.args[0]


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen show
def test_short_run_updates_curves_matrix_and_gallery(qtbot, blob_file):
    tab = make_tab(qtbot, show=True)
    tab.setup.set_config(config(blob_file))
    published = []
    tab.weights_published.connect(lambda m, meta: published.append((m, meta)))
    result = run_to_end(qtbot, tab)

    assert result["reason"] == "done"
    h = tab.controller.history
    steps_per_epoch = max(1, round(tab.controller.data_info["train_n"] / 32))  # even batches
    assert len(h) == 2 * steps_per_epoch and [e["epoch"] for e in h.epochs] == [1, 2]
    assert h.layers == ["conv1", "conv2", "fc1", "fc2"] and h.grad_norms.shape == (len(h), 4)
    assert len(tab.curves.loss_smooth.getData()[0]) == len(h)
    assert len(tab.curves.acc_val.getData()[0]) == 2
    val_n = tab.controller.data_info["val_n"]
    assert tab.confusion.confusion.sum() == val_n
    wrong = int((tab.views.predictions != tab.views.val_y).sum())
    assert tab.gallery.count == min(wrong, tab.gallery.capacity)
    # The Draw tab gets models of its own, the last one holding the final weights.
    assert published and all(m is not tab.controller.model for m, _ in published[:-1])
    final, meta = published[-1]
    assert meta["history"][-1]["epoch"] == 2 and meta["name"] == "tiny"
    for k, v in final.parameters().items():
        assert np.isfinite(v).all(), k
    # A click on a confusion cell shows that cell's letters.
    true = int(tab.views.val_y[0])
    tab.confusion.select_cell(true, true)
    right = int(((tab.views.val_y == true) & (tab.views.predictions == true)).sum())
    assert tab.gallery.count == right
    # The matrix is drawn when its page is first seen, with the result and the cell marked.
    assert not tab.confusion.plots_made
    tab.views.setCurrentIndex(1)
    assert tab.confusion.plots_made and tab.confusion.marker.isVisible()
    assert tab.confusion.marker.rect().topLeft().toTuple() == (true, true)
    total = int(tab.confusion.confusion.sum())
    assert f"of {total:,} validation letters" in tab.confusion.title.text


def test_pause_step_resume_and_stop(qtbot, blob_file):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, epochs=200))
    c = tab.controller
    with qtbot.waitSignal(c.progressed, timeout=RUN_TIMEOUT_MS):
        tab.start()
    # The batch under way when Pause comes finishes; then the worker sends what it has and waits.
    with qtbot.waitSignal(c.worker_paused, timeout=RUN_TIMEOUT_MS):
        tab.pause()
        assert c.state == PAUSED and tab.pause_button.text() == "Resume"
    before = len(c.history)

    # Step trains exactly one batch and waits again: had anything moved while paused, the
    # batches sent before this second wait would be more than one.
    flows = []
    c.step_inspected.connect(flows.append)
    with qtbot.waitSignals([c.step_inspected, c.worker_paused], order="strict",
                           timeout=RUN_TIMEOUT_MS):
        tab.step()
    assert len(c.history) == before + 1 and len(flows) == 1
    flow = flows[0]
    assert flow["input_grad"].shape == (28, 28) and set(flow["grads"]) >= {"conv1", "fc2"}
    assert tab.backprop.flow is flow and c.state == PAUSED

    with qtbot.waitSignal(c.progressed, timeout=RUN_TIMEOUT_MS):
        tab.resume()
    assert c.state == RUNNING
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        tab.stop()
    assert blocker.args[0]["reason"] == "stopped"
    qtbot.waitUntil(lambda: c.state == IDLE, timeout=RUN_TIMEOUT_MS)
    assert tab.start_button.isEnabled()


def test_step_from_idle_starts_a_paused_run(qtbot, blob_file):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file))
    with qtbot.waitSignal(tab.controller.step_inspected, timeout=RUN_TIMEOUT_MS):
        tab.step()
    assert len(tab.controller.history) == 1 and tab.controller.state == PAUSED
    # What it shows is one letter through the updated weights, not the batch's own numbers.
    header = " ".join(tab.views.backprop.header.text().split())
    assert "picked at random" in header and "through the weights after this step" in header
    assert tab.stop_and_wait(STOP_TIMEOUT_S)


def test_divergence_stops_says_why_and_restores_good_weights(qtbot, blob_file):
    current = trained_small(epochs=1)
    tab = make_tab(qtbot, current=(current, {"name": "base"}))
    tab.refresh_current_model()
    # The form refuses a rate this absurd (see test_gui_usability); a run given one anyway
    # must still end cleanly.
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        tab.controller.start(config(blob_file, from_current=True, optimizer="sgd", lr=1e6),
                             current, {"name": "base"})
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    result = blocker.args[0]
    assert result["reason"] == "diverged"
    kind, title, text = tab.last_message
    assert "learning rate too high" in text and not tab.banner.isHidden()
    model = tab.controller.model
    assert model is not None and model is not current
    for k, v in model.parameters().items():
        assert np.isfinite(v).all(), k
    # Finite is not enough: the weights kept still read letters (the first step's update at
    # lr 1e6 leaves finite weights whose scores overflow; those are not the ones kept).
    x = blobs(26).x.astype(np.float32)[:, None] / 255
    assert np.isfinite(model.forward(x)).all()
    assert tab.controller.state == IDLE


def test_closing_mid_run_stops_promptly_and_offers_to_save(qtbot, blob_file, folders):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, epochs=500))
    with qtbot.waitSignal(tab.weights_published, timeout=RUN_TIMEOUT_MS):
        tab.start()
    thread = tab.controller.run_thread()
    assert tab.stop_and_wait(STOP_TIMEOUT_S)
    # Stopped between batches, long before the run's 500 epochs.
    assert len(tab.controller.history) < 500 * -(-tab.controller.data_info["train_n"] // 32)
    assert thread.isFinished() and not tab.is_running() and tab.controller.state == IDLE
    assert tab.controller.last_result["reason"] == "stopped"
    assert tab.unsaved

    tab._ask_save_on_close = lambda: "cancel"
    assert tab.offer_save_on_close() is False
    target = folders / "data" / "models" / "closing.npz"
    tab._ask_save_on_close = lambda: "save"
    tab._ask_save_path = lambda: str(target)
    assert tab.offer_save_on_close() is True
    assert target.exists() and not tab.unsaved
    assert tab.offer_save_on_close() is True  # nothing new to save


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_save_and_reopen_restores_the_curves(qtbot, blob_file, folders):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file))
    run_to_end(qtbot, tab)
    path = folders / "data" / "models" / "tiny.npz"
    assert tab.default_save_path() == path
    with qtbot.waitSignal(tab.model_saved, timeout=RUN_TIMEOUT_MS):
        assert tab.save_model_as(path)
    assert not tab.save_model_as(DEFAULT_MODEL) and "never overwritten" in tab.last_message[2]

    saved = tab.controller.history
    other = make_tab(qtbot)
    with qtbot.waitSignal(other.model_opened, timeout=RUN_TIMEOUT_MS) as blocker:
        assert other.open_model(path)
    model, meta, opened = blocker.args
    assert opened == str(path) and meta["history"] == checkpoint.load(path)[1]["history"]
    h = other.controller.history
    assert [e["epoch"] for e in h.epochs] == [1, 2]
    np.testing.assert_allclose(h.loss, saved.loss, rtol=1e-5)
    assert h.layers == saved.layers
    assert not other.curves.plots_made  # a tab never shown has not drawn them yet
    other.show()
    qtbot.waitExposed(other)
    assert len(other.curves.loss_smooth.getData()[0]) == len(saved)
    assert len(other.curves.acc_val.getData()[0]) == 2
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, tab.controller.model.parameters()[k])


def test_fine_tuning_continues_the_history(qtbot, blob_file):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, epochs=1))
    run_to_end(qtbot, tab)
    base = (tab.controller.model, tab.controller.meta)
    again = make_tab(qtbot, current=base)
    again.refresh_current_model()
    again.setup.set_config(config(blob_file, epochs=1, from_current=True))
    run_to_end(qtbot, again)
    h = again.controller.history
    assert [e["epoch"] for e in h.epochs] == [1, 2]
    assert h.x[-1] == pytest.approx(2.0)



def test_a_new_run_on_other_validation_letters_clears_the_last_runs_mistakes(qtbot, blob_file):
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, epochs=1, val_fraction=0.25))
    run_to_end(qtbot, tab)
    first_n = len(tab.views.val_y)
    assert tab.confusion.confusion.sum() == first_n and tab.views.predictions is not None
    # Fine-tuning on the same split keeps the last matrix, its cells still open their letters.
    tab.setup.set_config(config(blob_file, epochs=1, val_fraction=0.25, from_current=True))
    tab._current_model = lambda: (tab.controller.model, tab.controller.meta)
    with qtbot.waitSignal(tab.controller.data_loaded, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    assert tab.confusion.confusion.sum() == first_n and tab.views.predictions is not None
    assert tab.stop_and_wait(STOP_TIMEOUT_S)
    # A run holding out another share: the old matrix counted letters this run does not have.
    tab.unsaved = False
    tab.setup.set_config(config(blob_file, epochs=1, val_fraction=0.4))
    with qtbot.waitSignal(tab.controller.data_loaded, timeout=RUN_TIMEOUT_MS):
        assert tab.start()
    assert len(tab.views.val_y) != first_n
    assert tab.confusion.confusion.sum() == 0 and tab.gallery.count == 0
    assert "appear after each epoch" in tab.gallery.title.text()
    assert tab.stop_and_wait(STOP_TIMEOUT_S)


def test_a_run_that_goes_on_after_one_stopped_mid_epoch_is_drawn_after_it(qtbot, blob_file):
    from gui.training.history import History

    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, epochs=1))
    run_to_end(qtbot, tab)
    model, meta = tab.controller.model, dict(tab.controller.meta)
    per_epoch = len(tab.controller.history)
    stopped = History.from_meta(meta)  # as if a second epoch was stopped a third of the way
    layers = len(stopped.layers)
    stopped.add_batches({"x": np.array([1.2, 1.3]), "loss": np.ones(2), "accuracy": np.ones(2),
                         "layers": stopped.layers, "grad_norms": np.ones((2, layers)),
                         "update_norms": np.ones((2, layers))})
    meta.update(stopped.to_meta())
    again = make_tab(qtbot, current=(model, meta))
    again.refresh_current_model()
    again.setup.set_config(config(blob_file, epochs=1, from_current=True))
    run_to_end(qtbot, again)
    h = again.controller.history
    assert [e["epoch"] for e in h.epochs] == [1, 2]  # numbered by completed epochs
    assert len(h) == 2 * per_epoch + 2 and np.all(np.diff(h.x) > 0)  # the stopped part stays
    assert h.x[-1] == pytest.approx(2.3) and h.epochs[-1]["at"] == pytest.approx(2.3)
    assert h.series("val_accuracy")[0][-1] == pytest.approx(2.3)  # drawn where it ended
    assert h.grad_norms.shape == (len(h), layers)
    assert again.controller.current_meta()["history"][-1]["at"] == pytest.approx(2.3)


def test_a_run_that_cannot_load_its_data_says_so(qtbot, folders, caplog):
    tab = make_tab(qtbot)
    tab.setup.set_config(RunConfig(synthetic=0, my_samples=True, files=[], epochs=1))
    with caplog.at_level(logging.WARNING, logger="gui"):
        result = run_to_end(qtbot, tab)
    assert result["reason"] == "failed" and "no training data" in result["message"]
    # A setting the person chose is no failure of the app: logged as a warning, no traceback.
    said = [r for r in caplog.records if "no training data" in r.getMessage()]
    assert said and all(r.levelno == logging.WARNING and not r.exc_info for r in said)
    assert tab.controller.model is None and not tab.unsaved


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen show
def test_a_run_that_never_trained_leaves_the_models_curves_drawn(qtbot, folders):
    model, meta = checkpoint.load(DEFAULT_MODEL)  # 15 epochs of history
    tab = make_tab(qtbot, current=(model, meta), show=True)
    tab.show_history(meta)  # as the window does for the model it starts with
    curves = tab.curves
    qtbot.waitUntil(lambda: curves.loss_val.getData()[0] is not None)
    epochs = len(curves.loss_val.getData()[0])
    # A run from scratch that ends before its first batch: here it has no data to load.
    tab.setup.set_config(RunConfig(synthetic=0, my_samples=True, files=[], epochs=1))
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=RUN_TIMEOUT_MS)
    assert blocker.args[0]["reason"] == "failed"
    drawn = curves.loss_val.getData()[0]  # the model's curves, not the empty run's
    assert epochs == 15 and drawn is not None and len(drawn) == epochs


def test_synthetic_letters_and_my_samples_feed_a_run(qtbot, folders):
    from cnn.samples import SampleStore

    store = SampleStore(folders / "elsewhere")
    for i in range(5):
        store.add(blobs(26).x[i], i)
    tab = make_tab(qtbot, store=store)
    tab.refresh_samples_count()
    assert tab.setup.my_samples.text() == "My samples (5)"
    tab.setup.set_config(config(None, files=[], synthetic=300, my_samples=True, epochs=1))
    with qtbot.waitSignal(tab.controller.data_loaded, timeout=RUN_TIMEOUT_MS) as blocker:
        tab.start()
    assert blocker.args[0]["sources"] == [("synthetic", 300), ("my samples", 5)]
    assert list((folders / "cache").glob("synthetic-*-300-0.npz"))
    assert tab.stop_and_wait(STOP_TIMEOUT_S)


def test_a_run_on_my_samples_alone_says_it_has_no_validation_letters(qtbot, folders):
    from cnn.samples import SampleStore

    store = SampleStore(folders / "mine")
    for image, label in zip(blobs(52).x, blobs(52).y, strict=True):
        store.add(image, int(label))
    tab = make_tab(qtbot, store=store)
    tab.setup.set_config(config(None, files=[], my_samples=True, epochs=1, val_fraction=0.25))
    result = run_to_end(qtbot, tab)
    assert result["reason"] == "done" and tab.controller.data_info["val_n"] == 0
    assert tab.last_message[:2] == ("warning", "No validation letters.")
    assert "single writer" in tab.last_message[2]
    assert tab.gallery.title.text() == "This run validates on no letters, so it has no " \
                                       "mistakes to show."


def test_a_run_can_validate_on_a_file_it_does_not_train_on(qtbot, blob_file, folders):
    held_out = str(save_npz(blobs(n=104, seed=3), folders / "held_out.npz"))
    tab = make_tab(qtbot)
    tab.setup.set_config(config(blob_file, files=[blob_file, held_out], val_files=[held_out],
                                epochs=1))
    assert tab.setup.config().val_files == [held_out]
    assert not tab.setup.val_fraction.isEnabled()
    result = run_to_end(qtbot, tab)
    assert result["reason"] == "done"
    info = tab.controller.data_info
    assert (info["train_n"], info["val_n"]) == (390, 104)
    assert info["sources"] == [("blobs", 390)]
    assert tab.controller.meta["validation"] == f"the files {held_out}"


def test_a_small_validation_set_is_pointed_out(qtbot, folders):
    s = blobs(52, seed=5)
    small = str(save_npz(LetterSet(s.x, s.y, source="small"), folders / "small.npz"))
    tab = make_tab(qtbot)
    tab.setup.set_config(config(small, val_fraction=0.1, epochs=1))
    run_to_end(qtbot, tab)
    assert tab.controller.data_info["val_n"] == 5
    kind, title, text = tab.last_message
    assert title == "Small validation set."
    assert "validating on only 5 letters: its accuracy says little" in text.lower()
    assert tab.controls.banner.isVisibleTo(tab)


def test_a_full_disk_keeps_the_saved_model_and_says_so(qtbot, folders, monkeypatch):
    import errno

    import cnn.fileio

    tab = make_tab(qtbot, current=(trained_small(), {"name": "base"}))
    path = folders / "kept.npz"
    assert tab.save_model_as(path)
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cnn.fileio.os, "fsync", full)
    assert not tab.save_model_as(path)
    assert tab.last_message[2] == (f"Could not save {path}: the disk is full — free some space "
                                   "or choose another disk.")
    assert path.read_bytes() == before  # the previous model, whole
    assert [p.name for p in folders.iterdir() if p.name.startswith(".kept")] == []


def test_a_good_save_or_open_clears_the_banner_of_a_failed_save(qtbot, folders):
    tab = make_tab(qtbot, current=(trained_small(), {"name": "base"}))
    (folders / "a_file").write_text("not a folder")
    assert not tab.save_model_as(folders / "a_file" / "x.npz")
    assert tab.controls.banner.isVisibleTo(tab) and "Could not save" in tab.banner.text()
    good = folders / "good.npz"
    assert tab.save_model_as(good)
    assert not tab.controls.banner.isVisibleTo(tab)  # "Saved …" under a red "Could not save"
    assert not tab.save_model_as(folders / "a_file" / "x.npz")
    assert tab.open_model(good)
    assert not tab.controls.banner.isVisibleTo(tab)


def test_another_model_clears_the_finished_runs_progress(qtbot, blob_file, folders):
    window_model = {}  # what the window shows: the run's weights, then another model
    tab = TrainTab(current_model=lambda: window_model.get("now", (None, {})))
    qtbot.addWidget(tab)
    tab.setup.set_config(config(blob_file, epochs=1))
    tab.weights_published.connect(lambda m, meta: window_model.update(now=(m, meta)))
    run_to_end(qtbot, tab)
    assert "done" in tab.progress.format() and "Save the model" in tab.status.text()
    tab.refresh_current_model()  # the run's own weights: its progress stays
    assert "done" in tab.progress.format()
    path = folders / "saved.npz"
    assert tab.save_model_as(path)
    # The window opens another file (File › Open): the run's read-outs go.
    window_model["now"] = (trained_small(), {"name": "other", "history": [{"epoch": 1}]})
    tab.refresh_current_model()
    assert tab.progress.format() == "ready" and tab.progress.value() == 0
    assert "other" in tab.status.text() and "Training finished" not in tab.status.text()
    # Likewise when the tab's own Open model… brings one in after a run.
    run_to_end(qtbot, tab)
    tab.unsaved = False
    assert tab.open_model(path)
    assert tab.progress.format() == "ready" and "Opened" in tab.status.text()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_training_data_view_shows_the_letters_a_run_would_train_on(qtbot, blob_file):
    tab = make_tab(qtbot, show=True)
    tab.setup.set_config(config(blob_file))  # the blobs file only: no synthetic, no samples
    tab.views.setCurrentWidget(tab.preview)
    # Read in the background: the note names the file once a few of its letters are in.
    qtbot.waitUntil(lambda: "from blobs.npz" in tab.preview.note.text(), timeout=10_000)
    assert not tab.preview.is_reading()
    note = tab.preview.note.text()
    assert "synthetic" not in note and "15 from blobs.npz" in note  # all 15 of its A's
    assert len(tab.preview.images) == 15
    tab.setup.use_synthetic.setChecked(True)  # both, each given a share of the grid
    note = tab.preview.note.text()
    assert "15 from blobs.npz" in note and "25 synthetic A's" in note
    assert len(tab.preview.images) == 40
    tab.setup.files.item(0).setCheckState(Qt.CheckState.Unchecked)  # the file not trained on
    assert "blobs" not in tab.preview.note.text() and len(tab.preview.images) == 40


def test_the_gallery_title_counts_mistakes_in_plain_words(qtbot):
    from gui.training.views import RunViews

    views = RunViews()
    qtbot.addWidget(views)
    y = np.arange(26)
    views.set_validation(blobs(26).x, y)

    def epoch(pred, index):
        confusion = np.zeros((26, 26), np.int64)
        np.add.at(confusion, (y, pred), 1)
        views.set_epoch_result({"confusion": confusion, "per_class": [1.0] * 26,
                                "predictions": pred, "gallery": {
                                    "index": np.array(index, np.int64),
                                    "top": np.zeros((len(index), 3), np.int64),
                                    "p": np.zeros((len(index), 3))}})
        return views.gallery.title.text()

    assert epoch(y, []) == "No validation letter misread."
    wrong = y.copy()
    wrong[3] = 0
    assert epoch(wrong, [3]) == "1 validation letter misread, with the network's top 3 guesses:"
    views.confusion.select_cell(3, 0)
    assert views.gallery.title.text() == "True D read as A: 1 validation letter"
