import gc
import os
from pathlib import Path

# Before any Qt import: the tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Before any test module imports NumPy: the engine's OpenBLAS settings, as the app has them (idle
# BLAS threads that spin would take the core the other test worker runs on).
import pytest  # noqa: E402

import cnn  # noqa: E402, F401

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def pyqtgraph_options():
    """pyqtgraph's options, as the app sets them at start-up (tests build widgets directly)."""
    from gui.colormaps import configure_pyqtgraph

    configure_pyqtgraph()


@pytest.fixture
def shared_data():
    """The real handwriting beside the checkout; skips the test when it is absent."""
    if not (SHARED_DATA / "chars74k_hnd.npz").exists():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One cache folder for the session: the synthetic letters teaching replays are drawn once,
    not once a test (the cache is keyed by what it holds and written atomically)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def user_folders(tmp_path, monkeypatch, shared_cache):
    """Every test gets its own data, config and log folders: none reads or writes the user's.
    Tests of the cache itself point LETTERLENS_CACHE_DIR at a folder of their own."""
    for kind in ("data", "config", "log"):
        monkeypatch.setenv(f"LETTERLENS_{kind.upper()}_DIR", str(tmp_path / kind))
    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(shared_cache))
    return tmp_path


@pytest.fixture(scope="session", autouse=True)
def qt_default_settings_in_a_temporary_folder(tmp_path_factory):
    """QSettings() (where earlier versions kept the settings) points into the session's folder,
    never at the ~/.config of whoever runs the tests."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qt-settings"))
    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(form, QSettings.Scope.UserScope, folder)
        QSettings.setPath(form, QSettings.Scope.SystemScope, folder)


@pytest.fixture(scope="session", autouse=True)
def garbage_in_the_main_thread():
    """Cyclic garbage is collected between tests, in this thread, as the app does on a timer
    (gui.app.collect_garbage_in_gui_thread): collected by a worker thread, a dead Qt object
    can deadlock Qt's locks against the GIL."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def collect_after_each_test():
    yield
    threshold, counts = gc.get_threshold(), gc.get_count()
    for generation in range(3):  # what automatic collection would have done by now
        if counts[generation] <= threshold[generation]:
            break
        gc.collect(generation)


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch):
    """A modal question or file dialog would wait forever for a person no test has: questions
    answer Discard (a test that cares answers through the app's `_ask_*` methods) and file
    dialogs are cancelled. `asked` lists the questions (title, text), for tests to check."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    asked = []

    def question(parent, title, text="", *args, **kwargs):
        asked.append((title, text))
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("getOpenFileName", "getSaveFileName", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    return asked
