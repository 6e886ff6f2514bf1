"""Add file… in the Train tab reads letter files in the background: progress, refusals shown,
empty sets refused, Cancel (pytest-qt; every wait is on a GUI-thread signal)."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn.data import LetterSet, save_npz
from gui import logs
from gui.training import file_loader
from gui.training.setup_panel import SetupPanel
from tests.test_gui_training import blobs

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def panel(qtbot):
    p = SetupPanel()
    qtbot.addWidget(p)
    p.resize(380, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def click_add(qtbot, panel, paths):
    panel._ask_files = lambda: [str(p) for p in paths]  # what the file dialog would answer
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)


def listed(panel):
    return [panel.files.item(i).text() for i in range(panel.files.count())]


def test_a_good_file_is_read_in_the_background_and_added(qtbot, panel, tmp_path):
    path = save_npz(blobs(52), tmp_path / "blobs.npz")
    with qtbot.waitSignal(panel.loader.finished) as done:
        click_add(qtbot, panel, [path])
        assert panel.loader.is_busy() and not panel.add_button.isEnabled()
        assert "Reading blobs.npz" in panel.file_progress.text()
    assert done.args == [False]
    assert listed(panel) == ["blobs.npz (52)"]
    assert panel.config().files == [str(path)]
    assert panel.add_button.isEnabled() and not panel._loading.isVisible()
    assert panel.file_message.text() == ""


def test_a_bad_file_shows_the_refusal_and_is_not_added(qtbot, panel, tmp_path):
    bad = tmp_path / "<img src=x><b>broken.npz"
    bad.write_bytes(b"PK\x03\x04" + bytes(200))
    good = save_npz(blobs(26), tmp_path / "good.npz")
    refused = []
    panel.loader.refused.connect(lambda path, message: refused.append(path))
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [bad, good])
    assert refused == [str(bad)]
    text = panel.file_message.text()
    assert "<img src=x><b>broken.npz was not added" in text  # the name shown as text, not markup
    assert panel.file_message.textFormat() == Qt.TextFormat.PlainText
    assert listed(panel) == ["good.npz (26)"]  # the next file was still read


def test_refusals_name_each_file_once_and_where_the_details_are_once(
        qtbot, panel, tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "_path", tmp_path / "letterlens.log")
    bad = [tmp_path / f"bad{i}.npz" for i in range(2)]
    for path in bad:
        path.write_bytes(b"PK\x03\x04" + bytes(200))
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, bad)
    text = panel.file_message.text()
    assert text.count("was not added: not an .npz file") == 2
    assert str(tmp_path) not in text.replace(str(tmp_path / "letterlens.log"), "")
    assert text.count("The details are in the log") == 1 and text.endswith("letterlens.log")
    good = save_npz(blobs(26), tmp_path / "good.npz")
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [good])
    assert panel.file_message.text() == ""  # the next Add file… starts clean


def test_an_empty_letter_set_is_refused(qtbot, panel, tmp_path):
    empty = save_npz(LetterSet(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)),
                     tmp_path / "empty.npz")
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [empty])
    assert listed(panel) == []
    assert "empty.npz was not added: it holds no letters" in panel.file_message.text()
    assert not panel.add_file(str(empty))  # set_config's way refuses it too


def test_cancel_abandons_the_file_being_read(qtbot, panel, tmp_path, monkeypatch):
    path = save_npz(blobs(26), tmp_path / "slow.npz")
    release = threading.Event()
    real = file_loader.sources.file_size

    def slow(p):  # a file that takes its time (a big or hostile one)
        release.wait(30)
        return real(p)

    monkeypatch.setattr(file_loader.sources, "file_size", slow)
    with qtbot.waitSignal(panel.loader.reading):
        click_add(qtbot, panel, [path])
    assert panel._loading.isVisible() and panel.cancel_files.isEnabled()
    with qtbot.waitSignal(panel.loader.finished) as done:
        qtbot.mouseClick(panel.cancel_files, Qt.MouseButton.LeftButton)
    assert done.args == [True]
    assert not panel.loader.is_busy() and panel.add_button.isEnabled()
    assert "Cancelled" in panel.file_message.text()
    assert file_loader.abandoned_calls() == 1
    release.set()  # the abandoned read ends on its own; its result is dropped
    qtbot.waitUntil(lambda: file_loader.abandoned_calls() == 0, timeout=10_000)
    assert listed(panel) == []
    monkeypatch.setattr(file_loader.sources, "file_size", real)
    with qtbot.waitSignal(panel.loader.finished):  # and the panel reads files again
        click_add(qtbot, panel, [path])
    assert listed(panel) == ["slow.npz (26)"]


def test_a_new_read_waits_for_a_cancelled_one_so_reads_never_pile_up(qtbot, panel, tmp_path,
                                                                   monkeypatch):
    first = save_npz(blobs(26), tmp_path / "first.npz")
    second = save_npz(blobs(52), tmp_path / "second.npz")
    release, running, most = threading.Event(), [], []
    real = file_loader.sources.file_size

    def slow(p):
        running.append(p)
        most.append(len(running))
        try:
            if p == str(first):
                release.wait(30)
            return real(p)
        finally:
            running.remove(p)

    monkeypatch.setattr(file_loader.sources, "file_size", slow)
    with qtbot.waitSignal(panel.loader.reading):
        click_add(qtbot, panel, [first])
    qtbot.mouseClick(panel.cancel_files, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.loader.waiting):
        click_add(qtbot, panel, [second])  # Add again at once: it waits, it does not start
    assert "Waiting" in panel.file_progress.text() and not panel.add_button.isEnabled()
    with qtbot.waitSignal(panel.loader.finished, timeout=10_000) as done:
        release.set()
    assert done.args == [False] and listed(panel) == ["second.npz (52)"]
    assert max(most) == 1  # never two files read at once


def _records(caplog, path):
    return [(r.name, r.levelname, r.exc_info is not None) for r in caplog.records
            if r.name.startswith("gui.") and (str(path) in r.getMessage()
                                              or r.name == "gui.training.background")]


def test_a_refused_file_is_logged_once_as_a_warning_without_a_traceback(
        qtbot, panel, tmp_path, caplog):
    bad = tmp_path / "broken-images-idx3-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03" + bytes(8))  # an idx header cut short
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [bad])
    assert "was not added" in panel.file_message.text()
    assert _records(caplog, bad) == [("gui.training.file_loader", "WARNING", False)]
    caplog.clear()
    assert not panel.add_file(str(bad))  # set_config's way, in this thread
    assert _records(caplog, bad) == [("gui.training.setup_files", "WARNING", False)]


def test_an_unexpected_failure_keeps_its_traceback(qtbot, panel, tmp_path, caplog,
                                                  monkeypatch):
    path = save_npz(blobs(26), tmp_path / "blobs.npz")

    def broken(p):
        raise RuntimeError("a bug in the reader")

    monkeypatch.setattr(file_loader, "count_letters", broken)
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [path])
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [(r.name, r.exc_info is not None) for r in errors] == [
        ("gui.training.background", True)]


def test_an_emnist_labels_file_or_an_unknown_file_is_refused_with_what_to_add(
        qtbot, panel, tmp_path):
    from cnn.emnist import write_idx

    labels = tmp_path / "emnist-letters-test-labels-idx1-ubyte"
    write_idx(labels, np.ones(3, np.uint8))
    other = tmp_path / "letters.bin"
    other.write_bytes(bytes(100))
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [labels, other])
    lines = panel.file_message.text().splitlines()
    assert lines[0] == ("emnist-letters-test-labels-idx1-ubyte was not added: this is an EMNIST "
                        "labels file; add its images file (emnist-letters-test-images-idx3-ubyte)"
                        " instead: the labels are read from beside it")
    assert lines[1].startswith("letters.bin was not added: not a letter set: LetterLens reads "
                               ".npz letter sets and EMNIST images files")
    assert "labels_path" not in panel.file_message.text() and listed(panel) == []


def test_a_letter_set_named_in_capitals_is_read(qtbot, panel, tmp_path):
    """LETTERS.NPZ (as another system may name it) went to the EMNIST reader and was refused."""
    path = save_npz(blobs(26), tmp_path / "letters.npz").rename(tmp_path / "LETTERS.NPZ")
    with qtbot.waitSignal(panel.loader.finished):
        click_add(qtbot, panel, [path])
    assert listed(panel) == ["LETTERS.NPZ (26)"] and panel.file_message.text() == ""
