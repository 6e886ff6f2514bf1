"""The My samples window: thumbnails by letter, selecting with the mouse and keys, deleting only
after the person confirms, relabelling, and every count in the window following."""

import os
import pathlib
import tempfile

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication

from cnn.data import LETTERS
from cnn.samples import SampleStore, SampleSummary
from gui.training.my_samples import MySamplesDialog
from tests.test_gui_window import make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                       "This plugin does not support raise")

LABELS = "AABCCC"


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (28, 28), dtype=np.uint8)


def fill(store: SampleStore, labels: str = LABELS) -> list[str]:
    """One sample per letter of `labels`, oldest first; their ids."""
    return [store.add(image(i), letter, created=1_700_000_000 + i)
            for i, letter in enumerate(labels)]


def files(store: SampleStore) -> list[str]:
    return sorted(p.stem for p in store.folder.glob("*.npz"))


@pytest.fixture
def store():
    store = SampleStore()  # in the test's own data folder (conftest), as the window's is
    fill(store)
    return store


@pytest.fixture
def window(qtbot, tmp_path, store):  # after `store`: the window reads the samples there
    return make_window(qtbot, QSettings(str(tmp_path / "settings.ini"),
                                        QSettings.Format.IniFormat))


@pytest.fixture
def dialog(qtbot, store):
    d = MySamplesDialog(store)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def click(qtbot, d: MySamplesDialog, row: int, modifier=Qt.KeyboardModifier.NoModifier):
    """Click the thumbnail shown at `row`."""
    rect = d.view.visualRect(d.proxy.index(row, 0))
    assert rect.isValid() and d.view.viewport().rect().contains(rect.center())
    qtbot.mouseClick(d.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def press_delete(qtbot, d: MySamplesDialog):
    d.activateWindow()  # as showing it does on a desktop
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d)
    d.view.setFocus()
    qtbot.keyClick(d.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: d.confirmation is not None and d.confirmation.isVisible())
    return d.confirmation


def answer(qtbot, d: MySamplesDialog, delete: bool):
    box = d.confirmation
    button = d.confirm_button if delete else box.escapeButton()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.confirmation is None)


def test_the_window_opens_from_the_train_tab_the_teach_bar_and_its_shortcut(window, qtbot):
    window.tabs.setCurrentWidget(window.train_tab)
    assert window.train_tab.setup.my_samples.text() == "My samples (6)"
    qtbot.mouseClick(window.train_tab.setup.show_samples, Qt.MouseButton.LeftButton)
    d = window.train_tab.samples_window
    assert d is not None and d.isVisible() and d.model.rowCount() == 6
    d.close()
    window.tabs.setCurrentWidget(window.draw_tab)
    qtbot.mouseClick(window.teach_bar.counter, Qt.MouseButton.LeftButton)
    assert d.isVisible() and window.train_tab.samples_window is d  # one window, raised again
    d.close()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_M,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(d.isVisible)
    assert d.letters.item(0).text() == "All letters (6)"
    assert d.letters.item(3).text() == "C  (3)"


def test_clicked_thumbnails_are_deleted_after_confirming_and_every_count_follows(
        window, store, qtbot):
    ids = store.list()
    window.actions_by_name["my_samples"].trigger()
    d = window.train_tab.samples_window
    click(qtbot, d, 0)
    click(qtbot, d, 3, Qt.KeyboardModifier.ControlModifier)  # by letter: A A B C C C
    assert d.selected_ids() == [ids[0].id, ids[3].id] and d.delete_button.isEnabled()
    box = press_delete(qtbot, d)
    assert "Delete 2 samples (1 A, 1 C)?" in box.text()
    assert files(store) == sorted(i.id for i in ids)  # asking deletes nothing
    answer(qtbot, d, delete=True)
    assert files(store) == sorted(i.id for k, i in enumerate(ids) if k not in (0, 3))
    assert window.train_tab.setup.my_samples.text() == "My samples (4)"
    window.teach_bar.set_label("C")
    assert window.teach_bar.counter.text() == "my samples: 2 C · 4 in all"
    assert d.letters.item(1).text() == "A  (1)" and d.model.rowCount() == 4
    assert d.message.text() == "Deleted 2 samples."


def test_the_training_data_view_shows_what_is_left(window, store, qtbot):
    window.tabs.setCurrentWidget(window.train_tab)
    preview = window.train_tab.preview
    window.train_tab.setup.use_synthetic.setChecked(False)
    window.train_tab.setup.my_samples.setChecked(True)
    window.train_tab.views.setCurrentWidget(preview)
    preview.letter.setCurrentText("C")
    qtbot.waitUntil(lambda: len(preview.images) == 3)
    window.train_tab.show_samples()
    d = window.train_tab.samples_window
    d.letters.setCurrentRow(LETTERS.index("C") + 1)
    d.view.setFocus()
    qtbot.keyClick(d.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(d.selected_ids()) == 3
    press_delete(qtbot, d)
    answer(qtbot, d, delete=True)
    assert len(preview.images) == 0 and "No training letters of C" in preview.note.text()


def test_cancel_or_escape_deletes_nothing(dialog, store, qtbot):
    before = files(store)
    click(qtbot, dialog, 1)
    click(qtbot, dialog, 4, Qt.KeyboardModifier.ShiftModifier)
    assert len(dialog.selected_ids()) == 4
    press_delete(qtbot, dialog)
    answer(qtbot, dialog, delete=False)
    box = press_delete(qtbot, dialog)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: dialog.confirmation is None)
    box = press_delete(qtbot, dialog)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter answers the default: Cancel
    qtbot.waitUntil(lambda: dialog.confirmation is None)
    assert files(store) == before and dialog.model.rowCount() == 6
    assert len(dialog.selected_ids()) == 4  # still selected, to delete or not


def test_a_read_only_folder_is_said_and_every_sample_stays(dialog, store, qtbot, monkeypatch):
    # Tests may run as root, whom a chmod does not stop: the folder refuses to lose or gain a
    # file as a read-only one does.
    real_unlink, real_mkstemp = pathlib.Path.unlink, tempfile.mkstemp

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pathlib.Path, "unlink", lambda path, *a, **k: refuse(path) if (
        path.parent == store.folder) else real_unlink(path, *a, **k))
    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, dir=None, **k: refuse(dir) if (
        pathlib.Path(dir) == store.folder) else real_mkstemp(*a, dir=dir, **k))
    changed = []
    dialog.changed.connect(lambda: changed.append(1))
    before = files(store)
    click(qtbot, dialog, 2)
    press_delete(qtbot, dialog)
    answer(qtbot, dialog, delete=True)
    assert files(store) == before and dialog.model.rowCount() == 6 and not changed
    text = dialog.message.text()
    assert "Could not delete 1 sample" in text and "Permission denied" in text
    assert "still in your samples" in text and "read-only" in text
    dialog.new_letter.setCurrentIndex(LETTERS.index("D"))
    qtbot.mouseClick(dialog.relabel_button, Qt.MouseButton.LeftButton)
    assert files(store) == before and store.counts()[LETTERS.index("D")] == 0
    assert "as it was" in dialog.message.text()


def test_a_file_removed_meanwhile_counts_as_gone_not_as_an_error(dialog, store, qtbot):
    click(qtbot, dialog, 0)
    click(qtbot, dialog, 1, Qt.KeyboardModifier.ControlModifier)
    first = dialog.selected_ids()[0]
    os.remove(store.folder / f"{first}.npz")  # by hand, while the window is open
    press_delete(qtbot, dialog)
    answer(qtbot, dialog, delete=True)
    assert len(files(store)) == 4 and dialog.model.rowCount() == 4
    assert dialog.message.text() == "Deleted 2 samples (1 had already been removed)."


def test_change_letter_relabels_in_place_and_keeps_the_drawing(dialog, store, qtbot):
    old = store.list()[2]  # the B
    click(qtbot, dialog, 2)
    dialog.new_letter.setCurrentIndex(LETTERS.index("R"))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.relabel_button, Qt.MouseButton.LeftButton)
    assert old.id not in files(store) and len(files(store)) == 6
    assert store.counts()[LETTERS.index("B")] == 0 and store.counts()[LETTERS.index("R")] == 1
    (new,) = dialog.selected_ids()  # the relabelled sample stays selected
    assert np.array_equal(store.get(new).image, image(2))
    assert dialog.letters.item(LETTERS.index("R") + 1).text() == "R  (1)"


def test_one_letters_samples_and_ctrl_a_selects_only_them(dialog, store, qtbot):
    rect = dialog.letters.visualItemRect(dialog.letters.item(LETTERS.index("C") + 1))
    qtbot.mouseClick(dialog.letters.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.proxy.rowCount() == 3
    dialog.view.setFocus()
    qtbot.keyClick(dialog.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert dialog.selected.text() == "3 of 3 selected"
    press_delete(qtbot, dialog)
    answer(qtbot, dialog, delete=True)
    assert store.counts()[LETTERS.index("C")] == 0 and len(files(store)) == 3
    dialog.order.setCurrentIndex(1)  # newest first
    dialog.letters.setCurrentRow(0)
    assert [dialog.proxy.index(r, 0).data() for r in range(3)] == ["B", "A", "A"]


def test_damaged_files_are_named_and_the_rest_shown(store, qtbot):
    (store.folder / "20990101-000000-000000.npz").write_bytes(b"not a sample")
    with pytest.warns(UserWarning, match="skipping unreadable sample"):
        d = MySamplesDialog(store)
    qtbot.addWidget(d)
    assert d.model.rowCount() == 6 and not d.problems.isHidden()
    assert "1 damaged sample file" in d.problems.text()
    assert "20990101-000000-000000.npz" in d.problems.text()


def test_thousands_of_samples_make_only_the_thumbnails_on_screen(qtbot, tmp_path):
    d = MySamplesDialog(SampleStore(tmp_path / "empty"))
    qtbot.addWidget(d)
    assert "No samples yet" in d.summary.text()
    rng = np.random.default_rng(0)
    many = [SampleSummary(f"s{i}", int(rng.integers(26)), 0, 1e9 + i,
                          rng.integers(0, 256, (28, 28), dtype=np.uint8), 1)
            for i in range(3000)]
    d.model.set_samples(many)
    d.show()
    qtbot.waitExposed(d)
    QApplication.processEvents()
    assert d.proxy.rowCount() == 3000
    assert 0 < d.model.thumbnails_made() < 300


@pytest.mark.parametrize("size", [(1024, 600), (1920, 1080)])
def test_the_window_fits_small_and_large_screens(qtbot, store, size):
    d = MySamplesDialog(store)
    qtbot.addWidget(d)
    hint = d.minimumSizeHint()
    assert hint.width() <= size[0] - 100 and hint.height() <= size[1] - 100
    d.resize(min(d.width(), size[0] - 100), min(d.height(), size[1] - 100))
    d.show()
    qtbot.waitExposed(d)
    for button in (d.delete_button, d.relabel_button, d.folder_button, d.close_button):
        assert button.isVisible()
        assert d.rect().contains(QRect(button.mapTo(d, QPoint(0, 0)), button.size()))


def test_relabelling_a_sample_removed_meanwhile_says_so_and_changes_nothing(dialog, store, qtbot):
    click(qtbot, dialog, 0)
    (gone,) = dialog.selected_ids()
    os.remove(store.folder / f"{gone}.npz")
    before = files(store)
    dialog.new_letter.setCurrentIndex(LETTERS.index("Z"))
    qtbot.mouseClick(dialog.relabel_button, Qt.MouseButton.LeftButton)
    assert files(store) == before and store.counts()[LETTERS.index("Z")] == 0
    assert "no longer in your samples folder" in dialog.message.text()
    assert dialog.model.rowCount() == 5  # the list shows the folder as it now is


def test_a_sample_added_on_the_draw_tab_shows_in_the_open_window(window, store, qtbot):
    window.actions_by_name["my_samples"].trigger()
    d = window.train_tab.samples_window
    new = window.teach.add_sample([], image(99), "Q")
    assert d.model.rowCount() == 7 and new in d.model.ids()
    assert d.letters.item(LETTERS.index("Q") + 1).text() == "Q  (1)"


def test_one_delete_reads_the_samples_folder_once_for_each_view(window, qtbot, monkeypatch):
    """A delete refreshed the count, the preview and the window twice over, through the teach
    bar's counts coming back: seven reads of the whole folder, two reloads of the window."""
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    tab.show_samples()
    d = tab.samples_window
    reads, reloads = [], []
    real_read, real_reload = SampleStore._samples, d.reload
    monkeypatch.setattr(SampleStore, "_samples", lambda self: reads.append(1) or real_read(self))
    monkeypatch.setattr(d, "reload", lambda: reloads.append(1) or real_reload())
    before = len(d.model.ids())
    d.delete([d.model.ids()[0]])
    assert len(d.model.ids()) == before - 1
    assert len(reloads) == 1 and len(reads) <= 4  # the window, the count, the preview, the bar
    assert tab.setup.my_samples.text() == f"My samples ({before - 1:,})"
    assert f"{before - 1} in all" in window.teach_bar.counter.text()
