"""Teaching the network my handwriting, the setup form and the training record (headless)."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from cnn.data import save_npz
from cnn.model import PRESETS, build_model
from cnn.runs.config import RunConfig
from cnn.runs.finetune import probabilities
from cnn.samples import SampleStore
from gui.training.arch_editor import ArchEditor, describe, spec_of
from gui.training.history import History, smooth
from gui.training.setup_panel import SetupPanel
from gui.training.teach import TeachBar, TeachController
from tests.test_gui_training import blobs, trained_small


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LETTERLENS_DATA_DIR", str(tmp_path / "data"))
    return SampleStore(tmp_path / "data" / "samples")


@pytest.fixture
def teach(qtbot, store):
    """A controller teaching a small trained model, which it replaces as the window would."""
    state = {"model": trained_small(), "meta": {"name": "small"}}
    replay = blobs(seed=1)
    controller = TeachController(lambda: (state["model"], state["meta"]), store, replay,
                                 seed=0)
    controller.weights_published.connect(lambda m, meta: state.update(model=m, meta=meta))
    return controller, state


def misread(model):
    """A 'handwritten' letter unlike any the model knows (a bar across the middle) and a
    label it does not read it as. Returns (image28 float, label)."""
    x = np.zeros((28, 28), np.float32)
    x[12:15, 3:25] = 1.0
    return x, (int(np.argmax(probabilities(model, x))) + 13) % 26


def test_teach_letter_raises_the_right_probability_and_publishes(teach):
    controller, state = teach
    image, label = misread(state["model"])
    before_model = state["model"]
    taught = []
    controller.taught.connect(taught.append)
    before, after = controller.teach_letter(image, label, steps=3)
    assert before.shape == after.shape == (26,)
    assert after[label] > before[label]
    assert state["model"] is not before_model and state["meta"]["taught_drawings"] == 1
    np.testing.assert_allclose(probabilities(state["model"], image), after, rtol=1e-5)
    np.testing.assert_allclose(probabilities(before_model, image), before, rtol=1e-5)
    assert taught[0]["label"] == label


def test_adding_samples_and_fine_tuning_changes_the_prediction(teach, store):
    controller, state = teach
    image, label = misread(state["model"])
    counts = []
    controller.counts_changed.connect(counts.append)
    for _ in range(4):
        controller.add_sample([np.array([[0.0, 0.0], [1.0, 1.0]])], image,
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[label].lower())
    assert len(store) == 4 and counts[-1][label] == 4
    assert store.get(store.list()[0].id).case == 1  # a lower-case letter
    result = controller.fine_tune_on_samples(epochs=4)
    assert result["n_mine"] == 4 and result["n_replay"] > 0
    assert result["held_out"] is None and result["n_held_out"] == 0  # too few to spare any
    assert result["trained"] == (0.0, 1.0)
    assert int(np.argmax(probabilities(state["model"], image))) == label
    assert state["meta"]["fine_tuned_on_my_samples"][-1]["trained_after"] == 1.0


def test_teaching_in_the_background_reports_in_the_gui_thread(qtbot, teach):
    controller, state = teach
    image, label = misread(state["model"])
    with qtbot.waitSignal(controller.taught, timeout=20_000) as blocker:
        assert controller.start_teach_letter(image, label)
    assert blocker.args[0]["after"][label] > blocker.args[0]["before"][label]
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=20_000)
    with qtbot.waitSignal(controller.failed, timeout=20_000) as blocker:
        controller.start_fine_tune()  # no samples yet: refused with a reason
    assert "no samples" in blocker.args[0]


def test_the_sample_store_is_read_only_in_the_gui_thread(qtbot, teach, store, monkeypatch):
    import threading

    controller, state = teach
    image, label = misread(state["model"])
    controller.add_sample([np.array([[0.0, 0.0], [5.0, 5.0]])], image, label)
    threads, read = [], store.to_letterset

    def to_letterset():
        threads.append(threading.current_thread())
        return read()

    monkeypatch.setattr(store, "to_letterset", to_letterset)
    with qtbot.waitSignal(controller.taught, timeout=20_000):
        assert controller.start_teach_letter(image, label)
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=20_000)
    with qtbot.waitSignal(controller.fine_tuned, timeout=20_000):
        assert controller.start_fine_tune(epochs=1)
    assert len(threads) == 2 and set(threads) == {threading.main_thread()}


def test_teach_bar_labels_adds_and_counts(qtbot, teach, store):
    controller, state = teach
    image, _ = misread(state["model"])
    drawing = {"now": ([np.array([[0.0, 0.0], [3.0, 4.0]])], image, None)}
    bar = TeachBar(controller, lambda: drawing["now"])
    qtbot.addWidget(bar)
    probs = np.zeros(26)
    probs[2] = 1.0
    bar.set_prediction(probs)
    assert bar.label.currentText() == "C"
    assert bar.handle_key("k") and bar.label.currentText() == "K"
    bar.set_prediction(probs)  # the person's choice stands for this drawing
    assert bar.label.currentText() == "K"
    assert bar.add_current() is not None
    assert store.counts()[10] == 1 and bar.counter.text() == "my samples: 1 K · 1 in all"
    bar.new_drawing()
    bar.set_prediction(probs)
    assert bar.label.currentText() == "C"
    drawing["now"] = None
    assert bar.add_current() is None and "Draw a letter" in bar.results.text()
    with qtbot.waitSignal(controller.taught, timeout=20_000):
        drawing["now"] = ([], image, None)
        assert bar.teach_current()
    assert bar.results.kind == "taught" and "→" in bar.results.text()
    assert not bar.results.bars.isHidden() and bar.results.toggle.isEnabled()


def test_arch_editor_shapes_and_counts_match_the_built_model(qtbot):
    editor = ArchEditor()
    qtbot.addWidget(editor)
    for name, spec in PRESETS.items():
        editor.preset.setCurrentText(name)
        assert editor.arch() == name
        layers, params = describe(editor.spec())
        model = build_model(spec, np.random.default_rng(0))
        assert params == model.num_parameters()
        assert dict(layers) == model.output_shapes()
    editor._rows[0]["stride"].setValue(2)
    assert editor.preset.currentText() == "custom"
    custom = editor.spec()
    assert describe(custom)[1] == build_model(custom, np.random.default_rng(0)).num_parameters()
    editor.hidden.setText("64, 32")
    assert [e["out_features"] for e in editor.spec() if e["type"] == "linear"] == [64, 32, 26]
    editor.hidden.setText("many")
    with pytest.raises(ValueError):
        editor.spec()
    with pytest.raises(ValueError, match="does not fit"):
        describe(spec_of([{"filters": 4, "kernel": 9, "stride": 1, "padding": 0, "pool": True}]
                         * 3, []))


@pytest.mark.parametrize("spec", [
    [{"type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 2},
     {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 3, "stride": 2},  # 3×3 pooling
     {"type": "flatten"}, {"type": "linear", "out_features": 26}],
    spec_of([{"filters": 4, "kernel": 3, "stride": 1, "padding": 1, "pool": False}] * 5, []),
], ids=["3x3-pool", "five-blocks"])
def test_arch_editor_describes_a_loaded_network_its_rows_cannot_show(qtbot, spec):
    """A model trained from a spec file (`train --arch`) may have a 3×3 pool or five conv
    blocks: fine-tuning it shows its own shapes and count, not the rows' nearest network."""
    model = build_model(spec, np.random.default_rng(0))
    editor = ArchEditor()
    qtbot.addWidget(editor)
    editor.set_spec(model.spec)
    layers, params = describe(editor.spec())
    assert params == model.num_parameters()
    assert dict(layers) == model.output_shapes()
    assert f"{params:,} parameters" in editor.summary.text()
    editor._rows[0]["filters"].setValue(6)  # an edit: from then on the rows are the network
    assert describe(editor.spec())[1] != params
    assert editor.spec() == spec_of(editor._blocks(), [])


def test_setup_panel_round_trips_a_config(qtbot, tmp_path):
    panel = SetupPanel()
    qtbot.addWidget(panel)
    assert panel.config() == RunConfig()
    c = RunConfig(synthetic=0, my_samples=False, arch="large", init_std=0.05, optimizer="sgd",
                  lr=0.05, momentum=0.8, batch_size=128, epochs=3, seed=4, augment=False,
                  degrade=0.25,
                  name="x", val_fraction=0.2, synthetic_seed=3, blas_threads=1,
                  samples_folder="/elsewhere")
    panel.set_config(c)
    assert panel.config() == c  # fields without a widget are kept too
    other = str(save_npz(blobs(26), tmp_path / "other.npz"))
    with_files = RunConfig(files=[other], val_files=[other])
    panel.set_config(with_files)
    assert panel.config() == with_files  # ticked too, yet never trained on: see sources
    panel.set_config(RunConfig(files=[other]))
    assert panel.config() == RunConfig(files=[other])
    panel.lr.setText("fast")
    with pytest.raises(ValueError, match="not a number"):
        panel.config()
    assert not panel.add_file(str(tmp_path / "missing.npz"))


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen show
def test_paper_effects_box_sets_the_share_and_the_preview_shows_them(qtbot):
    from cnn.runs.config import DEFAULT_DEGRADE
    from gui.training.preview import PreviewPanel

    panel, preview = SetupPanel(), PreviewPanel()
    qtbot.addWidget(panel)
    qtbot.addWidget(preview)
    panel.degrade_changed.connect(preview.set_degrade)
    preview.set_augment(True)
    assert not len(preview.images)  # out of sight: drawn when shown, not at every change
    for widget in (panel, preview):
        widget.show()
        qtbot.waitExposed(widget)
    assert len(preview.images)
    panel.augment.setChecked(False)
    preview.set_augment(False)
    assert not preview.augment.isChecked()
    plain = preview.images.copy()
    with qtbot.waitSignal(panel.degrade_changed) as sig:
        qtbot.mouseClick(panel.degrade, Qt.MouseButton.LeftButton,
                         pos=QPoint(8, panel.degrade.height() // 2))
    assert sig.args == [DEFAULT_DEGRADE] and panel.config().degrade == DEFAULT_DEGRADE
    assert preview.augment.isChecked()  # the preview shows what training will do
    changed = np.abs(preview.images - plain).reshape(len(plain), -1).max(axis=1) > 0.01
    assert 0 < changed.mean() < 1  # a share of the letters, not all of them
    panel.degrade.setChecked(False)
    assert panel.config().degrade == 0.0
    np.testing.assert_array_equal(preview.images, plain)


def test_history_round_trips_through_checkpoint_metadata():
    h = History()
    n = 5000
    h.add_batches({"x": np.linspace(0, 5, n), "loss": np.linspace(3, 0.1, n),
                   "accuracy": np.linspace(0, 1, n), "layers": ["conv1", "fc1"],
                   "grad_norms": np.full((n, 2), 1e-5), "update_norms": np.full((n, 2), 3e-7)})
    h.add_epoch({"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": None,
                 "val_accuracy": None})
    back = History.from_meta(h.to_meta())
    assert len(back) == 2000 and back.epochs == h.epochs and back.layers == ["conv1", "fc1"]
    np.testing.assert_allclose(back.update_norms, 3e-7, rtol=1e-6)
    assert History.from_meta({"history": [{"epoch": 1}], "curves": {"x": [1, 2], "loss": [1]}}
                             ).epochs == [{"epoch": 1}]
    out, state = smooth([1.0, 1.0])
    np.testing.assert_allclose(out, 1.0)
    more, _ = smooth([1.0], state=state)
    np.testing.assert_allclose(more, 1.0)


def test_a_lesson_on_a_model_replaced_meanwhile_is_not_applied_and_says_so(qtbot, teach):
    controller, state = teach
    image, label = misread(state["model"])
    published = []
    controller.weights_published.connect(lambda m, meta: published.append(m))
    assert controller.start_teach_letter(image, label)
    opened = build_model("small", np.random.default_rng(5))  # opened while it learns
    state["model"] = opened
    with qtbot.waitSignal(controller.failed, timeout=20_000) as blocker:
        pass
    assert blocker.args[0].startswith("Lesson not applied: the model changed")
    assert state["model"] is opened and published == []  # the opened model stays
