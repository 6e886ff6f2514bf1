"""The Train tab's form as the settings file keeps it between sessions: JSON text of the
fields the form shows.

The text is the person's to edit (or a crash's to damage): every field is checked against the
type of its default, an architecture must fit together and stay within what LetterLens builds,
and anything odd falls back to the default for that field, never an error. Letter files are
not read here: the caller adds those that still exist in the background, as Add file… does.
"""

import json
import logging
from dataclasses import replace
from pathlib import Path

from cnn.model import PRESETS
from cnn.runs.config import RunConfig, parse_lr
from gui.training.arch_editor import blocks_of, describe, spec_of

log = logging.getLogger(__name__)
MAX_CHARS = 64 * 1024  # far more than any form needs; a larger value is not read
MAX_FILES = 100
# What the form shows (SetupPanel.config), so what a person expects to find again.
FORM_FIELDS = ("synthetic", "my_samples", "files", "val_fraction", "from_current", "arch",
               "init_std", "optimizer", "lr", "momentum", "batch_size", "epochs", "seed",
               "augment", "degrade", "blas_threads", "name")
_DEFAULTS = RunConfig()
_OPTIONAL = {"init_std": float, "blas_threads": int}  # None or this type
_ODD = object()  # what _checked returns for a value the field cannot take


def to_text(config: RunConfig) -> str:
    return json.dumps({k: getattr(config, k) for k in FORM_FIELDS})


def from_text(text) -> RunConfig:
    """The remembered form; the defaults for whatever is missing or odd."""
    if not isinstance(text, str) or not text or len(text) > MAX_CHARS:
        return RunConfig()
    try:
        saved = json.loads(text)
    except (ValueError, RecursionError):
        saved = None
    if not isinstance(saved, dict):
        log.warning("settings: the Train tab's form is not readable; using the defaults")
        return RunConfig()
    kept = {}
    for name in FORM_FIELDS:
        if name in saved:
            value = _checked(name, saved[name])
            if value is _ODD:
                log.warning("settings: ignoring the Train tab's %s = %.80r", name, saved[name])
            else:
                kept[name] = value
    return replace(_DEFAULTS, **kept)


def _checked(name: str, value):
    """`value` if field `name` can take it (None only where the field may be None), else _ODD."""
    default = getattr(_DEFAULTS, name)
    if value is None:
        return None if name in _OPTIONAL else _ODD
    if name == "arch":
        return _arch(value)
    if name == "lr":
        try:
            return parse_lr(repr(value)) if type(value) in (int, float) else _ODD
        except ValueError:
            return _ODD
    if name == "files":
        if not isinstance(value, list) or len(value) > MAX_FILES:
            return _ODD
        return [p for p in value if isinstance(p, str) and 0 < len(p) < 4096 and "\0" not in p]
    kind = _OPTIONAL.get(name, type(default))
    if kind is float and type(value) is int:
        value = float(value)
    if type(value) is not kind:
        return _ODD
    if kind is float and not 0 <= value < 1e6 or kind is int and not 0 <= value < 2**31:
        return _ODD
    if name == "optimizer" and value not in ("adam", "sgd") or kind is str and len(value) > 200:
        return _ODD
    return value


def _arch(value):
    """A preset's name, or a spec the architecture editor shows as it is and LetterLens can
    build; else _ODD."""
    if isinstance(value, str):
        return value if value in PRESETS else _ODD
    try:
        if spec_of(*blocks_of(value)) != value:
            return _ODD
        describe(value)
    except Exception:  # any shape of JSON: a wrong one is simply not used
        return _ODD
    return value


def existing_files(config: RunConfig) -> list[str]:
    """The remembered letter files that are still there."""
    return [p for p in config.files if Path(p).is_file()]
