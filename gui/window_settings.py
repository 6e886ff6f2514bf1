"""What the window remembers between runs: geometry, dock layout, pen width, colour scale, model.

The settings file is the person's to edit (or a crash's to damage): every value is read with
its type and range checked, and anything odd gives the default, never an error.
"""

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from gui.training import remembered

log = logging.getLogger(__name__)
MAX_PATH_CHARS = 4096


def user_settings() -> QSettings:
    """The person's settings file, `settings.ini` in the config folder (LETTERLENS_CONFIG_DIR
    overrides it). The first time, what Qt's default place held is carried over."""
    from cnn.paths import config_dir

    path = config_dir() / "settings.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if not path.exists():
        earlier = QSettings()  # where LetterLens kept them before
        for key in earlier.allKeys():
            settings.setValue(key, earlier.value(key))  # read back checked, like any value
    return settings


def save(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.dock_state())
    settings.setValue("canvas/pen_width", window.draw_tab.width_slider.value())
    settings.setValue("feature_maps/scale", window.feature_maps_panel.scale())
    try:
        settings.setValue("train/form", remembered.to_text(window.train_tab.setup.config()))
    except ValueError:  # a form that cannot start a run (a bad rate): the last good one stays
        pass
    path = window.last_file  # not the weights training is sending: they have no file
    settings.setValue("model/last_path", str(path) if path else "")
    folder = window.train_tab.remembered_folder()  # None: nothing saved or opened yet
    settings.setValue("model/folder", str(folder) if folder else "")
    folder = window.export_folder
    settings.setValue("export/folder", str(folder) if folder else "")
    settings.sync()


def _odd(key: str, value) -> None:
    log.warning("settings: ignoring %s = %.80r (using the default)", key, value)


def read_int(settings: QSettings, key: str, default: int, lo: int, hi: int) -> int:
    """A whole number in [lo, hi] (an int, or a string of one), else `default`."""
    value = settings.value(key)
    if value is None:
        return default
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and len(value) < 32:
        try:
            number = int(value.strip())
        except ValueError:
            pass
    if number is None or not lo <= number <= hi:
        _odd(key, value)
        return default
    return number


def read_str(settings: QSettings, key: str, default: str = "",
             limit: int = MAX_PATH_CHARS) -> str:
    """A string of at most `limit` characters without NULs, else `default`. (An INI line
    `a, b` reads as a list.)"""
    value = settings.value(key)
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > limit or "\0" in value:
        _odd(key, value)
        return default
    return value


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    """Bytes Qt saved (geometry, dock state), None for anything else."""
    value = settings.value(key)
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        value = QByteArray(bytes(value))
    if not isinstance(value, QByteArray) or value.isEmpty():
        _odd(key, value)
        return None
    return value


def read_folder(settings: QSettings, key: str) -> Path | None:
    """A remembered folder that is still there; None for none, or one since removed (the
    dialogs then start in their defaults)."""
    folder = read_str(settings, key)
    return Path(folder) if folder and Path(folder).is_dir() else None


def last_model_path(settings: QSettings) -> str | None:
    """The model file to open with, None when there is none (or the setting is odd)."""
    return read_str(settings, "model/last_path") or None


def restore(window: QMainWindow, settings: QSettings) -> bool:
    """Apply what was saved; False when there was no usable geometry or dock layout (a first
    run, or a damaged file: the docks are then laid out afresh for the window)."""
    geometry = read_bytes(settings, "window/geometry")
    restored = geometry is not None and window.restoreGeometry(geometry)
    state = read_bytes(settings, "window/state")
    if restored and (state is None or not window.restoreState(state)):
        if state is not None:
            _odd("window/state", state)
        restored = False
    slider = window.draw_tab.width_slider
    slider.setValue(read_int(settings, "canvas/pen_width", slider.value(), slider.minimum(),
                             slider.maximum()))
    scale = read_str(settings, "feature_maps/scale", limit=40)
    if scale:
        window.feature_maps_panel.set_scale(scale)
    window.train_tab.set_model_folder(read_folder(settings, "model/folder"))
    window.export_folder = read_folder(settings, "export/folder")
    restore_train_form(window.train_tab.setup, settings)
    return restored


def restore_train_form(setup, settings: QSettings) -> None:
    """The Train tab's form as it was left; its letter files that are still there are read
    in the background (as Add file… does), so a large one does not hold up the start."""
    config = remembered.from_text(read_str(settings, "train/form", limit=remembered.MAX_CHARS))
    setup.set_config(replace(config, files=[]))
    files = remembered.existing_files(config)
    if files:
        setup.add_files(files)
