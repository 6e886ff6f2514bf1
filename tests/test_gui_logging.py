"""Errors keep their tracebacks: a rotating log file in the user's log folder, every caught
exception written with its traceback, and messages that say where the log is."""

import logging

import pytest

from cnn.paths import log_dir
from cnn.runs.config import RunConfig
from gui import logs
from gui.training import worker
from tests.test_gui_training import RUN_TIMEOUT_MS, make_tab


@pytest.fixture
def log_file():
    path = logs.setup(stderr=False)
    yield path
    logs.shutdown()


def test_log_file_lives_in_the_log_folder_and_rotates(log_file):
    assert log_file == log_dir() / "letterlens.log" and log_file.exists()
    (handler,) = [h for h in logging.getLogger("gui").handlers
                  if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert handler.maxBytes == logs.MAX_BYTES and handler.backupCount == logs.BACKUPS
    assert logs.log_path() == log_file and str(log_file) in logs.hint()


def run_that_fails(qtbot, tmp_path):
    """A Train tab whose run ended 'failed', set up with only a damaged letter file (which the
    form leaves out, so the run has no data)."""
    bad = tmp_path / "letters.npz"
    bad.write_bytes(b"PK\x03\x04 damaged")
    tab = make_tab(qtbot)
    tab.setup.set_config(RunConfig(synthetic=0, my_samples=False, files=[str(bad)], epochs=1))
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        assert tab.start()
    assert blocker.args[0]["reason"] == "failed"
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    return tab


def test_a_failing_run_writes_its_traceback_and_the_message_names_the_log(
        qtbot, log_file, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the data pipeline broke")

    monkeypatch.setattr(worker, "prepare", broken)  # a fault of the app, not of the file
    tab = run_that_fails(qtbot, tmp_path)
    text = log_file.read_text()
    assert "training failed" in text and "Traceback (most recent call last)" in text
    assert "RuntimeError: the data pipeline broke" in text
    kind, title, message = tab.last_message
    assert title == "Training failed." and str(log_file) in message
    assert str(log_file) in tab.banner.text()


def test_a_run_refused_for_a_damaged_file_logs_why_without_a_traceback(qtbot, log_file,
                                                                        tmp_path):
    tab = run_that_fails(qtbot, tmp_path)
    text = log_file.read_text()
    assert "WARNING" in text and "training refused" in text and "letters.npz" in text
    assert "Traceback" not in text
    kind, title, message = tab.last_message
    assert title == "Training failed." and "no training data" in message  # the file was left out


def test_a_failed_teaching_call_is_logged_with_its_traceback(qtbot, log_file):
    from gui.training.background import BackgroundCall

    call = BackgroundCall()

    def broken():
        raise RuntimeError("the replay pool is gone")

    with qtbot.waitSignal(call.failed) as blocker:
        call.start(broken)
    assert blocker.args == ["the replay pool is gone"]
    text = log_file.read_text()
    assert "a background call failed" in text and "RuntimeError: the replay pool" in text
    assert 'raise RuntimeError("the replay pool is gone")' in text  # the traceback's line


def test_a_log_folder_that_cannot_be_written_leaves_stderr_only(capsys):
    log_dir().parent.mkdir(parents=True, exist_ok=True)
    log_dir().write_text("a file where the folder should be")
    try:
        assert logs.setup() is None
        assert logs.hint() == "" and logs.with_hint("x") == "x"
        logging.getLogger("gui.test").error("still heard")
        assert "still heard" in capsys.readouterr().err
    finally:
        logs.shutdown()
