"""Where LetterLens keeps its files: the shipped assets, the user's data, cache, config and logs."""

import atexit
import contextlib
import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "letterlens"
_extracted = contextlib.ExitStack()  # assets unpacked from a zipped install, removed at exit
atexit.register(_extracted.close)


def asset_path(name: str) -> Path:
    """A real file for one of the shipped assets, in a source tree, a wheel or a zip alike."""
    ref = resources.files("assets").joinpath(name)
    if isinstance(ref, Path):  # installed as plain files: use them where they lie
        return ref.resolve()
    return _extracted.enter_context(resources.as_file(ref)).resolve()


DEFAULT_MODEL = asset_path("default_model.npz")
ICON = asset_path("icon.svg")


def _folder(env_var: str, default: str) -> Path:
    override = os.environ.get(env_var)
    return Path(override) if override else Path(default)


def data_dir() -> Path:
    """The user's data folder (samples, trained models); LETTERLENS_DATA_DIR overrides it."""
    return _folder("LETTERLENS_DATA_DIR", platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """The user's cache folder (generated letter sets); LETTERLENS_CACHE_DIR overrides it."""
    return _folder("LETTERLENS_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The user's settings folder; LETTERLENS_CONFIG_DIR overrides it."""
    return _folder("LETTERLENS_CONFIG_DIR",
                   platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The user's log folder; LETTERLENS_LOG_DIR overrides it."""
    return _folder("LETTERLENS_LOG_DIR", platformdirs.user_log_dir(APP_NAME, appauthor=False))
