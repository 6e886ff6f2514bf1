"""Start-up never crashes, whatever is on disk: odd settings, a remembered model that no longer
loads, damaged samples in the user's store, odd metadata on a model from anywhere."""

import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from cnn import checkpoint
from cnn.model import build_model
from cnn.paths import DEFAULT_MODEL
from cnn.samples import SampleStore
from gui.app import start_window
from gui.draw_tab import MIN_WIDTH
from gui.main_window import MainWindow
from gui.models import LoadedModel
from gui.training.history import History
from gui.training_link import taught_name, training_name

# The offscreen platform's size hints; a damaged @Variant in the settings file.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                       "QVariant::load")
DEFAULT_PEN = 14


def write_settings(path, lines: str) -> QSettings:
    path.write_text(lines)
    return QSettings(str(path), QSettings.Format.IniFormat)


def open_window(qtbot, settings, requested=None) -> MainWindow:
    window = start_window(settings, requested)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def shipped_name() -> str:
    return checkpoint.load(DEFAULT_MODEL)[1]["name"]


def damage_compression(path) -> None:
    """Mark every member as compressed with method 99 (zipfile: NotImplementedError)."""
    data = bytearray(path.read_bytes())
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        data[i + 10:i + 12] = (99).to_bytes(2, "little")
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))


def damage_npy_header(path) -> None:
    """Cut the image member's header dict short (numpy: tokenize.TokenError)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (28, 28"
    members["image.npy"] = (b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
                            + bytes(784))
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def store_with_damage(folder) -> tuple[SampleStore, list[str]]:
    """Three samples, two of them damaged; returns the store and the damaged file names."""
    store = SampleStore(folder)
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = 255
    ids = [store.add(image, k, created=1.7e9 + k) for k in range(3)]
    damage_compression(store.folder / f"{ids[1]}.npz")
    damage_npy_header(store.folder / f"{ids[2]}.npz")
    return store, [f"{ids[1]}.npz", f"{ids[2]}.npz"]


ODD_SETTINGS = """\
[canvas]
pen_width={pen}
[window]
geometry=hello
state=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x10garbage)
[model]
last_path=a, b
[feature_maps]
scale=network, weird, list
"""


@pytest.mark.parametrize("pen", ["abc", "99999999999999999999999999", "-5", "1e400"])
def test_odd_settings_give_the_defaults(qtbot, tmp_path, pen):
    settings = write_settings(tmp_path / "odd.ini", ODD_SETTINGS.format(pen=pen))
    window = open_window(qtbot, settings)
    assert window.canvas.pen_width() == DEFAULT_PEN
    assert window.feature_maps_panel.scale() == "layer"  # the default, not the list
    assert window.predictor.name == shipped_name()  # `a, b` read as a list: no model path
    assert all(d.isVisible() for d in window.docks.values())  # the first-run layout
    window.close()  # and what it writes back reads again
    again = QSettings(str(tmp_path / "odd.ini"), QSettings.Format.IniFormat)
    assert str(again.value("canvas/pen_width")) == str(DEFAULT_PEN)


def test_settings_in_range_are_still_used(qtbot, tmp_path):
    settings = write_settings(tmp_path / "fine.ini",
                              f"[canvas]\npen_width={MIN_WIDTH}\n[feature_maps]\nscale=network\n")
    window = open_window(qtbot, settings)
    assert window.canvas.pen_width() == MIN_WIDTH
    assert window.feature_maps_panel.scale() == "network"



def test_the_model_the_window_starts_with_shows_its_curves_on_the_train_tab(qtbot, tmp_path):
    # A model saved with its training history and remembered as the last one used.
    model, meta = checkpoint.load(DEFAULT_MODEL)
    epochs = len(History.from_meta(meta).epochs)
    mine = tmp_path / "mine.npz"
    checkpoint.save(model, mine, {**meta, "name": "mine"})
    window = open_window(qtbot, write_settings(tmp_path / "s.ini", ""), requested=str(mine))
    tab_bar = window.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton,
                     pos=tab_bar.tabRect(window.training.train_index).center())
    curves = window.train_tab.curves
    qtbot.waitUntil(lambda: curves.plots_made)
    drawn = curves.loss_val.getData()[0]  # None while nothing is drawn
    assert epochs > 1 and drawn is not None and len(drawn) == epochs  # as File › Open shows
    assert f"{epochs} epochs so far" in window.train_tab.setup.current_label.text()


def test_the_train_form_is_there_again_next_time(qtbot, tmp_path):
    from cnn.data import save_npz
    from tests.test_gui_training import blobs

    letters = str(save_npz(blobs(52), tmp_path / "mine.npz"))
    path = tmp_path / "form.ini"
    window = open_window(qtbot, QSettings(str(path), QSettings.Format.IniFormat))
    setup = window.train_tab.setup
    setup.arch.preset.setCurrentText("small")
    setup.epochs.setValue(7)
    setup.batch_size.setValue(32)
    setup.lr.setText("0.003")
    setup.synthetic.setValue(3000)
    setup.name.setText("evening run")
    assert setup.add_file(letters)
    wanted = setup.config()
    window.close()
    again = open_window(qtbot, QSettings(str(path), QSettings.Format.IniFormat))
    form = again.train_tab.setup
    qtbot.waitUntil(lambda: form.files.count() == 1)  # read in the background
    assert form.config() == wanted
    Path(letters).unlink()  # a file that has gone is left out, the rest stays
    again.close()
    third = open_window(qtbot, QSettings(str(path), QSettings.Format.IniFormat))
    assert third.train_tab.setup.config() == replace(wanted, files=[])


@pytest.mark.parametrize("form", [
    "{{{", "[1, 2]", "null", '"text"', "9" * 5000,
    '{"epochs": "many", "arch": [{"type": "conv2d"}], "lr": -1, "batch_size": 32, '
    '"optimizer": "rmsprop", "files": "x", "init_std": true, "name": 5}',
    '{"arch": [{"type": "linear", "out_features": 99999999}], "epochs": 1e300, '
    '"blas_threads": null, "batch_size": 32}'])
def test_an_odd_remembered_train_form_gives_its_defaults(qtbot, tmp_path, form):
    settings = QSettings(str(tmp_path / "odd-form.ini"), QSettings.Format.IniFormat)
    settings.setValue("train/form", form)
    settings.sync()
    window = open_window(qtbot, settings)
    config = window.train_tab.setup.config()
    assert config.arch == "default" and config.epochs == 5 and config.lr == 0.001
    assert config.optimizer == "adam" and config.files == [] and config.name == "my-model"
    assert config.batch_size == (32 if "batch_size" in form else 64)  # good fields are kept
    assert window.train_tab.start_button.isEnabled()

def bad_models(folder):
    """Files that `checkpoint.load` refuses, each remembered as the last model."""
    good = folder / "good.npz"
    checkpoint.save(build_model("small", np.random.default_rng(0)), good, {"name": "good"})
    truncated = folder / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:300])
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    meta = checkpoint.json.loads(str(arrays[checkpoint.META_KEY]))
    out = [truncated]
    for name, change in (("spec5.npz", {"spec": 5}), ("version.npz", {"format_version": "abc"}),
                         ("shape.npz", {"input_shape": []})):
        arrays[checkpoint.META_KEY] = np.array(checkpoint.json.dumps({**meta, **change}))
        np.savez(folder / name, **arrays)
        out.append(folder / name)
    return out


def test_a_remembered_model_that_no_longer_loads_falls_back_with_a_message(qtbot, tmp_path):
    for bad in bad_models(tmp_path):
        settings = write_settings(tmp_path / f"{bad.stem}.ini", f"[model]\nlast_path={bad}\n")
        window = open_window(qtbot, settings)
        assert window.model_path == DEFAULT_MODEL, bad.name
        assert window.predictor.name == shipped_name()
        status = window.statusBar().currentMessage()
        assert bad.name in status and "Opened the shipped model instead" in status, status
        assert status.startswith("Could not open the last model used")
        window.show_startup_notes()
        kind, title, text = window.last_message
        assert kind == "warning" and bad.name in text
        window.close()
        assert settings.value("model/last_path") == str(DEFAULT_MODEL)  # forgotten


@pytest.mark.filterwarnings("ignore:skipping unreadable sample")
def test_a_damaged_sample_is_skipped_and_reported_in_the_window(qtbot, tmp_path):
    store, damaged = store_with_damage(tmp_path / "data" / "samples")  # the user's store
    window = open_window(qtbot, write_settings(tmp_path / "s.ini", ""))
    assert sorted(n for n, _ in window.sample_store.problems) == damaged
    status = window.statusBar().currentMessage()
    assert "2 damaged samples skipped" in status and damaged[0] in status
    assert window.teach_bar.counter.text().endswith("1 in all")
    window.tabs.setCurrentWidget(window.train_tab)
    setup = window.train_tab.setup
    assert setup.my_samples.text() == "My samples (1)"
    assert setup.samples_note.isVisible() and damaged[1] in setup.samples_note.text()


@pytest.mark.filterwarnings("ignore:skipping unreadable sample")
def test_start_up_with_bad_settings_a_damaged_sample_and_a_bad_model(qtbot, tmp_path):
    """What issue 12 asks: the window comes up with the shipped model and says what it met."""
    store_with_damage(tmp_path / "data" / "samples")
    bad = bad_models(tmp_path)[0]
    settings = write_settings(tmp_path / "all.ini", ODD_SETTINGS.format(pen="abc").replace(
        "last_path=a, b", f"last_path={bad}"))
    window = open_window(qtbot, settings)
    assert window.model_path == DEFAULT_MODEL and window.canvas.pen_width() == DEFAULT_PEN
    status = window.statusBar().currentMessage()
    assert bad.name in status and "damaged samples skipped" in status
    window.show_startup_notes()
    assert bad.name in window.last_message[2] and "damaged" in window.last_message[2]


ODD_METAS = [
    {"val_accuracy": "high", "history": 5, "curves": [1, 2], "name": ["x"],
     "taught_drawings": "abc", "fine_tuned_on_my_samples": 7, "data": {"a": "many"},
     "created": 12, "validation": {"x": 1}, "epochs": "ten"},
    {"val_accuracy": float("inf"), "history": [{"epoch": "one"}, {"epoch": float("inf")}, 3,
                                               {"epoch": 2, "loss": "low", "accuracy": [1]}],
     "curves": {"x": "abc", "layers": 5}, "taught_drawings": 1e300, "data": [1, 2]},
    {"val_accuracy": True, "history": None, "curves": {"x": [1, 2], "loss": [1],
                                                       "accuracy": [[1]]}, "name": 5},
    "not a dict",
]


@pytest.mark.parametrize("meta", ODD_METAS)
def test_odd_metadata_from_anywhere_never_crashes_the_window(qtbot, tmp_path, meta):
    model = build_model("small", np.random.default_rng(0))
    window = MainWindow(LoadedModel(model, meta, "odd"),
                        QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.accuracy_label.text() == "validation accuracy: —"
    window.set_model(model.copy(), meta)  # a model arriving from elsewhere, without a name
    assert window.model_label.text() == "Model: model"
    window.actions_by_name["about"].trigger()
    assert "Validation accuracy" in window.last_message[2]
    h = History.from_meta(meta)
    assert len(h) == 0 and all(isinstance(e["epoch"], int | float) for e in h.epochs)
    assert all(isinstance(v, int | float) for e in h.epochs for v in e.values())
    window.train_tab.refresh_current_model()
    epochs = f"{len(h.epochs)} epoch{'s' if len(h.epochs) != 1 else ''} so far"
    assert epochs in window.train_tab.setup.current_label.text()
    assert taught_name(meta if isinstance(meta, dict) else {}).endswith("(unsaved)")
    assert "trained" in training_name(meta if isinstance(meta, dict) else {}, running=False)
    window.train_tab.show_history(meta)
    assert window.train_tab.save_model_as(tmp_path / "odd.npz")  # saved with what it has


@pytest.fixture
def app_named_as_letterlens(qtbot):
    """The application named as gui.app names it (QSettings() finds its place by the names)."""
    from PySide6.QtCore import QCoreApplication

    names = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName("LetterLens")
    QCoreApplication.setApplicationName("LetterLens")
    yield
    QCoreApplication.setOrganizationName(names[0])
    QCoreApplication.setApplicationName(names[1])


def test_settings_live_in_the_config_folder_and_earlier_ones_carry_over(app_named_as_letterlens,
                                                                        tmp_path):
    from gui.window_settings import read_int, user_settings

    earlier = QSettings("LetterLens", "LetterLens")  # Qt's default place, as QSettings() is
    earlier.setValue("canvas/pen_width", 21)
    earlier.sync()
    settings = user_settings()
    assert settings.fileName() == str(tmp_path / "config" / "settings.ini")
    assert read_int(settings, "canvas/pen_width", 14, 2, 40) == 21  # carried over
    settings.setValue("canvas/pen_width", 9)
    settings.sync()
    earlier.setValue("canvas/pen_width", 30)  # only the first time
    assert read_int(user_settings(), "canvas/pen_width", 14, 2, 40) == 9
