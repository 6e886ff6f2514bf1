"""Where LetterLens keeps its files: the shipped assets, the user's data and cache folders."""

import os
import sys
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL = ASSETS_DIR / "default_model.npz"


def _base(env_var: str, fallback: str) -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    if sys.platform == "darwin":
        sub = "Caches" if env_var == "XDG_CACHE_HOME" else "Application Support"
        return Path.home() / "Library" / sub
    return Path(os.environ.get(env_var) or Path.home() / fallback)


def data_dir() -> Path:
    """The user's data folder (samples, trained models); LETTERLENS_DATA_DIR overrides it."""
    override = os.environ.get("LETTERLENS_DATA_DIR")
    return Path(override) if override else _base("XDG_DATA_HOME", ".local/share") / "letterlens"


def cache_dir() -> Path:
    """The user's cache folder (generated letter sets); LETTERLENS_CACHE_DIR overrides it."""
    override = os.environ.get("LETTERLENS_CACHE_DIR")
    return Path(override) if override else _base("XDG_CACHE_HOME", ".cache") / "letterlens"
